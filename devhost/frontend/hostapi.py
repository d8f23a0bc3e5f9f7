"""The lock on the host's own API, the admin API (`/admin/...`) and the extensions' webhooks
(`/runtime/webhooks/...`): what a web page the developer opens must not reach.

A page cannot read devhost's answers, but it can send: a form or a `text/plain` `fetch` POST
goes to another origin without a CORS preflight, and a name the page's server rebinds to
127.0.0.1 (DNS rebinding) makes even its reads same-origin. So every request to these paths
needs, in this order (each refusal is JSON `{"error": ...}` saying why):

1. a `Host` that names this machine: `localhost`, an IPv4 loopback address or `[::1]`, any
   port (403). A rebound name (`evil.example`) is never one;
2. no `Origin`, or devhost's own: `http://` and the same loopback host and port as `Host`
   (403). Browsers send `Origin` with every cross-origin request and every POST;
3. with `--easy-auth`, a key, as the Functions host requires on Azure: the master key for the
   admin API, the master key or `<extension>_extension` system key for a webhook, in the
   `x-functions-key` header or the `code` query parameter, the header first
   (`AuthenticationLevelHandler` and `AuthorizationOptionsExtensions` in
   Azure/azure-functions-host). Missing or wrong: 401;
4. for a POST, a JSON body (`application/json` or `application/*+json`, the CloudEvents kind
   included), which a browser cannot send to another origin without a preflight that devhost
   never grants here (415).

Without `--easy-auth` no key is asked for, as under `func start`.
"""

from __future__ import annotations

import ipaddress
import json
import logging
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from devhost.frontend.responses import JSON_TYPE, response
from devhost.keys import MASTER, system_key_name

if TYPE_CHECKING:
    from aiohttp import web

    from devhost.keys import HostKeys

__all__ = ["KEY_HEADER", "HostApiGuard", "is_json", "is_loopback_host", "is_own_origin"]

logger = logging.getLogger(__name__)
KEY_HEADER = "x-functions-key"


def is_loopback_host(host: str | None) -> bool:
    """Whether a `Host` value (name and optional port) names this machine."""
    if not host:
        return False
    name, port = _split_host(host.strip().lower())
    if port and not port.isdigit():
        return False
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name.strip("[]")).is_loopback and (
            name.startswith("[") == (":" in name)  # IPv6 in brackets, IPv4 without
        )
    except ValueError:
        return False


def _split_host(host: str) -> tuple[str, str]:
    if host.startswith("["):
        name, _, rest = host.partition("]")
        return name + "]", rest.removeprefix(":")
    name, _, port = host.partition(":")
    return name, port


def is_own_origin(origin: str, host: str) -> bool:
    """Whether a request's `Origin` is the page origin devhost itself serves to this Host."""
    scheme, _, rest = origin.strip().lower().partition("://")
    return scheme == "http" and rest == host.strip().lower() and is_loopback_host(rest)


def is_json(content_type: str | None) -> bool:
    media_type = (content_type or "").split(";")[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


class HostApiGuard:
    def __init__(self, keys: HostKeys | None) -> None:
        """`keys`: the host's keys when devhost runs `--easy-auth`, else None (keyless)."""
        self._keys = keys

    def admin(self, request: web.BaseRequest, query: str) -> web.Response | None:
        """None when the admin API may serve the request, else the refusal."""
        return self._check(request, query, (MASTER,))

    def webhook(self, request: web.BaseRequest, query: str, extension: str) -> web.Response | None:
        """None when the extension's webhook may serve the request, else the refusal."""
        return self._check(request, query, (MASTER, system_key_name(extension)))

    def _check(
        self, request: web.BaseRequest, query: str, accepted: tuple[str, ...]
    ) -> web.Response | None:
        headers = request.headers
        host, origin = headers.get("Host"), headers.get("Origin")
        if not is_loopback_host(host):
            return _refuse(request, 403, "the Host header must name this machine", host)
        if origin is not None and not is_own_origin(origin, host or ""):
            return _refuse(request, 403, "another origin may not call the host's API", origin)
        if self._keys is not None:
            refused = self._refuse_key(request, query, accepted)
            if refused is not None:
                return refused
        if request.method == "POST" and not is_json(headers.get("Content-Type")):
            return _refuse(request, 415, "POST the body as application/json", None)
        return None

    def _refuse_key(
        self, request: web.BaseRequest, query: str, accepted: tuple[str, ...]
    ) -> web.Response | None:
        """401 without a key the host knows, 403 with one that does not open this API (the
        host: no identity is a challenge, an identity without the level is forbidden)."""
        assert self._keys is not None
        value = request.headers.get(KEY_HEADER) or dict(parse_qsl(query)).get("code") or ""
        name = self._keys.name_of(value) if value else None
        if name is None:
            needed = f"the {' or '.join(accepted)} key in {KEY_HEADER} (python -m devhost.keys)"
            return _refuse(request, 401, f"this API needs {needed}", None)
        if name not in accepted:
            return _refuse(request, 403, f"the {name} key does not open this API", None)
        return None


def _refuse(request: web.BaseRequest, status: int, reason: str, sent: str | None) -> web.Response:
    logger.info(
        "host_api_refused method=%s path=%s status=%d reason=%r sent=%r",
        request.method,
        request.path,
        status,
        reason,
        sent,
    )
    return response(status, json.dumps({"error": reason}).encode(), JSON_TYPE)
