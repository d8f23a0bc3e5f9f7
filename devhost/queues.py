"""Queue triggers: the host's polling loop (`devhost.queuepolling`), retries and poison queue,
all on the host's event loop with the asyncio queue client.

A failed message becomes visible again after `visibilityTimeout`; when its dequeue count
reaches `maxDequeueCount` it moves to `<queue>-poison`. Bodies are base64-decoded unless
`messageEncoding` is `none`; one that cannot be decoded goes straight to the poison queue.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import logging
import uuid
from typing import TYPE_CHECKING

from devhost.expressions import resolve_settings
from devhost.invocation import FunctionFailed, Invocation
from devhost.queuepolling import MessageLease, PollingOptions, QueuePoller
from devhost.triggerdata import from_message, queue_trigger

if TYPE_CHECKING:
    from azure.storage.queue import QueueMessage
    from azure.storage.queue.aio import QueueClient

    from devhost.functions import FunctionSpec
    from devhost.runtime import Runtime

__all__ = ["QueueTriggerListener", "decode_body", "move_to_poison"]

logger = logging.getLogger(__name__)


def decode_body(content: str, encoding: str) -> bytes | None:
    """The message body as the trigger sees it; None when base64 is expected but absent."""
    if encoding == "none":
        return content.encode()
    try:
        return base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        return None


async def move_to_poison(
    queue: QueueClient, poison: QueueClient, message: QueueMessage, pop_receipt: str
) -> None:
    """Copy the message as it is to the poison queue (created on demand), then delete it."""
    from azure.core.exceptions import ResourceExistsError

    with contextlib.suppress(ResourceExistsError):
        await poison.create_queue()
    await poison.send_message(message.content)
    await queue.delete_message(message.id, pop_receipt)
    logger.warning(
        "queue_message_poisoned queue=%s id=%s poison_queue=%s",
        queue.queue_name,
        message.id,
        poison.queue_name,
    )


class QueueTriggerListener:
    def __init__(self, spec: FunctionSpec, runtime: Runtime) -> None:
        self.spec, self.runtime = spec, runtime
        self.options = runtime.config.queues
        name = resolve_settings(spec.trigger["queueName"], runtime.environ).lower()
        service = runtime.storage.queue(spec.trigger.get("connection"))
        self.queue = service.get_queue_client(name)
        self.poison = service.get_queue_client(f"{name}-poison")
        polling = PollingOptions(
            self.options.batch_size,
            self.options.new_batch_threshold,
            self.options.max_polling_interval,
        )
        self._poller = QueuePoller(
            self.queue,
            polling,
            self._process,
            stopping=runtime.stopping,
            name=f"queue-{spec.name}",
        )

    def describe(self) -> str:
        return f"queueTrigger ({self.queue.queue_name})"

    async def start(self) -> None:
        self._poller.start()

    async def stop(self, grace: float) -> None:
        await self._poller.stop(grace)

    # --- one message ----------------------------------------------------------------------
    async def _process(self, message: QueueMessage) -> None:
        body = decode_body(str(message.content), self.options.message_encoding)
        if body is None:
            logger.warning(
                "queue_message_not_base64 queue=%s id=%s", self.queue.queue_name, message.id
            )
            await move_to_poison(self.queue, self.poison, message, message.pop_receipt or "")
            return
        count = int(message.dequeue_count or 1)
        invocation = Invocation(
            self.spec,
            from_message(message, body, data_type=self.spec.trigger.get("dataType")),
            detail=f"queue={self.queue.queue_name} message_id={message.id} dequeue_count={count}",
        )
        self.runtime.with_outputs(invocation, {"id": str(message.id)})
        async with MessageLease(self.queue, message) as lease:
            try:
                await self.runtime.invoker.run(invocation)
            except FunctionFailed:
                await self._failed(message, lease.pop_receipt, count)
                return
        await self.queue.delete_message(message.id, lease.pop_receipt)

    async def _failed(self, message: QueueMessage, pop_receipt: str, count: int) -> None:
        if count >= self.options.max_dequeue_count:
            await move_to_poison(self.queue, self.poison, message, pop_receipt)
            return
        await self.queue.update_message(
            message.id, pop_receipt, visibility_timeout=int(self.options.visibility_timeout)
        )

    # --- admin ----------------------------------------------------------------------------
    async def invoke_once(self, raw_input: str | None) -> None:
        """Admin call: `input` is the message body, delivered once without a real message."""
        trigger = queue_trigger(
            str(uuid.uuid4()),
            (raw_input or "").encode(),
            dequeue_count=1,
            data_type=self.spec.trigger.get("dataType"),
        )
        invocation = Invocation(self.spec, trigger, detail="admin")
        self.runtime.with_outputs(invocation, {})
        with contextlib.suppress(FunctionFailed):
            await self.runtime.invoker.run(invocation)
