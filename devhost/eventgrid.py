"""Event Grid deliveries as the blobs extension's webhook reads them, and BlobCreated events as
Azure Storage writes them. Pure functions over JSON: no I/O.

The webhook side follows the extensions' `HttpRequestProcessor`s (Microsoft.Azure.WebJobs.
Extensions.EventGrid and .Storage.Blobs): `aeg-event-type` picks the kind; a validation
carries `data.validationCode` (an array of one event in the Event Grid schema, one object whose
`data` is JSON text in the CloudEvents schema); a notification is an array of events (Event
Grid schema) or a single event (CloudEvents); only `data.url`, `data.eTag` and
`data.blobType` are read. The event side follows "Azure Blob Storage as an Event Grid source".
"""

from __future__ import annotations

import ipaddress
import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

if TYPE_CHECKING:
    from datetime import datetime

__all__ = [
    "BLOB_CREATED",
    "EVENT_TYPE_HEADER",
    "BlobEventTarget",
    "ListedBlob",
    "WebhookPayloadError",
    "blob_created_event",
    "blob_target",
    "notification_events",
    "validation_code",
]

EVENT_TYPE_HEADER = "aeg-event-type"
BLOB_CREATED = "Microsoft.Storage.BlobCreated"
# Hosts where the account name is the URL's first path segment (Azurite, the emulator).
_PATH_STYLE_PORTS = range(10000, 10010)


class WebhookPayloadError(ValueError):
    """The request body is not the Event Grid delivery its `aeg-event-type` announces."""


@dataclass(frozen=True, slots=True)
class BlobEventTarget:
    """Where a BlobCreated event points: the blob, its ETag (quoted, as the extension keeps it)
    and its type."""

    container: str
    name: str
    etag: str
    blob_type: str


def _json(body: bytes | str) -> Any:
    try:
        return json.loads(body or b"null")
    except RecursionError as exc:  # nested thousands deep
        raise WebhookPayloadError("the body is not JSON: nested too deep") from exc
    except ValueError as exc:  # UnicodeDecodeError included
        raise WebhookPayloadError(f"the body is not JSON: {exc}") from exc


def validation_code(body: bytes) -> str:
    """`data.validationCode` of a SubscriptionValidation delivery."""
    document = _json(body)
    if isinstance(document, list) and document and isinstance(document[0], dict):
        data = document[0].get("data")
    elif isinstance(document, dict):
        data = document.get("data")
        if isinstance(data, str):  # CloudEvents: the data is JSON text inside the event
            data = _json(data)
    else:
        raise WebhookPayloadError("a validation must be an array of one event or one event")
    code = data.get("validationCode") if isinstance(data, dict) else None
    if not isinstance(code, str) or not code:
        raise WebhookPayloadError("the validation event has no data.validationCode")
    return code


def notification_events(body: bytes) -> list[dict[str, Any]]:
    """The events of a Notification delivery: an array, or one CloudEvents object."""
    document = _json(body)
    events = document if isinstance(document, list) else [document]
    if not all(isinstance(event, dict) for event in events):
        raise WebhookPayloadError("a notification must be an event object or an array of them")
    return events


def _container_and_name(url: str) -> tuple[str, str]:
    try:
        parts = urlsplit(url)
        path_style = _is_path_style(parts.hostname or "", parts.port)
    except ValueError as exc:  # an unbalanced [ in the host, a port that is not a number
        raise WebhookPayloadError(f"data.url is not a URL: {url!r}") from exc
    segments = parts.path.lstrip("/").split("/")
    if path_style:
        segments = segments[1:]  # drop the account name
    if len(segments) < 2 or not segments[0] or not segments[-1]:
        raise WebhookPayloadError(f"data.url does not name a blob: {url!r}")
    return unquote(segments[0]), unquote("/".join(segments[1:]))


def _is_path_style(host: str, port: int | None) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return host == "localhost" or "." not in host or (port in _PATH_STYLE_PORTS)


def blob_target(event: dict[str, Any]) -> BlobEventTarget:
    """The blob an event names, from `data.url` (container and name), `data.eTag` and
    `data.blobType`, as the blobs extension builds its queue message."""
    data = event.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("url"), str):
        raise WebhookPayloadError("the event has no data.url")
    container, name = _container_and_name(data["url"])
    etag = str(data.get("eTag") or "").strip('"')
    return BlobEventTarget(container, name, f'"{etag}"', str(data.get("blobType") or "BlockBlob"))


@dataclass(frozen=True, slots=True)
class ListedBlob:
    """One blob version as List Blobs returns it, which is all a BlobCreated event says."""

    name: str
    etag: str
    last_modified: datetime
    content_type: str
    content_length: int
    blob_type: str


def blob_created_event(
    blob: ListedBlob, *, container_url: str, container: str, topic: str, schema: str
) -> dict[str, Any]:
    """A `Microsoft.Storage.BlobCreated` event in the Event Grid or the CloudEvents schema."""
    when = blob.last_modified.isoformat().replace("+00:00", "Z")
    data = {
        "api": "PutBlob",
        "eTag": blob.etag.strip('"'),
        "contentType": blob.content_type,
        "contentLength": blob.content_length,
        "blobType": blob.blob_type,
        "url": f"{container_url}/{quote(blob.name, safe='/~')}",
        # Orders events for one blob name by string comparison, as Azure's does.
        "sequencer": f"{int(blob.last_modified.timestamp() * 1_000_000):032x}",
    }
    subject = f"/blobServices/default/containers/{container}/blobs/{blob.name}"
    common = {"id": str(uuid.uuid4()), "subject": subject, "data": data}
    if schema == "cloudevents":
        return {**common, "source": topic, "type": BLOB_CREATED, "time": when, "specversion": "1.0"}
    return {
        **common,
        "topic": topic,
        "eventType": BLOB_CREATED,
        "eventTime": when,
        "dataVersion": "",
        "metadataVersion": "1",
    }
