"""Thumbnail use cases as plain functions over an `ImageStore`.

The pipeline itself is synchronous, CPU-bound `bytes -> bytes`; it runs on a worker thread
(`asyncio.to_thread`) so that decoding a 50 MP upload never holds up the event loop, and with
it every HTTP request the process is serving.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING

from shared import telemetry
from shared.auth import Action, authorize
from shared.errors import FieldError, InvalidInput, NotFound
from shared.images.exceptions import ImageRejected, TooLarge
from shared.images.names import validate_name
from shared.images.result import CONTENT_TYPES
from shared.images.status import ImageStatus
from shared.telemetry import metrics
from shared.telemetry.pseudonyms import blob_name as recorded

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from shared.auth import Caller
    from shared.config import ThumbnailSettings
    from shared.images.ports import ImageStore, UploadTicket
    from shared.images.status import SourceVersion
    from shared.telemetry import SpanHandle

__all__ = ["Upload", "create_upload", "get_status", "process_upload"]

logger = logging.getLogger(__name__)

SPAN_NAME = "make thumbnail"


@dataclass(frozen=True, slots=True)
class Upload:
    """A blob-trigger delivery: the name inside `uploads`, its version and size when the
    trigger says, and a way to read its bytes (not called when the size is over the limit)."""

    name: str
    read: Callable[[], bytes]
    version: SourceVersion | None = None
    length: int | None = None


async def process_upload(
    upload: Upload, *, store: ImageStore, settings: ThumbnailSettings
) -> ImageStatus | None:
    """Make, store and record the thumbnail of one delivered version. Bad input is recorded
    as `failed`; None when a newer version exists (its own delivery will handle it).

    Traced as `make thumbnail` with the blob name, the outcome (ready, failed, skipped, or
    error when it raises) and the failure reason, which thumbnails.processed and
    thumbnails.duration count too (docs/operations.md)."""
    started = time.perf_counter()
    with telemetry.span(SPAN_NAME, attributes={"blob.name": recorded(upload.name)}) as span:
        try:
            status = await _process_upload(upload, store=store, settings=settings)
        except Exception as error:
            _report(span, "error", type(error).__name__, started)
            raise
        _report(
            span, status.state if status else "skipped", (status and status.reason) or "", started
        )
    return status


def _report(span: SpanHandle, outcome: str, reason: str, started: float) -> None:
    span.set("thumbnail.outcome", outcome)
    attributes = {"outcome": outcome} | ({"reason": reason} if reason else {})
    if reason:
        span.set("thumbnail.reason", reason)
    telemetry.record(metrics.THUMBNAILS, attributes=attributes)
    telemetry.record(
        metrics.THUMBNAIL_DURATION, time.perf_counter() - started, attributes={"outcome": outcome}
    )


async def _process_upload(
    upload: Upload, *, store: ImageStore, settings: ThumbnailSettings
) -> ImageStatus | None:
    current = await store.source_version(upload.name)
    if current is None or (upload.version and upload.version.etag != current.etag):
        logger.info("thumbnail skipped name=%s reason=superseded-or-deleted", recorded(upload.name))
        return None
    version = upload.version or current
    from shared.images.pipeline import create_thumbnail  # Pillow loads on the first upload only

    try:
        if upload.length is not None and upload.length > settings.max_bytes:
            raise TooLarge(f"{upload.length} bytes exceeds {settings.max_bytes}")
        thumbnail = await asyncio.to_thread(lambda: create_thumbnail(upload.read(), settings))
    except ImageRejected as rejected:
        logger.warning("thumbnail rejected name=%s reason=%s", recorded(upload.name), rejected.code)
        failed = ImageStatus(upload.name, "failed", version, reason=rejected.code)
        return await _record(store, failed)
    url = await store.save_thumbnail(upload.name, thumbnail, version)
    if url is None:
        logger.info("thumbnail skipped name=%s reason=newer-thumbnail", recorded(upload.name))
        return None
    ready = ImageStatus(
        upload.name,
        "ready",
        version,
        width=thumbnail.width,
        height=thumbnail.height,
        content_type=thumbnail.content_type,
        thumbnail_url=url,
    )
    logger.info(
        "thumbnail ready name=%s width=%d height=%d",
        recorded(upload.name),
        thumbnail.width,
        thumbnail.height,
    )
    return await _record(store, ready)


async def _record(store: ImageStore, status: ImageStatus) -> ImageStatus | None:
    return status if await store.save_status(status) else None


async def get_status(
    name: str, *, caller: Caller, store: ImageStore, settings: ThumbnailSettings, now: datetime
) -> ImageStatus:
    """The recorded status of the current upload, a `ready` one with a thumbnail URL that
    works without other credentials until `now` plus the setting's TTL; `pending` while the
    current version has no record yet; NotFound when nothing was ever uploaded under `name`
    (in the caller's own folder, for a customer: another's image is never found)."""
    folder = authorize(caller, Action.READ_IMAGE).customer_filter
    stored = _in_folder(validate_name(name), folder)
    recorded, current = await asyncio.gather(store.get_status(stored), store.source_version(stored))
    if recorded is not None and (current is None or _describes(recorded, current)):
        status = await _with_thumbnail_url(recorded, store, settings, now)
    elif current is None:
        raise NotFound(f"No image named {name!r} was uploaded.")
    else:
        status = ImageStatus(stored, "pending", current)
    return replace(status, name=name)


async def _with_thumbnail_url(
    status: ImageStatus, store: ImageStore, settings: ThumbnailSettings, now: datetime
) -> ImageStatus:
    """A `ready` status with its thumbnail URL signed for reading; any other as it is."""
    if status.state != "ready":
        return status
    ttl = timedelta(seconds=settings.url_ttl_seconds)
    signed = await store.thumbnail_url(status.name, now=now, ttl=ttl)
    return replace(status, thumbnail_url=signed.url, thumbnail_url_expires_at=signed.expires_at)


def _describes(status: ImageStatus, current: SourceVersion) -> bool:
    return status.source is not None and status.source.etag == current.etag


async def create_upload(
    payload: object, *, caller: Caller, store: ImageStore, now: datetime
) -> UploadTicket:
    """A write-only upload URL for `{"name": ..., "content_type": ...}`: in the caller's own
    folder for a customer, anywhere for the back office."""
    folder = authorize(caller, Action.CREATE_UPLOAD).customer_filter
    if not isinstance(payload, dict):
        raise InvalidInput("The body must be a JSON object.", [FieldError("", "not an object")])
    unknown = sorted(set(payload) - {"name", "content_type"})
    if unknown:  # as the orders API: a misspelt field is an error, not silently dropped
        problems = [FieldError(field, "is not a known field") for field in unknown]
        raise InvalidInput("The request has unknown fields.", problems)
    name = validate_name(payload.get("name"))
    content_type = payload.get("content_type")
    if content_type not in CONTENT_TYPES.values():
        allowed = ", ".join(sorted(CONTENT_TYPES.values()))
        raise InvalidInput(
            "The content type is not accepted.", [FieldError("content_type", f"one of {allowed}")]
        )
    ticket = await store.upload_ticket(_in_folder(name, folder), str(content_type), now=now)
    return replace(ticket, name=name)


def _in_folder(name: str, folder: str | None) -> str:
    """The stored name of a caller's image: a customer's images live in a folder named by
    their customer id (one path segment, shared.ids), so the name they choose can never reach
    another's; the back office names images in full."""
    return name if folder is None else validate_name(f"{folder}/{name}")
