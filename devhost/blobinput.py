"""What both blob trigger sources share: the host's blob trigger message, and one invocation
built from the blob as it is now (read through the trigger's own connection)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from devhost.invocation import Invocation
from devhost.triggerdata import blob_trigger

if TYPE_CHECKING:
    from collections.abc import Mapping

    from devhost.functions import FunctionSpec
    from devhost.runtime import Runtime

__all__ = ["POISON_QUEUE", "BlobTriggerMessage", "MessageFormatError", "blob_invocation"]

POISON_QUEUE = "webjobs-blobtrigger-poison"


class MessageFormatError(ValueError):
    """A host blob queue message that is not the extension's JSON."""


@dataclass(frozen=True, slots=True)
class BlobTriggerMessage:
    """The extension's `BlobTriggerMessage`: what goes on the host blob trigger queue and, after
    the last failed try, on `webjobs-blobtrigger-poison`. The ETag keeps its quotes, as the
    extension writes it; BlobType is `BlockBlob`, `PageBlob` or `AppendBlob`."""

    function_id: str
    container: str
    name: str
    etag: str
    blob_type: str = "BlockBlob"

    def to_json(self) -> str:
        return json.dumps(
            {
                "Type": "BlobTrigger",
                "FunctionId": self.function_id,
                "BlobType": self.blob_type,
                "ContainerName": self.container,
                "BlobName": self.name,
                "ETag": self.etag,
            }
        )

    def encode(self, encoding: str) -> str:
        """The queue message text under host.json `messageEncoding`."""
        text = self.to_json()
        return base64.b64encode(text.encode()).decode() if encoding == "base64" else text

    @classmethod
    def from_json(cls, body: bytes) -> BlobTriggerMessage:
        try:
            document = json.loads(body)
            return cls(
                str(document["FunctionId"]),
                str(document["ContainerName"]),
                str(document["BlobName"]),
                str(document.get("ETag") or ""),
                str(document.get("BlobType") or "BlockBlob"),
            )
        except (ValueError, TypeError, KeyError) as exc:
            raise MessageFormatError(f"not a blob trigger message: {exc}") from exc


async def blob_invocation(
    spec: FunctionSpec,
    runtime: Runtime,
    container: str,
    name: str,
    *,
    attempt: int,
    path_values: Mapping[str, str],
    detail: str = "",
) -> Invocation | None:
    """Read `container/name` through the trigger's connection and build the invocation; None
    when the blob no longer exists. `attempt` is for the log line only: the host sends no retry
    context outside a retry policy."""
    from azure.core.exceptions import ResourceNotFoundError

    service = runtime.storage.blob(spec.trigger.get("connection"))
    client = service.get_blob_client(container, name)
    try:
        downloader = await client.download_blob()
        data = await downloader.readall()
    except ResourceNotFoundError:
        return None
    trigger = blob_trigger(
        container,
        name,
        url=client.url,
        content=data,
        properties=downloader.properties,
        path_values=path_values,
        data_type=spec.trigger.get("dataType"),
    )
    return Invocation(spec, trigger, detail=f"blob={container}/{name} attempt={attempt}{detail}")
