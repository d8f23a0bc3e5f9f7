"""Sending again, within seconds, the events whose send right after their commit failed.

A change is committed with its outbox row, then its event is sent (shared.changes.outbox).
When that send fails (the queue unreachable for a moment), the row stays; the relay, which
sends rows older than a minute every minute, would send it, leaving read models a minute or
more behind a short storage blip. So the instance that made the change keeps the event here
and tries again soon, with backoff, for a bounded time, and only then leaves it to the relay.

- **One probe per round.** While the queue is down every send waits out its timeouts, so a
  round sends the oldest waiting event first and the others only if that one went through
  (up to `_AT_ONCE` at a time): an outage costs one failed send per round, not one per event.
- **Backoff** from `FIRST_PAUSE` (0.5 s), doubling to `LONGEST_PAUSE` (10 s), back to the
  first pause after a round whose probe went through.
- **Bounded.** An event not sent within `RETRY_FOR` (30 s) of its failure is left to the relay
  (its row is still there), logged as `order_event_left_to_relay`. 30 s keeps a resent event,
  with the cleanup's 15 s before its row is deleted, inside the relay's minute, so no other
  instance's relay sends it meanwhile; when that does happen the consumers absorb the copy.
- **Free at rest.** The timer task exists only while events wait: an idle process makes no
  request here.
- **Duplicates.** A send that timed out may still have reached the queue, so a retry can send
  an event twice; every consumer drops an event whose version is not newer than the row's
  (docs/change-feed.md, "Catching up after a blip").

docs/change-feed.md says why these timings; `bench/recovery.py` measures the catch-up.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from shared.changes.cleanup import cancel

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from shared.orders.events import OrderEvent

__all__ = ["FIRST_PAUSE", "LONGEST_PAUSE", "RETRY_FOR", "Resender"]

logger = logging.getLogger(__name__)

FIRST_PAUSE = 0.5
LONGEST_PAUSE = 10.0
RETRY_FOR = 30.0  # half of RELAY_AGE (shared.changes.outbox), as the cleanup's GIVE_UP_AFTER
_AT_ONCE = 16  # sends in flight once a probe went through


class Resender:
    """Failed sends of one event loop, retried by a task that runs only while some wait.

    `deliver` sends an event and hands its outbox row to the cleanup; it answers whether the
    send went through and never raises (shared.changes.outbox.deliver)."""

    def __init__(
        self,
        deliver: Callable[[OrderEvent], Awaitable[bool]],
        *,
        first_pause: float = FIRST_PAUSE,
        longest_pause: float = LONGEST_PAUSE,
        retry_for: float = RETRY_FOR,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._deliver, self._clock = deliver, clock
        self._first, self._longest, self._retry_for = first_pause, longest_pause, retry_for
        self._waiting: list[tuple[float, OrderEvent]] = []  # (failed at, event), oldest first
        self._in_round = 0  # taken out of `_waiting` by the round being sent
        self._task: asyncio.Task[None] | None = None

    @property
    def waiting(self) -> int:
        """Events not sent yet, those of a round being sent included."""
        return len(self._waiting) + self._in_round

    def failed(self, event: OrderEvent) -> None:
        """The send after `event`'s commit failed: try again soon."""
        self._waiting.append((self._clock(), event))
        if self._task is None:
            self._task = asyncio.create_task(self._retry())

    async def _retry(self) -> None:
        pause = self._first
        try:
            while self._waiting:
                await asyncio.sleep(pause)
                self._give_up_on_old()
                if self._waiting:
                    pause = self._first if await self._round() else min(pause * 2, self._longest)
        finally:
            self._task = None

    def _give_up_on_old(self) -> None:
        cutoff = self._clock() - self._retry_for
        for failed_at, event in [item for item in self._waiting if item[0] <= cutoff]:
            logger.warning(
                "order_event_left_to_relay order_id=%s version=%s waited_s=%.1f",
                event.order_id,
                event.version,
                self._clock() - failed_at,
            )
        self._waiting = [item for item in self._waiting if item[0] > cutoff]

    async def _round(self) -> bool:
        """The oldest event first; the rest only if it went through. False if it did not."""
        batch, self._waiting = self._waiting, []
        self._in_round = len(batch)
        try:
            if not await self._resend(*batch[0]):
                self._waiting[:0] = batch  # before any that failed meanwhile: oldest first
                return False
            limit = asyncio.Semaphore(_AT_ONCE)

            async def one(failed_at: float, event: OrderEvent) -> bool:
                async with limit:
                    return await self._resend(failed_at, event)

            sent = await asyncio.gather(*(one(*item) for item in batch[1:]))
            self._waiting[:0] = [item for item, ok in zip(batch[1:], sent, strict=True) if not ok]
            return True
        finally:
            self._in_round = 0

    async def _resend(self, failed_at: float, event: OrderEvent) -> bool:
        if not await self._deliver(event):
            return False
        logger.info(
            "order_event_resent order_id=%s version=%s after_s=%.1f",
            event.order_id,
            event.version,
            self._clock() - failed_at,
        )
        return True

    async def close(self) -> None:
        """Stop retrying (the loop or process ends): what waits is left to the relay."""
        task, self._task = self._task, None
        await cancel(task)
        self._waiting.clear()
