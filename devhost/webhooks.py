"""`POST /runtime/webhooks/blobs?functionName=Host.Functions.<name>`: the blobs extension's
Event Grid webhook, answered as the host answers it.

`aeg-event-type: SubscriptionValidation` -> 200 `{"validationResponse": <code>}`;
`Notification` -> one host queue message per event, then 202 (the function runs later, off
the queue); `Unsubscribe` -> 202; any other kind -> 400. The key (with `--easy-auth`, the
`blobs_extension` system key, as on Azure; none otherwise, as with `func start`) is checked
before this runs (devhost.frontend.hostapi). Where the host would fail on a malformed body
(500, so Event Grid retries a delivery that can never succeed), devhost answers 400 with the
reason.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from devhost.blobinput import BlobTriggerMessage
from devhost.eventgrid import (
    EVENT_TYPE_HEADER,
    WebhookPayloadError,
    blob_target,
    notification_events,
    validation_code,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

__all__ = ["BLOBS_WEBHOOK", "BlobsWebhook", "WebhookResponse"]

logger = logging.getLogger(__name__)
BLOBS_WEBHOOK = "/runtime/webhooks/blobs"
WebhookResponse = tuple[int, list[tuple[str, str]], bytes]
_JSON = [("Content-Type", "application/json; charset=utf-8")]


def _error(status: int, message: str) -> WebhookResponse:
    return status, _JSON, json.dumps({"error": message}).encode()


class BlobsWebhook:
    def __init__(self, enqueue: Callable[[BlobTriggerMessage], Awaitable[None]]) -> None:
        self._enqueue = enqueue

    async def handle(
        self, method: str, query: Mapping[str, str], headers: Mapping[str, str], body: bytes
    ) -> WebhookResponse:
        if method != "POST":
            return _error(405, "the blobs webhook takes POST")
        function = query.get("functionName") or ""
        kind = (headers.get(EVENT_TYPE_HEADER) or "").lower()
        try:
            if kind == "subscriptionvalidation":
                code = validation_code(body)
                logger.info("event_grid_handshake function=%s", function)
                return 200, _JSON, json.dumps({"validationResponse": code}).encode()
            if kind == "notification":
                if not function:
                    return _error(400, "the functionName query parameter is required")
                await self._notify(function, body)
                return 202, [], b""
        except WebhookPayloadError as exc:
            logger.warning("event_grid_payload_rejected function=%s error=%s", function, exc)
            return _error(400, str(exc))
        if kind == "unsubscribe":
            return 202, [], b""
        return _error(400, f"unknown {EVENT_TYPE_HEADER}: {kind or '(missing)'}")

    async def _notify(self, function: str, body: bytes) -> None:
        # Parse every event before enqueueing any, so a bad delivery enqueues nothing.
        targets = [blob_target(event) for event in notification_events(body)]
        for target in targets:
            message = BlobTriggerMessage(
                function, target.container, target.name, target.etag, target.blob_type
            )
            await self._enqueue(message)
            logger.debug(
                "blob_event_enqueued function=%s blob=%s/%s",
                function,
                target.container,
                target.name,
            )
