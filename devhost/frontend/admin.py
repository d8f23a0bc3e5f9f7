"""The host's admin API, as Core Tools serves it locally: `GET /admin/host/status` reports
readiness; `POST /admin/functions/<name>` with `{"input": "..."}` starts a non-HTTP function and
answers 202 at once. What may call it (this machine only; the master key with `--easy-auth`)
is devhost.frontend.hostapi's to decide, before this runs."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from devhost.frontend.responses import JSON_TYPE, response

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from aiohttp import web

__all__ = ["AdminApi"]

_BAD_BODY = b'{"error": "the body must be JSON such as {\\"input\\": \\"...\\"}"}'
_HTTP_VIA_ADMIN = b'{"error": "HTTP-triggered functions are called on their own route"}'
_FUNCTIONS = "/admin/functions/"


class AdminApi:
    def __init__(
        self,
        run: Callable[[str, str | None], bool | None],
        status: Callable[[], Mapping[str, Any]],
    ) -> None:
        """`run(name, input)` starts the function: None if there is none by that name, False
        if it is HTTP-triggered. `status()` is the host status document."""
        self._run, self._status = run, status

    def handle(self, request: web.BaseRequest, path: str, body: bytes) -> web.Response:
        if path.rstrip("/") == "/admin/host/status" and request.method in ("GET", "HEAD"):
            return response(200, json.dumps(self._status()).encode(), JSON_TYPE)
        if not path.startswith(_FUNCTIONS) or request.method != "POST":
            return response(404)
        try:
            document = json.loads(body or b"{}")
            raw_input = document.get("input") if isinstance(document, dict) else None
        except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
            return response(400, _BAD_BODY, JSON_TYPE)
        name = unquote(path[len(_FUNCTIONS) :])
        accepted = self._run(name, None if raw_input is None else str(raw_input))
        if accepted is None:
            return response(404)
        if not accepted:
            return response(400, _HTTP_VIA_ADMIN, JSON_TYPE)
        return response(202)
