"""HTTP triggers and the admin API, served by aiohttp on the invoker's event loop.

`/<routePrefix>/<route>` runs the matching HTTP function; `POST /admin/functions/<name>`
runs a non-HTTP function (202, as Core Tools answers); `GET /admin/host/status` reports
readiness; `/runtime/webhooks/blobs` is the blobs extension's Event Grid webhook
(`devhost.webhooks`). Keys are not enforced, as with `func start`.

The server shares the loop that runs async functions, so a request to one is a single task
on a single thread (why: devhost.invocation). aiohttp's low-level server does no routing of
its own: every method reaches `_serve`, and devhost's route table decides, as the host does.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

import azure.functions as func
from aiohttp import web
from multidict import CIMultiDict

from devhost.invocation import FunctionFailed, Invocation
from devhost.routes import RouteTable

if TYPE_CHECKING:
    from collections.abc import Callable
    from urllib.parse import SplitResult

    from devhost.functions import FunctionSpec
    from devhost.invocation import Invoker
    from devhost.outputs import OutputWriter
    from devhost.webhooks import BlobsWebhook

__all__ = ["MAX_BODY_BYTES", "HttpFrontend"]

logger = logging.getLogger(__name__)
MAX_BODY_BYTES = 100 * 1024 * 1024  # the Functions host's request size limit
# Kestrel's default limit for the request line and for all headers together.
MAX_HEADER_BYTES = 32 * 1024
_BAD_ADMIN_BODY = b'{"error": "the body must be JSON such as {\\"input\\": \\"...\\"}"}'
_HTTP_VIA_ADMIN = b'{"error": "HTTP-triggered functions are called on their own route"}'
_FRAMING = frozenset({"content-length", "transfer-encoding", "connection"})

Headers = list[tuple[str, str]]


def _join(pairs: list[tuple[str, str]]) -> dict[str, str]:
    joined: dict[str, str] = {}
    for key, value in pairs:
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    return joined


def _response(status: int, body: bytes = b"", headers: Headers = ()) -> web.Response:  # type: ignore[assignment]
    kept = CIMultiDict((k, v) for k, v in headers if k.lower() not in _FRAMING)
    kept.setdefault("Server", "devhost")
    return web.Response(status=status, body=body, headers=kept)


async def _read_body(request: web.BaseRequest) -> bytes | None:
    """The whole body, or None past the host's size limit (declared or, chunked, as read)."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        return None
    chunks, size = [], 0
    async for chunk in request.content.iter_any():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


