"""HTTP triggers and the admin API on a threaded stdlib server.

`/<routePrefix>/<route>` runs the matching HTTP function; `POST /admin/functions/<name>`
runs a non-HTTP function (202, as Core Tools answers); `GET /admin/host/status` reports
readiness; `/runtime/webhooks/blobs` is the blobs extension's Event Grid webhook
(`devhost.webhooks`). Keys are not enforced, as with `func start`.
"""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

import azure.functions as func

from devhost.invocation import FunctionFailed, Invocation
from devhost.routes import RouteTable

if TYPE_CHECKING:
    from collections.abc import Callable

    from devhost.functions import FunctionSpec
    from devhost.invocation import Invoker
    from devhost.outputs import OutputWriter
    from devhost.webhooks import BlobsWebhook

__all__ = ["MAX_BODY_BYTES", "HttpFrontend"]

logger = logging.getLogger(__name__)
MAX_BODY_BYTES = 100 * 1024 * 1024  # the Functions host's request size limit
_BAD_ADMIN_BODY = b'{"error": "the body must be JSON such as {\\"input\\": \\"...\\"}"}'
_HTTP_VIA_ADMIN = b'{"error": "HTTP-triggered functions are called on their own route"}'


def _read_chunked(stream: Any) -> bytes:
    body = b""
    while True:
        size = int(stream.readline().split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while stream.readline() not in (b"\r\n", b"\n", b""):
                pass
            return body
        body += stream.read(size)
        stream.readline()
        if len(body) > MAX_BODY_BYTES:
            raise ValueError("body too large")


def _join(pairs: list[tuple[str, str]]) -> dict[str, str]:
    joined: dict[str, str] = {}
    for key, value in pairs:
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    return joined


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without this, Nagle's algorithm and the
    # client's delayed ACK add ~40 ms to every keep-alive response.
    disable_nagle_algorithm = True
    server_version = "devhost"
    frontend: HttpFrontend

    def log_message(self, format: str, *args: Any) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("http %s", format % args)

    def _send(self, status: int, body: bytes = b"", headers: list[tuple[str, str]] = ()) -> None:  # type: ignore[assignment]
        self.send_response(status)
        for key, value in headers:
            if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        if self.frontend.stopping.is_set():
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return _read_chunked(self.rfile)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            return None
        return self.rfile.read(length) if length else b""

    def _dispatch(self) -> None:
        frontend = self.frontend
        if frontend.stopping.is_set():
            self._send(503, b"", [("Retry-After", "1")])
            return
        with frontend.tracker:
            body = self._body()
            if body is None:
                self.close_connection = True
                self._send(413)
                return
            frontend.handle(self, body)

    def __getattr__(self, name: str) -> Any:
        # The host routes every method (TRACE, PROPFIND, ...) like GET: a function that lists
        # it runs, anything else is the same empty 404, never http.server's 501 HTML page
        # (the host answers 404, not 405: azure-functions-host#10098).
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)


class _Tracker:
    """Counts requests in flight so shutdown can wait for them."""

    def __init__(self) -> None:
        self._count = 0
        self._cond = threading.Condition()

    def __enter__(self) -> None:
        with self._cond:
            self._count += 1

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._count -= 1
            self._cond.notify_all()

    def wait(self, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self._count == 0, timeout)


