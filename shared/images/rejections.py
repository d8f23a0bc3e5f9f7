"""Uploads refused before any byte of them is read.

On Azure the Event Grid subscription that feeds make_thumbnail delivers only BlobCreated
events of uploads within THUMBNAIL_MAX_BYTES made by Put Blob or Put Block List (advanced
filters on `data.contentLength` and `data.api`); two more subscriptions send every other
BlobCreated in `uploads` to the queue `uploads-rejected` instead (docs/images.md, "Oversized
uploads"). Locally devhost's event source routes the same way. `reject_upload` reads such an
event, looks at the blob's properties (a HEAD: no byte of the content), records the upload
`failed` with its reason, and deletes that version, so that nobody pays to keep it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shared import telemetry
from shared.errors import AppError
from shared.images.exceptions import TooLarge, UploadMethodNotAllowed
from shared.images.status import ImageStatus
from shared.telemetry import metrics

if TYPE_CHECKING:
    from shared.config import ThumbnailSettings
    from shared.images.exceptions import ImageRejected
    from shared.images.ports import ImageStore

__all__ = ["UPLOAD_APIS", "BlobCreated", "UnreadableEvent", "reject_upload"]

logger = logging.getLogger(__name__)

# The Blob REST operations a client with an upload SAS uploads with (`data.api` of
# BlobCreated): one Put Blob, or blocks committed by Put Block List. A copy (Copy Blob, Put
# Blob From URL) is not an upload here, whatever its source.
UPLOAD_APIS = frozenset({"PutBlob", "PutBlockList"})
_SUBJECT = "/blobServices/default/containers/{}/blobs/"


class UnreadableEvent(AppError):
    """A message on the rejection queue that is not a BlobCreated event of the container."""

    code = "unreadable-event"


@dataclass(frozen=True, slots=True)
class BlobCreated:
    """What a `Microsoft.Storage.BlobCreated` event says of the blob (Event Grid schema):
    its name from `subject`, and `data.eTag`, `data.contentLength` and `data.api`."""

    name: str
    etag: str
    length: int
    api: str

    @classmethod
    def from_json(cls, body: bytes, container: str) -> BlobCreated:
        try:
            event = json.loads(body)
            prefix = _SUBJECT.format(container)
            subject, data = str(event["subject"]), event["data"]
            length = data["contentLength"]
        except (ValueError, TypeError, KeyError) as exc:
            raise UnreadableEvent(f"not a BlobCreated event: {type(exc).__name__}") from exc
        if not subject.startswith(prefix) or len(subject) == len(prefix):
            raise UnreadableEvent(f"the event is not about a blob in {container}")
        if not isinstance(length, int) or isinstance(length, bool):
            raise UnreadableEvent("data.contentLength is not a whole number")
        etag = str(data.get("eTag") or "").strip('"')
        return cls(subject[len(prefix) :], etag, length, str(data.get("api") or ""))


async def reject_upload(
    body: bytes, container: str, *, store: ImageStore, settings: ThumbnailSettings
) -> ImageStatus | None:
    """Record the blob an event of the rejection queue names as `failed`, then delete it;
    None when there is nothing to do (an unreadable message, a deleted or newer upload)."""
    try:
        event = BlobCreated.from_json(body, container)
    except UnreadableEvent as error:
        logger.warning("upload rejection unreadable reason=%s", error.detail)
        return None
    current = await store.source_version(event.name)  # properties only: the bytes stay unread
    if current is None or current.etag != event.etag:
        logger.info("upload rejection skipped name=%s reason=superseded-or-deleted", event.name)
        return None
    rejected = _reason(event, settings)
    failed = ImageStatus(event.name, "failed", current, reason=rejected.code)
    recorded = await store.save_status(failed)
    await store.delete_upload(event.name, current.etag)  # that version only, never a newer one
    logger.warning(
        "upload rejected name=%s reason=%s bytes=%d api=%s",
        event.name,
        rejected.code,
        event.length,
        event.api,
    )
    telemetry.record(metrics.THUMBNAILS, attributes={"outcome": "failed", "reason": rejected.code})
    return failed if recorded else None


def _reason(event: BlobCreated, settings: ThumbnailSettings) -> ImageRejected:
    if event.length > settings.max_bytes:
        return TooLarge(f"{event.length} bytes exceeds {settings.max_bytes}")
    if event.api not in UPLOAD_APIS:
        return UploadMethodNotAllowed(f"made by {event.api or 'an unnamed operation'}")
    # Routed here within the app's own limit: the subscription's bound is lower than
    # THUMBNAIL_MAX_BYTES (the setting was raised without provisioning again). The filter
    # decided before any byte was read; the app follows it and says so.
    logger.warning(
        "upload rejection limits differ bytes=%d setting=%d: provision again (docs/images.md)",
        event.length,
        settings.max_bytes,
    )
    return TooLarge(f"{event.length} bytes exceeds the event filter's limit")
