"""Deleting sent outbox rows in batches instead of one request per event.

An event's outbox row may go once the event is on its queue. Only the process that sent it
knows that, so it remembers the event here and deletes the rows of each partition together,
one entity-group transaction for up to 100 rows, `CLEANUP_AFTER` seconds after the first of
them was sent (or at once when 100 are waiting). Until then the row stays, as it would if
the process had died right after the send: harmless, because

- only events whose send succeeded are remembered, so an unsent row is never deleted;
- the relay takes only rows older than RELAY_AGE (a minute), and a remembered row is deleted
  well before that (GIVE_UP_AFTER bounds how long a failing delete is retried), so another
  instance's relay does not send it again; this instance's relay and sweep first flush what
  is remembered here;
- a process that dies with rows remembered leaves them to the relay, which sends those
  events once more (consumers drop the duplicates) and deletes the rows.

docs/change-feed.md ("Cleaning the outbox in batches") gives the reasoning and the costs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    from shared.orders.events import OrderEvent
    from shared.orders.repository import OrderBacklog

__all__ = [
    "CLEANUP_AFTER",
    "GIVE_UP_AFTER",
    "BatchedCleanup",
    "ImmediateCleanup",
    "SentEvents",
    "cancel",
]

logger = logging.getLogger(__name__)

# Seconds a sent event's row waits for others of its partition. Longer makes bigger batches at
# low rates; it must stay well inside RELAY_AGE (60 s), which the relay waits.
CLEANUP_AFTER = 15.0
# Past this, a row whose delete keeps failing is left to the relay (half of RELAY_AGE).
GIVE_UP_AFTER = 30.0
_RETRY_AFTER = 5.0
BATCH_ROWS = 100  # an entity-group transaction's limit


class SentEvents:
    """Where a sender reports that an event is on its queue (so its outbox row may go)."""

    async def sent(self, event: OrderEvent) -> None:
        raise NotImplementedError

    async def flush(self) -> None:
        """Delete every remembered row now."""

    async def close(self) -> None:
        """Flush and stop any timer (the process, or its event loop, ends)."""


class ImmediateCleanup(SentEvents):
    """One delete per sent event, at once (for tools and tests without a running timer)."""

    def __init__(self, backlog: OrderBacklog) -> None:
        self._backlog = backlog

    async def sent(self, event: OrderEvent) -> None:
        await self._backlog.clear_sent([event])


@dataclass
class _Waiting:
    due: float
    events: list[tuple[float, OrderEvent]] = field(default_factory=list)


class BatchedCleanup(SentEvents):
    """Sent events per partition, deleted in batches by a timer task on the running loop.

    The task exists only while something waits, so an idle process makes no request."""

    def __init__(
        self,
        backlog: OrderBacklog,
        *,
        after: float = CLEANUP_AFTER,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._backlog, self._after, self._clock = backlog, after, clock
        self._waiting: dict[str, _Waiting] = {}
        self._timer: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()

    @property
    def waiting(self) -> int:
        """Rows remembered and not yet deleted."""
        return sum(len(batch.events) for batch in self._waiting.values())

    async def sent(self, event: OrderEvent) -> None:
        now = self._clock()
        partition = self._backlog.partition_of(event.order_id)
        batch = self._waiting.setdefault(partition, _Waiting(now + self._after))
        batch.events.append((now, event))
        if len(batch.events) >= BATCH_ROWS:
            self._start(self._clear(partition, self._waiting.pop(partition)))
        elif self._timer is None:
            self._timer = asyncio.create_task(self._tick())

    def _start(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` beside the request that filled the batch, not inside it."""
        task = asyncio.create_task(work)
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _tick(self) -> None:
        try:
            while self._waiting:
                due = min(batch.due for batch in self._waiting.values())
                await asyncio.sleep(max(0.0, due - self._clock()))
                now = self._clock()
                for partition in [p for p, b in self._waiting.items() if b.due <= now]:
                    await self._clear(partition, self._waiting.pop(partition))
        finally:
            self._timer = None

    async def _clear(self, partition: str, batch: _Waiting) -> None:
        """Delete one partition's rows; never raises. On failure the rows are retried a little
        later while they are young, then left to the relay."""
        events = [event for _, event in batch.events]
        try:
            await self._backlog.clear_sent(events)
        except Exception as exc:  # noqa: BLE001 - a row left behind only costs a resend
            now = self._clock()
            young = [(at, e) for at, e in batch.events if now - at < GIVE_UP_AFTER]
            logger.warning(
                "outbox_cleanup_deferred partition=%s rows=%d retried=%d error=%s",
                partition,
                len(events),
                len(young),
                type(exc).__name__,
            )
            if young:
                again = self._waiting.setdefault(partition, _Waiting(now + _RETRY_AFTER))
                again.events[:0] = young
                again.due = min(again.due, now + _RETRY_AFTER)
                if self._timer is None:
                    self._timer = asyncio.create_task(self._tick())

    async def flush(self) -> None:
        waiting, self._waiting = self._waiting, {}
        for partition, batch in waiting.items():
            await self._clear(partition, batch)
        if self._running:
            await asyncio.gather(*self._running)

    async def close(self) -> None:
        await self.flush()
        timer, self._timer = self._timer, None
        await cancel(timer)
        self._waiting.clear()


async def cancel(task: asyncio.Task[None] | None) -> None:
    """Stop a timer task of this package and wait until it has stopped."""
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