class HttpFrontend:
    def __init__(
        self, functions: list[FunctionSpec], invoker: Invoker, outputs: OutputWriter, *,
        route_prefix: str, cors_origins: tuple[str, ...], cors_credentials: bool,
        admin: Callable[[str, str | None], bool | None], status: Callable[[], dict[str, Any]],
        blobs_webhook: BlobsWebhook | None = None,
    ) -> None:  # fmt: skip
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
        self.tracker = _Tracker()
        self.server: ThreadingHTTPServer | None = None

    # --- lifecycle -------------------------------------------------------------------------
    def start(self, host: str, port: int) -> int:
        handler = type("Handler", (_Handler,), {"frontend": self})
        self.server = ThreadingHTTPServer((host, port), handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, name="devhost-http", daemon=True).start()
        return int(self.server.server_address[1])

    def stop(self, timeout: float) -> bool:
        """Stop accepting, then wait for requests in flight; False if they outlast `timeout`."""
        self.stopping.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        return self.tracker.wait(timeout)

    # --- requests --------------------------------------------------------------------------
    def handle(self, request: _Handler, body: bytes) -> None:
        url = urlsplit(request.path)
        path = url.path
        if path.startswith("/admin/"):
            self._admin(request, path, body)
            return
        if path.lower().startswith("/runtime/webhooks/"):
            self._webhook(request, path, url.query, body)
            return
        if self.prefix and path != self.prefix and not path.startswith(self.prefix + "/"):
            request._send(404)
            return
        cors = self._cors_headers(request)
        if (
            cors is not None
            and request.command == "OPTIONS"
            and request.headers.get("Access-Control-Request-Method")
        ):
            request._send(204, b"", cors + self._preflight_headers(request))
            return
        found = self.table.resolve(request.command, path[len(self.prefix) :])
        if found is None:
            request._send(404, b"", cors or [])
            return
        spec, route_params = found
        status, headers, payload = self._run(spec, request, url.query, route_params, body)
        request._send(status, payload, headers + (cors or []))

    def _run(
        self, spec: FunctionSpec, request: _Handler, query: str, route_params: dict[str, str],
        body: bytes,
    ) -> tuple[int, list[tuple[str, str]], bytes]:  # fmt: skip
        host = request.headers.get("Host") or "localhost"
        http_request = func.HttpRequest(
            request.command, f"http://{host}{request.path}",
            headers=_join(list(request.headers.items())),
            params=_join(parse_qsl(query, keep_blank_values=True)),
            route_params=route_params, body=body,
        )  # fmt: skip
        outs = self.outputs.arguments(spec)
        invocation = Invocation(
            spec, {spec.trigger["name"]: http_request, **outs},
            detail=f"method={request.command} path={urlsplit(request.path).path}",
            describe=lambda result: f"status={_status_of(result)}",
            complete=lambda _: self.outputs.write(
                spec, outs, None, data={**route_params, **http_request.params}
            ),
        )  # fmt: skip
        try:
            result = self.invoker.call(invocation)
        except FunctionFailed:
            return 500, [], b""
        return _to_response(result)

    def _cors_headers(self, request: _Handler) -> list[tuple[str, str]] | None:
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
    def _preflight_headers(request: _Handler) -> list[tuple[str, str]]:
        method = request.headers["Access-Control-Request-Method"]
        headers = [("Access-Control-Allow-Methods", method)]
        wanted = request.headers.get("Access-Control-Request-Headers")
        if wanted:
            headers.append(("Access-Control-Allow-Headers", wanted))
        return headers

    def _webhook(self, request: _Handler, path: str, query: str, body: bytes) -> None:
        """Extension webhooks by name, as the host routes `/runtime/webhooks/{name}`."""
        name = path[len("/runtime/webhooks/") :].strip("/").lower()
        if name != "blobs" or self.blobs_webhook is None:
            request._send(404)
            return
        try:
            status, headers, payload = self.blobs_webhook.handle(
                request.command, dict(parse_qsl(query)),
                {key.lower(): value for key, value in request.headers.items()}, body,
            )  # fmt: skip
        except Exception:
            # Storage unreachable, say: a 500 makes Event Grid deliver again later.
            logger.exception("blobs_webhook_failed")
            status, headers, payload = 500, [], b""
        request._send(status, payload, headers)

    def _admin(self, request: _Handler, path: str, body: bytes) -> None:
        json_type = [("Content-Type", "application/json; charset=utf-8")]
        if path.rstrip("/") == "/admin/host/status" and request.command in ("GET", "HEAD"):
            request._send(200, json.dumps(self.status()).encode(), json_type)
            return
        prefix = "/admin/functions/"
        if not path.startswith(prefix) or request.command != "POST":
            request._send(404)
            return
        try:
            document = json.loads(body or b"{}")
            raw_input = document.get("input") if isinstance(document, dict) else None
        except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
            request._send(400, _BAD_ADMIN_BODY, json_type)
            return
        name = unquote(path[len(prefix) :])
        accepted = self.admin(name, None if raw_input is None else str(raw_input))
        if accepted is None:
            request._send(404)
        elif not accepted:
            request._send(400, _HTTP_VIA_ADMIN, json_type)
        else:
            request._send(202)


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
