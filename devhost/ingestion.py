"""A local Application Insights ingestion endpoint, to see telemetry without Azure.

It answers `POST /v2.1/track` (and `/v2/track`) as the service does: a JSON array (or lines)
of telemetry envelopes, gzip or not, answered with `itemsReceived`/`itemsAccepted`. Point an
app at it with a connection string whose IngestionEndpoint is this server:

    python -m devhost.ingestion --port 4319 --out telemetry.jsonl
    APPLICATIONINSIGHTS_CONNECTION_STRING='InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:4319/'

Each envelope is printed as one line (type, name, operation id) and, with --out, appended to a
JSON Lines file.

`IngestionServer` is the endpoint on an event loop (aiohttp, devhost's one HTTP stack);
`IngestionSink` runs one on a loop thread of its own, for callers without a loop: the e2e
telemetry tests and bench.telemetry use it in-process.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import logging
import socket
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from devhost.console import configure_logging, stop_signal

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["IngestionServer", "IngestionSink", "summarize"]

logger = logging.getLogger("devhost.ingestion")
_TRACK_PATHS = ("/v2.1/track", "/v2/track")
_INSTRUMENTATION_KEY = "00000000-0000-0000-0000-000000000000"


def _envelopes(body: bytes, encoding: str) -> list[dict[str, Any]]:
    if encoding == "gzip" or body[:2] == b"\x1f\x8b":
        body = gzip.decompress(body)
    text = body.decode("utf-8").strip()
    if text.startswith("["):
        return [item for item in json.loads(text) if isinstance(item, dict)]
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def summarize(envelope: dict[str, Any]) -> str:
    """One line for an envelope: its type, its name or message, and its operation id."""
    data = envelope.get("data", {}).get("baseData", {})
    kind = str(envelope.get("data", {}).get("baseType", envelope.get("name", "?")))
    label = data.get("name") or data.get("message") or ""
    if kind == "MetricData":
        label = ",".join(f"{m.get('name')}={m.get('value')}" for m in data.get("metrics", []))
    operation = envelope.get("tags", {}).get("ai.operation.id", "-")
    return f"{kind.removesuffix('Data')} {label} operation={operation}"


def _answer(status: int, payload: dict[str, Any]) -> web.Response:
    return web.json_response(payload, status=status)


def _connection_string(port: int) -> str:
    return f"InstrumentationKey={_INSTRUMENTATION_KEY};IngestionEndpoint=http://127.0.0.1:{port}/"


class IngestionServer:
    """The endpoint, served on the running event loop from a socket already bound (so its
    port is known before it serves); `on_items` gets each request's envelopes."""

    def __init__(
        self, sock: socket.socket, on_items: Callable[[list[dict[str, Any]]], None]
    ) -> None:
        self._socket, self._on_items = sock, on_items
        self._runner: web.ServerRunner | None = None

    @property
    def port(self) -> int:
        return int(self._socket.getsockname()[1])

    async def _track(self, request: web.BaseRequest) -> web.StreamResponse:
        body = await request.content.read()  # whole, whatever its size, as sent
        # The exporter posts to `<IngestionEndpoint>/v2.1/track`: `//v2.1/track` when the
        # endpoint ends with a slash, as connection strings' endpoints do.
        path = "/" + request.path.strip("/")
        if request.method != "POST" or path not in _TRACK_PATHS:
            return _answer(404, {"error": "only /v2.1/track is served here"})
        try:
            items = _envelopes(body, (request.headers.get("Content-Encoding") or "").lower())
        except (ValueError, OSError) as exc:
            error = {"index": 0, "statusCode": 400, "message": str(exc)}
            return _answer(400, {"itemsReceived": 0, "itemsAccepted": 0, "errors": [error]})
        self._on_items(items)
        return _answer(
            200, {"itemsReceived": len(items), "itemsAccepted": len(items), "errors": []}
        )

    async def start(self) -> None:
        # auto_decompress off: _envelopes reads gzip bodies itself, as the service does.
        server = web.Server(self._track, access_log=None, auto_decompress=False)
        self._runner = web.ServerRunner(server)
        await self._runner.setup()
        await web.SockSite(self._runner, self._socket).start()

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def bound_socket(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1:`port` (0: any free port)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(128)
    return sock


class IngestionSink:
    """The endpoint on a loopback port, served from a loop thread of its own while the sink
    is entered; `items` holds every envelope received so far."""

    def __init__(
        self, *, port: int = 0, on_item: Callable[[dict[str, Any]], None] | None = None
    ) -> None:
        self._lock = threading.Lock()
        self._items: list[dict[str, Any]] = []
        self._on_item = on_item
        self._server = IngestionServer(bound_socket(port), self.accept)
        self.port = self._server.port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def connection_string(self) -> str:
        return _connection_string(self.port)

    def accept(self, items: list[dict[str, Any]]) -> None:
        with self._lock:
            self._items.extend(items)
        if self._on_item is not None:
            for item in items:
                self._on_item(item)

    @property
    def items(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._items)

    def wait_for(self, condition: Callable[[list[dict[str, Any]]], Any], timeout: float) -> Any:
        """Poll the items until `condition(items)` is truthy; its value, or TimeoutError."""
        deadline = time.monotonic() + timeout
        while True:
            value = condition(self.items)
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"telemetry not received within {timeout} s")
            time.sleep(0.1)

    def __enter__(self) -> IngestionSink:
        loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=loop.run_forever, name="ingestion", daemon=True)
        self._thread.start()
        self._loop = loop
        asyncio.run_coroutine_threadsafe(self._server.start(), loop).result()
        return self

    def __exit__(self, *exc: object) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._server.close(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devhost.ingestion",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=4319)
    parser.add_argument("--out", type=Path, default=None, help="append envelopes to this file")
    args = parser.parse_args(argv)
    configure_logging("INFO")
    return asyncio.run(_serve(args.port, args.out))


async def _serve(port: int, path: Path | None) -> int:
    stop = stop_signal()
    out = path.open("a", encoding="utf-8") if path else None

    def show(items: list[dict[str, Any]]) -> None:
        for item in items:
            logger.info("%s", summarize(item))
            if out is not None:
                out.write(json.dumps(item) + "\n")
        if out is not None:
            out.flush()

    server = IngestionServer(bound_socket(port), show)
    await server.start()
    sys.stdout.write(f"APPLICATIONINSIGHTS_CONNECTION_STRING={_connection_string(server.port)}\n")
    sys.stdout.flush()
    await stop.wait()
    await server.close()
    if out is not None:
        out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
