"""A local Application Insights ingestion endpoint, to see telemetry without Azure.

It answers `POST /v2.1/track` (and `/v2/track`) as the service does: a JSON array (or lines)
of telemetry envelopes, gzip or not, answered with `itemsReceived`/`itemsAccepted`. Point an
app at it with a connection string whose IngestionEndpoint is this server:

    python -m devhost.ingestion --port 4319 --out telemetry.jsonl
    APPLICATIONINSIGHTS_CONNECTION_STRING='InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:4319/'

Each envelope is printed as one line (type, name, operation id) and, with --out, appended to a
JSON Lines file. The e2e telemetry tests and bench.telemetry use `IngestionSink` in-process.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devhost.console import configure_logging, wait_for_stop_signal

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["IngestionSink", "summarize"]

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


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    sink: IngestionSink

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("http %s", format % args)

    def _answer(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.split("?")[0].rstrip("/") not in _TRACK_PATHS:
            self._answer(404, {"error": "only /v2.1/track is served here"})
            return
        try:
            items = _envelopes(body, (self.headers.get("Content-Encoding") or "").lower())
        except (ValueError, OSError) as exc:
            error = {"index": 0, "statusCode": 400, "message": str(exc)}
            self._answer(400, {"itemsReceived": 0, "itemsAccepted": 0, "errors": [error]})
            return
        self.sink.accept(items)
        self._answer(200, {"itemsReceived": len(items), "itemsAccepted": len(items), "errors": []})


class IngestionSink:
    """The endpoint on a loopback port; `items` holds every envelope received so far."""

    def __init__(
        self, *, port: int = 0, on_item: Callable[[dict[str, Any]], None] | None = None
    ) -> None:
        self._lock = threading.Lock()
        self._items: list[dict[str, Any]] = []
        self._on_item = on_item
        handler = type("Handler", (_Handler,), {"sink": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])

    @property
    def connection_string(self) -> str:
        return (
            f"InstrumentationKey={_INSTRUMENTATION_KEY};"
            f"IngestionEndpoint=http://127.0.0.1:{self.port}/"
        )

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
        threading.Thread(target=self._server.serve_forever, name="ingestion", daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


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
    out = args.out.open("a", encoding="utf-8") if args.out else None

    def show(item: dict[str, Any]) -> None:
        logger.info("%s", summarize(item))
        if out is not None:
            out.write(json.dumps(item) + "\n")
            out.flush()

    with IngestionSink(port=args.port, on_item=show) as sink:
        sys.stdout.write(f"APPLICATIONINSIGHTS_CONNECTION_STRING={sink.connection_string}\n")
        sys.stdout.flush()
        wait_for_stop_signal()
    if out is not None:
        out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
