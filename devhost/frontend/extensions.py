"""Extension webhooks by name, as the host routes `/runtime/webhooks/{name}`: here only the
blobs extension's (`devhost.webhooks`), when the app has a blob trigger."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from devhost.frontend.responses import response

if TYPE_CHECKING:
    from aiohttp import web

    from devhost.webhooks import BlobsWebhook

__all__ = ["WEBHOOKS", "ExtensionWebhooks", "extension_of"]

logger = logging.getLogger(__name__)
WEBHOOKS = "/runtime/webhooks/"


def extension_of(path: str) -> str:
    """The extension a webhook path names: `/runtime/webhooks/{name}`, any case."""
    return path[len(WEBHOOKS) :].strip("/").lower()


class ExtensionWebhooks:
    def __init__(self, blobs: BlobsWebhook | None) -> None:
        self._blobs = blobs

    async def handle(
        self, request: web.BaseRequest, path: str, query: str, body: bytes
    ) -> web.Response:
        if extension_of(path) != "blobs" or self._blobs is None:
            return response(404)
        headers = {key.lower(): value for key, value in request.headers.items()}
        try:
            status, reply_headers, payload = await self._blobs.handle(
                request.method, dict(parse_qsl(query)), headers, body
            )
        except Exception:
            # Storage unreachable, say: a 500 makes Event Grid deliver again later.
            logger.exception("blobs_webhook_failed")
            status, reply_headers, payload = 500, [], b""
        return response(status, payload, reply_headers)
