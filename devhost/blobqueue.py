"""The host's blob trigger queue, `azure-webjobs-blobtrigger-<host id>` in AzureWebJobsStorage,
which serves `source="EventGrid"` blob triggers as the Storage extension 5.x does.

The webhook enqueues one `BlobTriggerMessage` per event and returns; this listener takes the
messages off the queue and runs the function on the blob as it is now, read through the
trigger's own connection. A message for a blob that no longer exists is completed without a
run; the ETag is not compared (the extension compares it for the polling source only). A run
that fails leaves the message to be tried again at once; after `poisonBlobThreshold` tries it
goes to `webjobs-blobtrigger-poison` in the trigger's account. Concurrency splits
`maxDegreeOfParallelism` between batch size and new-batch threshold, as the extension does.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING

from devhost.blobinput import POISON_QUEUE, BlobTriggerMessage, MessageFormatError, blob_invocation
from devhost.blobs import BlobPath, invoke_blob_once
from devhost.expressions import resolve_settings
from devhost.invocation import FunctionFailed
from devhost.outputs import create_on_missing
from devhost.queuepolling import MessageLease, PollingOptions, QueuePoller
from devhost.queues import decode_body, move_to_poison
from devhost.runtime import function_id

if TYPE_CHECKING:
    from azure.storage.queue import QueueMessage
    from azure.storage.queue.aio import QueueClient

    from devhost.functions import FunctionSpec
    from devhost.runtime import Runtime

__all__ = ["EventGridBlobListener", "HostBlobQueue", "host_queue_name"]

logger = logging.getLogger(__name__)
# QueuesOptions.MaxPollingInterval's default: the extension does not change it for this queue,
# and enqueueing in the same process wakes the listener at once anyway.
MAX_POLLING_SECONDS = 60.0


def host_queue_name(host_id: str) -> str:
    return f"azure-webjobs-blobtrigger-{host_id}"


class HostBlobQueue:
    """One per host: the queue, its registrations (every blob trigger function by its host
    function id) and the listener that runs them."""

    def __init__(self, runtime: Runtime, specs: list[FunctionSpec]) -> None:
        self.runtime = runtime
        self.queue = runtime.storage.queue(None).get_queue_client(host_queue_name(runtime.host_id))
        self.registrations = {
            function_id(spec): (
                spec,
                BlobPath.parse(resolve_settings(spec.trigger["path"], runtime.environ)),
            )
            for spec in specs
        }
        batch, threshold = runtime.config.blobs.host_queue_batch
        self._poller = QueuePoller(
            self.queue,
            PollingOptions(batch, threshold, MAX_POLLING_SECONDS),
            self._process,
            stopping=runtime.stopping,
            name="blob-queue",
        )

    async def start(self) -> None:
        self._poller.start()

    async def stop(self, grace: float) -> None:
        await self._poller.stop(grace)

    # --- writing (the webhook) ------------------------------------------------------------
    async def enqueue(self, message: BlobTriggerMessage) -> None:
        """Add the message (creating the queue on first use) and wake the listener."""
        text = message.encode(self.runtime.config.queues.message_encoding)
        await create_on_missing(partial(self.queue.send_message, text), self.queue.create_queue)
        self._poller.wake()

    # --- one message ----------------------------------------------------------------------
    def _poison_queue(self, spec: FunctionSpec | None) -> QueueClient:
        connection = spec.trigger.get("connection") if spec else None
        return self.runtime.storage.queue(connection).get_queue_client(POISON_QUEUE)

    async def _process(self, message: QueueMessage) -> None:
        body = decode_body(str(message.content), self.runtime.config.queues.message_encoding)
        try:
            trigger = BlobTriggerMessage.from_json(body if body is not None else b"")
        except MessageFormatError as exc:
            logger.warning("blob_queue_message_invalid id=%s error=%s", message.id, exc)
            pop_receipt = message.pop_receipt or ""
            await move_to_poison(self.queue, self._poison_queue(None), message, pop_receipt)
            return
        registration = self.registrations.get(trigger.function_id)
        if registration is None:
            logger.warning(
                "blob_trigger_function_not_found function_id=%s blob=%s/%s message_id=%s",
                trigger.function_id,
                trigger.container,
                trigger.name,
                message.id,
            )
            await self.queue.delete_message(message.id, message.pop_receipt)
            return
        spec, path = registration
        async with MessageLease(self.queue, message) as lease:
            if await self._run(spec, path, trigger, message):
                await self.queue.delete_message(message.id, lease.pop_receipt)
            else:
                await self._failed(spec, message, lease.pop_receipt)

    async def _run(
        self,
        spec: FunctionSpec,
        path: BlobPath,
        trigger: BlobTriggerMessage,
        message: QueueMessage,
    ) -> bool:
        """True when the message is done with: ran, or nothing to run."""
        values = path.match(trigger.name) if trigger.container == path.container else None
        blob = f"{trigger.container}/{trigger.name}"
        if values is None:
            logger.warning("blob_event_ignored function=%s blob=%s reason=path", spec.name, blob)
            return True
        attempt = int(message.dequeue_count or 1)
        try:
            invocation = await blob_invocation(
                spec,
                self.runtime,
                trigger.container,
                trigger.name,
                attempt=attempt,
                path_values=values,
                detail=f" message_id={message.id}",
            )
        except Exception:
            logger.exception("blob_read_failed function=%s blob=%s", spec.name, blob)
            return False
        if invocation is None:
            logger.info(
                "blob_trigger_blob_not_found function=%s blob=%s message_id=%s",
                spec.name,
                blob,
                message.id,
            )
            return True
        self.runtime.with_outputs(invocation, {**values, "blobTrigger": blob})
        try:
            await self.runtime.invoker.run(invocation)
        except FunctionFailed:
            return False
        return True

    async def _failed(self, spec: FunctionSpec, message: QueueMessage, pop_receipt: str) -> None:
        if int(message.dequeue_count or 1) >= self.runtime.config.blobs.poison_blob_threshold:
            await move_to_poison(self.queue, self._poison_queue(spec), message, pop_receipt)
            return
        await self.queue.update_message(message.id, pop_receipt, visibility_timeout=0)
        self._poller.wake()


class EventGridBlobListener:
    """A `source="EventGrid"` blob trigger: runs off the shared host queue, fed by the
    webhook at `/runtime/webhooks/blobs?functionName=Host.Functions.<name>`."""

    def __init__(self, spec: FunctionSpec, runtime: Runtime) -> None:
        self.spec, self.runtime = spec, runtime
        self.path = BlobPath.parse(resolve_settings(spec.trigger["path"], runtime.environ))

    def describe(self) -> str:
        return (
            f"blobTrigger, EventGrid ({self.path.container}/{self.path.prefix}...) "
            f"<- /runtime/webhooks/blobs?functionName={function_id(self.spec)}"
        )

    async def start(self) -> None:
        """Nothing of its own to start: the host starts the shared queue."""

    async def stop(self, grace: float) -> None:
        """See start()."""

    async def invoke_once(self, raw_input: str | None) -> None:
        await invoke_blob_once(self.spec, self.runtime, self.path, raw_input)