class HttpFrontend:
    def __init__(
        self,
        functions: list[FunctionSpec],
        invoker: Invoker,
        outputs: OutputWriter,
        *,
        route_prefix: str,
        cors_origins: tuple[str, ...],
        cors_credentials: bool,
        admin: Callable[[str, str | None], bool | None],
        status: Callable[[], dict[str, Any]],
        blobs_webhook: BlobsWebhook | None = None,
    ) -> None:
        self.table: RouteTable[FunctionSpec] = RouteTable()
        for spec in functions:
            if spec.trigger_type == "httpTrigger":
                route = spec.trigger.get("route") or spec.name
                self.table.add(route, spec.trigger.get("methods"), spec)
        self.prefix = f"/{route_prefix}" if route_prefix else ""
        self.invoker, self.outputs = invoker, outputs
        self.cors_origins, self.cors_credentials = cors_origins, cors_credentials
        self.admin, self.status = admin, status
        self.blobs_webhook = blobs_webhook
        self.stopping = threading.Event()
        self._in_flight = 0
        self._idle: asyncio.Event | None = None
        self._server: web.Server | None = None
        self._listener: asyncio.Server | None = None

    # --- lifecycle -------------------------------------------------------------------------
    def start(self, host: str, port: int) -> int:
        return asyncio.run_coroutine_threadsafe(self._start(host, port), self.invoker.loop).result()

    async def _start(self, host: str, port: int) -> int:
        self._idle = asyncio.Event()
        self._idle.set()
        self._server = web.Server(
            self._serve,
            access_log=None,
            max_line_size=MAX_HEADER_BYTES,
            max_field_size=MAX_HEADER_BYTES,
        )
        self._listener = await self.invoker.loop.create_server(self._server, host, port)
        return int(self._listener.sockets[0].getsockname()[1])

    def stop(self, timeout: float) -> bool:
        """Stop accepting, then wait for requests in flight; False if they outlast `timeout`."""
        self.stopping.set()
        if self._listener is None:
            return True
        stopped = asyncio.run_coroutine_threadsafe(self._stop(grace=timeout), self.invoker.loop)
        return stopped.result()

    async def _stop(self, *, grace: float) -> bool:
        assert self._listener is not None
        assert self._server is not None
        assert self._idle is not None
        self._listener.close()
        drained = True
        try:
            async with asyncio.timeout(grace):
                await self._idle.wait()
        except TimeoutError:
            drained = False
        await self._server.shutdown(0.1)  # closes idle keep-alive connections
        return drained

    # --- requests --------------------------------------------------------------------------
    async def _serve(self, request: web.BaseRequest) -> web.StreamResponse:
        if self.stopping.is_set():
            response = _response(503, b"", [("Retry-After", "1")])
            response.force_close()
            return response
        assert self._idle is not None
        self._in_flight += 1
        self._idle.clear()
        try:
            body = await _read_body(request)
            if body is None:
                response = _response(413)
                response.force_close()
                return response
            response = await self.handle(request, body)
            if self.stopping.is_set():
                response.force_close()
            return response
        finally:
            self._in_flight -= 1
            if not self._in_flight:
                self._idle.set()

    async def handle(self, request: web.BaseRequest, body: bytes) -> web.Response:
        url = urlsplit(request.raw_path)
        path = url.path
        if path.startswith("/admin/"):
            return self._admin(request, path, body)
        if path.lower().startswith("/runtime/webhooks/"):
            return await self._webhook(request, path, url.query, body)
        if self.prefix and path != self.prefix and not path.startswith(self.prefix + "/"):
            return _response(404)
        cors = self._cors_headers(request)
        if (
            cors is not None
            and request.method == "OPTIONS"
            and request.headers.get("Access-Control-Request-Method")
        ):
            return _response(204, b"", cors + self._preflight_headers(request))
        found = self.table.resolve(request.method, path[len(self.prefix) :])
        if found is None:
            return _response(404, b"", cors or [])
        spec, route_params = found
        status, headers, payload = await self._run(spec, request, url, route_params, body)
        return _response(status, payload, headers + (cors or []))

    async def _run(
        self,
        spec: FunctionSpec,
        request: web.BaseRequest,
        url: SplitResult,
        route_params: dict[str, str],
        body: bytes,
    ) -> tuple[int, Headers, bytes]:
        host = request.headers.get("Host") or "localhost"
        http_request = func.HttpRequest(
            request.method,
            f"http://{host}{request.raw_path}",
            headers=_join(list(request.headers.items())),
            params=_join(parse_qsl(url.query, keep_blank_values=True)),
            route_params=route_params,
            body=body,
        )
        outs = self.outputs.arguments(spec)
        invocation = Invocation(
            spec,
            {spec.trigger["name"]: http_request, **outs},
            detail=f"method={request.method} path={url.path}",
            describe=lambda result: f"status={_status_of(result)}",
        )
        if outs:
            data = {**route_params, **http_request.params}
            invocation.complete = lambda _: self.outputs.write(spec, outs, None, data=data)
        try:
            result = await self.invoker.run(invocation)
        except FunctionFailed:
            return 500, [], b""
        return _to_response(result)

    def _cors_headers(self, request: web.BaseRequest) -> Headers | None:
        origin = request.headers.get("Origin")
        if not self.cors_origins or not origin:
            return None
        if "*" not in self.cors_origins and origin.rstrip("/") not in self.cors_origins:
            return None
        wildcard = "*" in self.cors_origins and not self.cors_credentials
        headers = [("Access-Control-Allow-Origin", "*" if wildcard else origin), ("Vary", "Origin")]
        if self.cors_credentials:
            headers.append(("Access-Control-Allow-Credentials", "true"))
        return headers

    @staticmethod
    def _preflight_headers(request: web.BaseRequest) -> Headers:
        method = request.headers["Access-Control-Request-Method"]
        headers = [("Access-Control-Allow-Methods", method)]
        wanted = request.headers.get("Access-Control-Request-Headers")
        if wanted:
            headers.append(("Access-Control-Allow-Headers", wanted))
        return headers

    async def _webhook(
        self, request: web.BaseRequest, path: str, query: str, body: bytes
    ) -> web.Response:
        """Extension webhooks by name, as the host routes `/runtime/webhooks/{name}`."""
        name = path[len("/runtime/webhooks/") :].strip("/").lower()
        if name != "blobs" or self.blobs_webhook is None:
            return _response(404)
        headers = {key.lower(): value for key, value in request.headers.items()}
        try:
            status, reply_headers, payload = await self.blobs_webhook.handle(
                request.method, dict(parse_qsl(query)), headers, body
            )
        except Exception:
            # Storage unreachable, say: a 500 makes Event Grid deliver again later.
            logger.exception("blobs_webhook_failed")
            status, reply_headers, payload = 500, [], b""
        return _response(status, payload, reply_headers)

    def _admin(self, request: web.BaseRequest, path: str, body: bytes) -> web.Response:
        json_type = [("Content-Type", "application/json; charset=utf-8")]
        if path.rstrip("/") == "/admin/host/status" and request.method in ("GET", "HEAD"):
            return _response(200, json.dumps(self.status()).encode(), json_type)
        prefix = "/admin/functions/"
        if not path.startswith(prefix) or request.method != "POST":
            return _response(404)
        try:
            document = json.loads(body or b"{}")
            raw_input = document.get("input") if isinstance(document, dict) else None
        except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
            return _response(400, _BAD_ADMIN_BODY, json_type)
        name = unquote(path[len(prefix) :])
        accepted = self.admin(name, None if raw_input is None else str(raw_input))
        if accepted is None:
            return _response(404)
        if not accepted:
            return _response(400, _HTTP_VIA_ADMIN, json_type)
        return _response(202)


def _status_of(result: Any) -> int:
    if isinstance(result, func.HttpResponse):
        return int(result.status_code)
    return 200 if result is not None else 204


def _to_response(result: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    if isinstance(result, func.HttpResponse):
        headers = [(str(k), str(v)) for k, v in result.headers.items()]
        if not any(k.lower() == "content-type" for k, _ in headers):
            mimetype = result.mimetype
            if mimetype.startswith("text/"):
                mimetype = f"{mimetype}; charset={result.charset}"
            headers.append(("Content-Type", mimetype))
        return int(result.status_code), headers, result.get_body() or b""
    if isinstance(result, str):
        return 200, [("Content-Type", "text/plain; charset=utf-8")], result.encode()
    if isinstance(result, bytes):
        return 200, [("Content-Type", "application/octet-stream")], result
    return 204, [], b""
