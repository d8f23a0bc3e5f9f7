"""What both blob trigger sources share: the host's blob trigger message, and one invocation
built from the blob as it is now (read through the trigger's own connection)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import azure.functions as func

from devhost.invocation import Invocation
from devhost.runtime import plain_argument

if TYPE_CHECKING:
    from azure.storage.blob import BlobProperties

    from devhost.functions import FunctionSpec
    from devhost.runtime import Runtime

__all__ = [
    "POISON_QUEUE",
    "BlobTriggerMessage",
    "MessageFormatError",
    "blob_invocation",
    "host_blob_properties",
]

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


def host_blob_properties(properties: BlobProperties) -> dict[str, Any]:
    """The trigger's blob properties in the shape the host sends them (the .NET SDK's
    BlobProperties names), so `InputStream.blob_properties` reads the same as on Azure."""
    settings = properties.content_settings
    return {
        "ETag": properties.etag,
        "LastModified": properties.last_modified.isoformat() if properties.last_modified else None,
        "Length": properties.size,
        "ContentType": settings.content_type if settings else None,
        "BlobType": str(properties.blob_type),
    }


async def blob_invocation(
    spec: FunctionSpec,
    runtime: Runtime,
    container: str,
    name: str,
    *,
    attempt: int,
    max_attempts: int,
    detail: str = "",
) -> Invocation | None:
    """Read `container/name` through the trigger's connection and build the invocation; None
    when the blob no longer exists."""
    from azure.core.exceptions import ResourceNotFoundError

    service = runtime.storage.blob(spec.trigger.get("connection"))
    client = service.get_blob_client(container, name)
    try:
        downloader = await client.download_blob()
        data = await downloader.readall()
    except ResourceNotFoundError:
        return None
    properties = downloader.properties
    full_name = f"{container}/{name}"
    argument = plain_argument(spec, data)
    if argument is None:
        argument = func.blob.InputStream(
            data=data,
            name=full_name,
            uri=client.url,
            length=len(data),
            blob_properties=host_blob_properties(properties),
            metadata=dict(properties.metadata or {}),
        )
    return Invocation(
        spec,
        {spec.trigger["name"]: argument},
        detail=f"blob={full_name} attempt={attempt}{detail}",
        retry_count=attempt - 1,
        max_retry_count=max_attempts,
    )
