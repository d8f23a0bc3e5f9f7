"""`Host.CORS` and `Host.CORSCredentials` from local.settings.json, answered as Core Tools
answers them: only when configured, for the HTTP functions' routes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiohttp import web

    from devhost.frontend.responses import Headers

__all__ = ["CorsPolicy"]


@dataclass(frozen=True, slots=True)
class CorsPolicy:
    origins: tuple[str, ...] = ()
    credentials: bool = False

    def headers(self, request: web.BaseRequest) -> Headers | None:
        """The CORS headers for a request from an allowed origin; None otherwise."""
        origin = request.headers.get("Origin")
        if not self.origins or not origin:
            return None
        if "*" not in self.origins and origin.rstrip("/") not in self.origins:
            return None
        wildcard = "*" in self.origins and not self.credentials
        headers = [("Access-Control-Allow-Origin", "*" if wildcard else origin), ("Vary", "Origin")]
        if self.credentials:
            headers.append(("Access-Control-Allow-Credentials", "true"))
        return headers

    @staticmethod
    def preflight(request: web.BaseRequest) -> Headers | None:
        """What a preflight (OPTIONS with Access-Control-Request-Method) is allowed; None
        when the request is not one."""
        method = request.headers.get("Access-Control-Request-Method")
        if request.method != "OPTIONS" or not method:
            return None
        headers = [("Access-Control-Allow-Methods", method)]
        wanted = request.headers.get("Access-Control-Request-Headers")
        if wanted:
            headers.append(("Access-Control-Allow-Headers", wanted))
        return headers
