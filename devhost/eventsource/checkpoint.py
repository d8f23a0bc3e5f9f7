"""Where a subscription's delivery stands, kept as a small JSON blob in the watched account.

A watermark and the blobs seen at or after it: every blob last modified before the watermark
has been delivered, and `recent` names those after it that have been (with their ETag, so an
overwrite counts as new). Azurite stamps Last-Modified with the time the upload *started*, so
a blob may appear after later ones; the watermark therefore trails the storage clock by a
grace period, and `recent` holds only the uploads of that period. The checkpoint's size does
not grow with the number of blobs delivered.
"""

from __future__ import annotations

import contextlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from azure.storage.blob.aio import ContainerClient

    from devhost.eventsource.listing import ListedBlob
    from devhost.storage import StorageAccounts

__all__ = ["Checkpoint", "CheckpointStore"]

logger = logging.getLogger(__name__)
CHECKPOINT_CONTAINER = "azure-webjobs-hosts"


@dataclass
class Checkpoint:
    watermark: datetime
    recent: dict[str, tuple[str, datetime]] = field(default_factory=dict)

    def is_new(self, blob: ListedBlob) -> bool:
        if blob.last_modified < self.watermark:
            return False
        seen = self.recent.get(blob.name)
        return seen is None or seen[0] != blob.etag

    def record(self, blob: ListedBlob) -> None:
        self.recent[blob.name] = (blob.etag, blob.last_modified)

    def advance(self, watermark: datetime) -> None:
        """Move the watermark forward (never back) and forget what is now behind it."""
        if watermark <= self.watermark:
            return
        self.watermark = watermark
        self.recent = {n: seen for n, seen in self.recent.items() if seen[1] >= watermark}

    def to_json(self) -> bytes:
        recent = {name: [etag, when.isoformat()] for name, (etag, when) in self.recent.items()}
        return json.dumps({"watermark": self.watermark.isoformat(), "recent": recent}).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Checkpoint:
        document: dict[str, Any] = json.loads(raw)
        recent = {
            str(name): (str(etag), datetime.fromisoformat(when))
            for name, (etag, when) in dict(document.get("recent") or {}).items()
        }
        return cls(datetime.fromisoformat(document["watermark"]), recent)


class CheckpointStore:
    """`azure-webjobs-hosts/eventgrid-local/<host id>/<function id>/<container>.json`."""

    def __init__(self, container: ContainerClient, name: str) -> None:
        self._container = container
        self._blob = container.get_blob_client(name)

    @classmethod
    def for_subscription(
        cls,
        storage: StorageAccounts,
        connection: str | None,
        host_id: str,
        function_id: str,
        container: str,
    ) -> CheckpointStore:
        hosts = storage.blob(connection).get_container_client(CHECKPOINT_CONTAINER)
        return cls(hosts, f"eventgrid-local/{host_id}/{function_id}/{container}.json")

    async def load(self) -> Checkpoint | None:
        """The saved checkpoint; None when there is none, or it cannot be read (then the
        subscription starts afresh, as a new Event Grid subscription would)."""
        from azure.core.exceptions import ResourceNotFoundError

        try:
            downloader = await self._blob.download_blob()
            return Checkpoint.from_json(await downloader.readall())
        except ResourceNotFoundError:
            return None
        except (ValueError, KeyError, TypeError) as exc:
            logger.warning(
                "event_source_checkpoint_unreadable blob=%s error=%s", self._blob.blob_name, exc
            )
            return None

    async def save(self, checkpoint: Checkpoint) -> None:
        from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError

        body = checkpoint.to_json()
        try:
            await self._blob.upload_blob(body, overwrite=True)
        except ResourceNotFoundError:
            with contextlib.suppress(ResourceExistsError):
                await self._container.create_container()
            await self._blob.upload_blob(body, overwrite=True)
