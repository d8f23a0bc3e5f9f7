"""Queue triggers: the host's polling loop, visibility, retries and poison queue.

Messages are fetched in batches of `batchSize`; a new batch is fetched once the messages in
flight drop to `newBatchThreshold`. An empty queue backs the polling off exponentially up to
`maxPollingInterval`. A failed message becomes visible again after `visibilityTimeout`;
when its dequeue count reaches `maxDequeueCount` it moves to `<queue>-poison`. Bodies are
base64-decoded unless `messageEncoding` is `none`; one that cannot be decoded goes straight
to the poison queue.
"""

from __future__ import annotations

import base64
import binascii
import concurrent.futures
import contextlib
import logging
import threading
import uuid
from typing import TYPE_CHECKING, Any

from azure.functions.queue import QueueMessage as FunctionsQueueMessage

from devhost.expressions import resolve_settings
from devhost.invocation import FunctionFailed, Invocation
from devhost.runtime import plain_argument

if TYPE_CHECKING:
    from azure.storage.queue import QueueClient, QueueMessage

    from devhost.functions import FunctionSpec
    from devhost.runtime import Runtime

__all__ = ["QueueTriggerListener"]

logger = logging.getLogger(__name__)
MIN_POLL_SECONDS = 0.1
# Fetched messages stay invisible this long, renewed halfway while the function runs.
LEASE_SECONDS = 60


class _Lease:
    """Keeps a message invisible while its function runs (its pop receipt changes)."""

    def __init__(self, queue: QueueClient, message: QueueMessage) -> None:
        self.queue, self.message_id = queue, message.id
        self.pop_receipt: str = message.pop_receipt or ""
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._renew, daemon=True)

    def __enter__(self) -> _Lease:
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


class QueueTriggerListener:
    def __init__(self, spec: FunctionSpec, runtime: Runtime) -> None:
        self.spec, self.runtime = spec, runtime
        self.options = runtime.config.queues
        name = resolve_settings(spec.trigger["queueName"], runtime.environ).lower()
        service = runtime.storage.queue(spec.trigger.get("connection"))
        self.queue = service.get_queue_client(name)
        self.poison = service.get_queue_client(f"{name}-poison")
        self._pool = concurrent.futures.ThreadPoolExecutor(
            self.options.batch_size + self.options.new_batch_threshold, f"queue-{spec.name}"
        )
        self._in_flight = 0
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, name=f"queue-{spec.name}", daemon=True)

    def describe(self) -> str:
        return f"queueTrigger ({self.queue.queue_name})"

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)
        self._pool.shutdown(wait=True)

    # --- polling --------------------------------------------------------------------------
    def _fetch(self) -> list[QueueMessage]:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            pages = self.queue.receive_messages(
                messages_per_page=self.options.batch_size, visibility_timeout=LEASE_SECONDS
            ).by_page()
            return list(next(pages, []))
        except ResourceNotFoundError:
            return []  # the queue does not exist yet

    def _run(self) -> None:
        delay = MIN_POLL_SECONDS
        stopping = self.runtime.stopping
        while not stopping.is_set():
            with self._cond:
                self._cond.wait_for(
                    lambda: self._in_flight <= self.options.new_batch_threshold or stopping.is_set()
                )
            try:
                messages = [] if stopping.is_set() else self._fetch()
            except Exception:
                logger.exception("queue_poll_failed queue=%s", self.queue.queue_name)
                messages = []
            if not messages:
                stopping.wait(delay)
                delay = min(delay * 2, max(self.options.max_polling_interval, MIN_POLL_SECONDS))
                continue
            delay = MIN_POLL_SECONDS
            with self._cond:
                self._in_flight += len(messages)
            for message in messages:
                self._pool.submit(self._process_guarded, message)

    def _process_guarded(self, message: QueueMessage) -> None:
        try:
            self._process(message)
        except Exception:
            logger.exception(
                "queue_message_error queue=%s id=%s", self.queue.queue_name, message.id
            )
        finally:
            with self._cond:
                self._in_flight -= 1
                self._cond.notify_all()

    # --- one message ----------------------------------------------------------------------
    def _decode(self, content: str) -> bytes | None:
        if self.options.message_encoding == "none":
            return content.encode()
        try:
            return base64.b64decode(content, validate=True)
        except (binascii.Error, ValueError):
            return None

    def _argument(self, message: QueueMessage, body: bytes) -> Any:
        plain = plain_argument(self.spec, body)
        if plain is not None:
            return plain
        return FunctionsQueueMessage(  # type: ignore[no-untyped-call]
            id=message.id, body=body, dequeue_count=message.dequeue_count,
            expiration_time=message.expires_on, insertion_time=message.inserted_on,
            time_next_visible=message.next_visible_on, pop_receipt=message.pop_receipt,
        )  # fmt: skip

    def _process(self, message: QueueMessage) -> None:
        body = self._decode(str(message.content))
        if body is None:
            logger.warning(
                "queue_message_not_base64 queue=%s id=%s", self.queue.queue_name, message.id
            )
            self._to_poison(message, message.pop_receipt or "")
            return
        count = int(message.dequeue_count or 1)
        invocation = Invocation(
            self.spec, {self.spec.trigger["name"]: self._argument(message, body)},
            detail=f"queue={self.queue.queue_name} message_id={message.id} dequeue_count={count}",
            retry_count=count - 1, max_retry_count=self.options.max_dequeue_count,
        )  # fmt: skip
        self.runtime.with_outputs(invocation, {"id": str(message.id)})
        with _Lease(self.queue, message) as lease:
            try:
                self.runtime.invoker.call(invocation)
            except FunctionFailed:
                self._failed(message, lease.pop_receipt, count)
                return
        self.queue.delete_message(message.id, lease.pop_receipt)

    def _failed(self, message: QueueMessage, pop_receipt: str, count: int) -> None:
        if count >= self.options.max_dequeue_count:
            self._to_poison(message, pop_receipt)
            return
        self.queue.update_message(
            message.id, pop_receipt, visibility_timeout=int(self.options.visibility_timeout)
        )

    def _to_poison(self, message: QueueMessage, pop_receipt: str) -> None:
        from azure.core.exceptions import ResourceExistsError

        with contextlib.suppress(ResourceExistsError):
            self.poison.create_queue()
        self.poison.send_message(message.content)
        self.queue.delete_message(message.id, pop_receipt)
        logger.warning(
            "queue_message_poisoned queue=%s id=%s poison_queue=%s",
            self.queue.queue_name, message.id, self.poison.queue_name,
        )  # fmt: skip

    # --- admin ----------------------------------------------------------------------------
    def invoke_once(self, raw_input: str | None) -> None:
        """Admin call: `input` is the message body, delivered once without a real message."""
        body = (raw_input or "").encode()
        argument = plain_argument(self.spec, body)
        if argument is None:
            argument = FunctionsQueueMessage(  # type: ignore[no-untyped-call]
                id=str(uuid.uuid4()), body=body, dequeue_count=1
            )
        invocation = Invocation(self.spec, {self.spec.trigger["name"]: argument}, detail="admin")
        self.runtime.with_outputs(invocation, {})
        with contextlib.suppress(FunctionFailed):
            self.runtime.invoker.call(invocation)
