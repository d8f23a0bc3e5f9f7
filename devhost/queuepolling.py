"""The host's queue polling loop, shared by queue triggers and the blob trigger's host queue.

Messages are fetched in batches of `batch_size`; a new batch is fetched once the messages in
flight drop to `new_batch_threshold`. An empty queue backs the polling off exponentially up
to `max_polling_interval`; `wake()` polls at once (the host's shared queue watcher does the
same when it enqueues a message itself). Each message stays invisible while its handler runs.
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from azure.storage.queue import QueueClient, QueueMessage

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
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._renew, daemon=True)

    def __enter__(self) -> MessageLease:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    def _renew(self) -> None:
        while not self._done.wait(LEASE_SECONDS / 2):
            try:
                updated = self.queue.update_message(
                    self.message_id, self.pop_receipt, visibility_timeout=LEASE_SECONDS
                )
                self.pop_receipt = updated.pop_receipt or self.pop_receipt
            except Exception:
                logger.exception("queue_lease_renewal_failed message_id=%s", self.message_id)


class QueuePoller:
    """Fetches messages from one queue and hands each to `handle` on a thread pool."""

    def __init__(
        self, queue: QueueClient, options: PollingOptions, handle: Callable[[QueueMessage], None],
        *, stopping: threading.Event, name: str,
    ) -> None:  # fmt: skip
        self.queue, self.options, self._handle = queue, options, handle
        self._stopping = stopping
        self._pool = concurrent.futures.ThreadPoolExecutor(
            options.batch_size + options.new_batch_threshold, name
        )
        self._in_flight = 0
        self._cond = threading.Condition()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout: float) -> None:
        self._wake.set()
        self._thread.join(timeout)
        self._pool.shutdown(wait=True)

    def wake(self) -> None:
        """Poll now instead of waiting out the back-off."""
        self._wake.set()

    def _fetch(self) -> list[QueueMessage]:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            pages = self.queue.receive_messages(
                messages_per_page=self.options.batch_size, visibility_timeout=LEASE_SECONDS
            ).by_page()
            return list(next(pages, []))
        except ResourceNotFoundError:
            return []  # the queue does not exist yet

    def _sleep(self, seconds: float) -> None:
        self._wake.wait(seconds)
        self._wake.clear()

    def _run(self) -> None:
        delay = MIN_POLL_SECONDS
        while not self._stopping.is_set():
            with self._cond:
                self._cond.wait_for(
                    lambda: (
                        self._in_flight <= self.options.new_batch_threshold
                        or self._stopping.is_set()
                    )
                )
            try:
                messages = [] if self._stopping.is_set() else self._fetch()
            except Exception:
                logger.exception("queue_poll_failed queue=%s", self.queue.queue_name)
                messages = []
            if not messages:
                self._sleep(delay)
                delay = min(delay * 2, max(self.options.max_polling_interval, MIN_POLL_SECONDS))
                continue
            delay = MIN_POLL_SECONDS
            with self._cond:
                self._in_flight += len(messages)
            for message in messages:
                self._pool.submit(self._handle_guarded, message)

    def _handle_guarded(self, message: QueueMessage) -> None:
        try:
            self._handle(message)
        except Exception:
            logger.exception(
                "queue_message_error queue=%s id=%s", self.queue.queue_name, message.id
            )
        finally:
            with self._cond:
                self._in_flight -= 1
                self._cond.notify_all()
