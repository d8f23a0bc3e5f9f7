"""Which part serves a request, by its path, as the host routes it: `/admin/...` the admin
API, `/runtime/webhooks/...` the extensions' webhooks, anything else the HTTP functions.

With `--easy-auth`, the platform's gate (devhost.auth) stands in front of all but the admin
API, as App Service authentication stands in front of the host: it refuses the request or
hands on its headers, client-sent principal headers removed and the caller's added. The host's
own API, admin and webhooks, has its own lock (devhost.frontend.hostapi): a loopback Host, no
foreign Origin, JSON POSTs and, with `--easy-auth`, the host's keys (docs/security.md,
"Locally").
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import SplitResult, urlsplit

from devhost.auth import Refusal
from devhost.frontend.extensions import WEBHOOKS, extension_of
from devhost.frontend.hostapi import HostApiGuard
from devhost.frontend.responses import response

if TYPE_CHECKING:
    from aiohttp import web

    from devhost.auth import EasyAuth
    from devhost.frontend.admin import AdminApi
    from devhost.frontend.extensions import ExtensionWebhooks
    from devhost.frontend.functions import HttpFunctions

__all__ = ["Frontend", "request_target"]


class Frontend:
    def __init__(
        self,
        functions: HttpFunctions,
        admin: AdminApi,
        webhooks: ExtensionWebhooks,
        easy_auth: EasyAuth | None = None,
        *,
        host_api: HostApiGuard | None = None,
    ) -> None:
        self.functions, self.admin, self.webhooks = functions, admin, webhooks
        self.easy_auth = easy_auth
        self.host_api = host_api or HostApiGuard(None)

    async def handle(self, request: web.BaseRequest, body: bytes) -> web.Response:
        url = request_target(request.raw_path)
        if url is None:
            return response(400)
        if url.path.startswith("/admin/"):
            refused = self.host_api.admin(request, url.query)
            return refused or self.admin.handle(request, url.path, body)
        if self.easy_auth is not None:
            admitted = self.easy_auth.admit(request.method, url.path, request.headers)
            if isinstance(admitted, Refusal):
                return response(admitted.status, b"", admitted.headers)
            request = request.clone(headers=admitted)
        if url.path.lower().startswith(WEBHOOKS):
            refused = self.host_api.webhook(request, url.query, extension_of(url.path))
            return refused or await self.webhooks.handle(request, url.path, url.query, body)
        return await self.functions.handle(request, url, body)


def request_target(raw: str) -> SplitResult | None:
    """The path and query of the request line's target. The usual origin form (`/path?query`)
    is split at its first `?`, so a path that starts with `//` stays a path (as Kestrel reads
    it) rather than becoming a host name; the absolute form (`http://host/path`) is read as a
    URL. None when it is neither (a 400)."""
    if raw.startswith("/"):
        path, _, query = raw.partition("?")
        return SplitResult("", "", path, query.partition("#")[0], "")
    try:
        url = urlsplit(raw)
    except ValueError:
        return None
    if url.scheme not in ("http", "https") or (url.path and not url.path.startswith("/")):
        return None
    return url._replace(path=url.path or "/")
