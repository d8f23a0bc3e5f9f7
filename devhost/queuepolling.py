"""The host's queue polling loop, shared by queue triggers and the blob trigger's host queue.

Messages are fetched in batches of `batch_size`; a new batch is fetched once the messages in
flight drop to `new_batch_threshold`. An empty queue backs the polling off exponentially up
to `max_polling_interval`; `wake()` polls at once (the host's shared queue watcher does the
same when it enqueues a message itself). Each message stays invisible while its handler runs.

Polling, leases and handlers all run on the host's event loop with the asyncio queue client,
so a queue-triggered async function runs where it was fetched, on one thread (why:
devhost.invocation).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from devhost.tasks import finish, wait_for_event

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from azure.storage.queue import QueueMessage
    from azure.storage.queue.aio import QueueClient

__all__ = ["LEASE_SECONDS", "MessageLease", "PollingOptions", "QueuePoller"]

logger = logging.getLogger(__name__)
MIN_POLL_SECONDS = 0.1
# Fetched messages stay invisible this long, renewed halfway while the function runs.
LEASE_SECONDS = 60


@dataclass(frozen=True, slots=True)
class PollingOptions:
    batch_size: int
    new_batch_threshold: int
    max_polling_interval: float


class MessageLease:
    """Keeps a message invisible while its function runs (its pop receipt changes)."""

    def __init__(self, queue: QueueClient, message: QueueMessage) -> None:
        self.queue, self.message_id = queue, message.id
        self.pop_receipt: str = message.pop_receipt or ""
        self._done = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> MessageLease:
        self._task = asyncio.create_task(self._renew())
        return self

    async def __aexit__(self, *exc: object) -> None:
        # Not cancelled: a renewal in flight must finish, or its new pop receipt is lost and
        # the message cannot be deleted.
        assert self._task is not None
        self._done.set()
        await self._task

    async def _renew(self) -> None:
        while not await wait_for_event(self._done, LEASE_SECONDS / 2):
            try:
                updated = await self.queue.update_message(
                    self.message_id, self.pop_receipt, visibility_timeout=LEASE_SECONDS
                )
                self.pop_receipt = updated.pop_receipt or self.pop_receipt
            except Exception:
                logger.exception("queue_lease_renewal_failed message_id=%s", self.message_id)


class QueuePoller:
    """Fetches messages from one queue and runs `handle` for each as a task."""

    def __init__(
        self,
        queue: QueueClient,
        options: PollingOptions,
        handle: Callable[[QueueMessage], Awaitable[None]],
        *,
        stopping: asyncio.Event,
        name: str,
    ) -> None:
        self.queue, self.options, self._handle = queue, options, handle
        self._stopping, self._name = stopping, name
        self._handlers: set[asyncio.Task[None]] = set()
        self._room = asyncio.Event()  # in flight at or below the threshold
        self._wake = asyncio.Event()
        self._polling: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Begin polling, as a task on the running loop."""
        self._polling = asyncio.create_task(self._run(), name=self._name)

    async def stop(self, grace: float) -> None:
        """Stop fetching (the host's `stopping` is set) and wait for the handlers running."""
        if self._polling is None:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        self._wake.set()
        self._room.set()
        await finish([self._polling], grace)
        while self._handlers and loop.time() < deadline:
            await finish(set(self._handlers), deadline - loop.time())

    def wake(self) -> None:
        """Poll now instead of waiting out the back-off."""
        self._wake.set()

    async def _fetch(self) -> list[QueueMessage]:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            pages = self.queue.receive_messages(
                messages_per_page=self.options.batch_size, visibility_timeout=LEASE_SECONDS
            ).by_page()
            page = await anext(pages, None)
            return [] if page is None else [message async for message in page]
        except ResourceNotFoundError:
            return []  # the queue does not exist yet

    async def _sleep(self, seconds: float) -> None:
        await wait_for_event(self._wake, seconds)
        self._wake.clear()

    async def _run(self) -> None:
        delay = MIN_POLL_SECONDS
        while not self._stopping.is_set():
            if len(self._handlers) > self.options.new_batch_threshold:
                self._room.clear()
                await self._room.wait()
                continue
            try:
                messages = await self._fetch()
            except Exception:
                logger.exception("queue_poll_failed queue=%s", self.queue.queue_name)
                messages = []
            if not messages:
                await self._sleep(delay)
                delay = min(delay * 2, max(self.options.max_polling_interval, MIN_POLL_SECONDS))
                continue
            delay = MIN_POLL_SECONDS
            for message in messages:
                task = asyncio.create_task(self._handle_guarded(message), name=self._name)
                self._handlers.add(task)
                task.add_done_callback(self._handler_done)

    def _handler_done(self, task: asyncio.Task[None]) -> None:
        self._handlers.discard(task)
        if len(self._handlers) <= self.options.new_batch_threshold:
            self._room.set()

    async def _handle_guarded(self, message: QueueMessage) -> None:
        try:
            await self._handle(message)
        except Exception:
            logger.exception(
                "queue_message_error queue=%s id=%s", self.queue.queue_name, message.id
            )
