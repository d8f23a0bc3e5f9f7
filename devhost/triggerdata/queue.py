"""A queue message as the host hands it to the Python worker.

The message arrives as a string (the host binds a queue trigger of a script function to
`string`, or to `byte[]` with `dataType: binary`). The trigger metadata is the queue extension's
binding data (`CreateBindingData` in QueueTriggerBinding.cs,
sdk/storage/Microsoft.Azure.WebJobs.Extensions.Storage.Queues in Azure/azure-sdk-for-net):
`QueueTrigger` (the body as text), `DequeueCount` (a long, so JSON), `ExpirationTime`,
`InsertionTime`, `NextVisibleTime` (DateTimeOffsets, so JSON strings), `Id` and `PopReceipt`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from devhost.triggerdata.dotnet import iso
from devhost.typeddata import TriggerInput, Typed

if TYPE_CHECKING:
    from azure.storage.queue import QueueMessage

__all__ = ["from_message", "queue_trigger"]

# DateTimeOffset.MaxValue, what the extension sends when the service gave no time.
_MAX = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)


def queue_trigger(
    message_id: str,
    body: bytes,
    *,
    dequeue_count: int,
    inserted_on: datetime | None = None,
    expires_on: datetime | None = None,
    next_visible_on: datetime | None = None,
    pop_receipt: str | None = None,
    data_type: str | None = None,
) -> TriggerInput:
    text = body.decode(errors="replace")
    data = Typed.bytes_(body) if data_type == "binary" else Typed.string(text)
    metadata = {
        "QueueTrigger": Typed.string(text),
        "DequeueCount": Typed.json(dequeue_count),
        "ExpirationTime": Typed.json(iso(expires_on or _MAX)),
        "Id": Typed.string(message_id),
        "InsertionTime": Typed.json(iso(inserted_on or datetime.now(UTC))),
        "NextVisibleTime": Typed.json(iso(next_visible_on or _MAX)),
    }
    if pop_receipt is not None:  # a null value is not sent (ShouldSkipBindingData)
        metadata["PopReceipt"] = Typed.string(pop_receipt)
    return TriggerInput(data, metadata)


def from_message(message: QueueMessage, body: bytes, *, data_type: str | None) -> TriggerInput:
    """From a message the storage SDK received."""
    return queue_trigger(
        str(message.id),
        body,
        dequeue_count=int(message.dequeue_count or 1),
        inserted_on=message.inserted_on,
        expires_on=message.expires_on,
        next_visible_on=message.next_visible_on,
        pop_receipt=message.pop_receipt,
        data_type=data_type,
    )
