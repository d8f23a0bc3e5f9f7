"""Which part serves a request, by its path, as the host routes it: `/admin/...` the admin
API, `/runtime/webhooks/...` the extensions' webhooks, anything else the HTTP functions."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from devhost.frontend.extensions import WEBHOOKS

if TYPE_CHECKING:
    from aiohttp import web

    from devhost.frontend.admin import AdminApi
    from devhost.frontend.extensions import ExtensionWebhooks
    from devhost.frontend.functions import HttpFunctions

__all__ = ["Frontend"]


class Frontend:
    def __init__(
        self, functions: HttpFunctions, admin: AdminApi, webhooks: ExtensionWebhooks
    ) -> None:
        self.functions, self.admin, self.webhooks = functions, admin, webhooks

    async def handle(self, request: web.BaseRequest, body: bytes) -> web.Response:
        url = urlsplit(request.raw_path)
        if url.path.startswith("/admin/"):
            return self.admin.handle(request, url.path, body)
        if url.path.lower().startswith(WEBHOOKS):
            return await self.webhooks.handle(request, url.path, url.query, body)
        return await self.functions.handle(request, url, body)
