"""An HTTP proxy in front of Azurite that counts every storage request by service, verb and
what it did (`bench.storage_requests`).

Each of Azurite's three ports gets a forwarding port; requests are passed on byte for byte
(the shared-key signature covers the path, query and the x-ms headers, all kept), answers
passed back likewise. Counting here, rather than in the app, sees what Azure would bill and
throttle: the host's queue polling, retries, the SDKs' own calls (create_table_if_not_exists).
Table queries are also kept one by one (`TableQuery`: the filter, and how many entities
storage returned), so a test can see which rows a listing asked for.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import aiohttp
from aiohttp import web

from devhost.azurite import free_port
from shared import azurite as azurite_facts

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from devhost.azurite import Azurite

    Handler = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]

__all__ = ["CountingProxy", "RequestKind", "TableQuery", "classify"]

_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "upgrade"}
)
_BATCH_PART = re.compile(rb"^(POST|PUT|MERGE|PATCH|DELETE|GET) \S+ HTTP/1\.1", re.M)
_SHARD = re.compile(r"-\d+$")


@dataclass(frozen=True, slots=True, order=True)
class RequestKind:
    """One row of the count: `service verb what`, e.g. `table POST $batch(write)`."""

    service: str
    verb: str
    what: str
    account: str = ""

    def __str__(self) -> str:
        return f"{self.service} {self.verb} {self.what}"


@dataclass(frozen=True, slots=True)
class TableQuery:
    """One table query as storage saw it: its `$filter` (decoded) and the entities returned."""

    account: str
    table: str
    filter: str
    returned: int


def _table_query(target: str, answer: bytes) -> TableQuery:
    url = urlsplit(target)
    account, _, resource = url.path.strip("/").partition("/")
    try:
        returned = len(json.loads(answer).get("value", []))
    except (ValueError, AttributeError):
        returned = 0
    found = parse_qs(url.query).get("$filter", [""])[0]
    return TableQuery(account, resource.split("(")[0], found, returned)


def _table_what(verb: str, path: str, body: bytes) -> str:
    resource = path.split("/", 2)[2] if path.count("/") >= 2 else ""
    if resource == "$batch":
        methods = set(_BATCH_PART.findall(body))
        return "$batch(delete)" if methods == {b"DELETE"} else "$batch(write)"
    if resource.startswith("Tables"):
        return "Tables"
    table, _, keys = resource.partition("(")
    if verb == "GET":
        return f"{table} {'point read' if 'RowKey=' in keys else 'query'}"
    return table


def _queue_what(verb: str, path: str, query: dict[str, list[str]]) -> str:
    parts = path.strip("/").split("/")
    queue = _SHARD.sub("-N", parts[1]) if len(parts) > 1 else ""
    if len(parts) <= 2:
        return f"{queue} {query.get('comp', ['queue'])[0]}" if queue else "service"
    if verb == "GET":
        return f"{queue} {'peek' if query.get('peekonly') else 'receive'}"
    return f"{queue} messages"


def classify(service: str, verb: str, target: str, body: bytes) -> RequestKind:
    """What a request did, from its method, path and (for a table $batch) its parts."""
    url = urlsplit(target)
    account = url.path.strip("/").split("/")[0]
    if service == "table":
        what = _table_what(verb, url.path, body)
    elif service == "queue":
        what = _queue_what(verb, url.path, parse_qs(url.query))
    else:
        query = parse_qs(url.query)
        comp = query.get("comp", query.get("restype", [""]))[0]  # restype: the container itself
        parts = url.path.strip("/").split("/")
        container = parts[1] if len(parts) > 1 else ""
        what = f"{container} {comp}".strip()
    return RequestKind(service, verb, what, account)


class CountingProxy:
    """Forwarding ports for an Azurite's blob, queue and table services, counting requests.

    Runs its own event loop on a thread, so a synchronous benchmark can use it."""

    def __init__(self, azurite: Azurite) -> None:
        self.azurite = azurite
        self._counts: Counter[RequestKind] = Counter()
        self._queries: list[TableQuery] = []
        self._lock = threading.Lock()
        self._held: dict[str, threading.Event] = {}  # kind -> set once one answer is held
        # Services that answer 503 Server Busy instead of forwarding (an outage of one service
        # that still answers: tests/reliability/blip.py); such requests are not counted.
        self.unavailable: frozenset[str] = frozenset()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._ports: dict[str, int] = {}
        self._runners: list[web.ServerRunner] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        self._ready.wait(30)

    def connection_string(self, account: str = azurite_facts.ACCOUNT, key: str = "") -> str:
        """A connection string for `account` through the proxy."""
        base = f"http://127.0.0.1:{{}}/{account}"
        return (
            f"DefaultEndpointsProtocol=http;AccountName={account};"
            f"AccountKey={key or azurite_facts.KEY};"
            f"BlobEndpoint={base.format(self._ports['blob'])};"
            f"QueueEndpoint={base.format(self._ports['queue'])};"
            f"TableEndpoint={base.format(self._ports['table'])};"
        )

    def take(self) -> Counter[RequestKind]:
        """The counts since the last take, and start again from zero."""
        with self._lock:
            counts, self._counts = self._counts, Counter()
        return counts

    def take_queries(self) -> list[TableQuery]:
        """The table queries since the last take, in order, and start again from none."""
        with self._lock:
            queries, self._queries = self._queries, []
        return queries

    def hold_answers(self, kind: str) -> threading.Event:
        """From now on, forward each request of `kind` (`str(RequestKind)`, e.g. `table POST
        $batch(write)`) to storage but never pass its answer back: storage has done the work,
        the client waits until it gives up or dies (a test kills the process between a commit
        and its response). The event is set when the first such answer is held."""
        held = self._held[kind] = threading.Event()
        return held

    def close(self) -> None:
        async def stop() -> None:
            self._closing.set()
            for runner in self._runners:
                await runner.cleanup()
            await self._session.close()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._start())
        self._ready.set()
        self._loop.run_forever()

    async def _start(self) -> None:
        self._closing = asyncio.Event()
        self._session = aiohttp.ClientSession(
            auto_decompress=False, timeout=aiohttp.ClientTimeout(total=120)
        )
        upstream = {
            "blob": self.azurite.blob_port,
            "queue": self.azurite.queue_port,
            "table": self.azurite.table_port,
        }
        for service, port in upstream.items():
            runner = web.ServerRunner(web.Server(self._forwarder(service, port)))
            await runner.setup()
            self._ports[service] = free_port()
            await web.TCPSite(runner, "127.0.0.1", self._ports[service]).start()
            self._runners.append(runner)

    def _forwarder(self, service: str, port: int) -> Handler:
        async def forward(request: web.BaseRequest) -> web.StreamResponse:
            body = await request.read()
            if service in self.unavailable:
                return web.Response(status=503, headers={"x-ms-error-code": "ServerBusy"})
            kind = classify(service, request.method, request.raw_path, body)
            with self._lock:
                self._counts[kind] += 1
            headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
            async with self._session.request(
                request.method,
                f"http://127.0.0.1:{port}{request.raw_path}",
                headers=headers,
                data=body or None,
                allow_redirects=False,
                skip_auto_headers=("User-Agent", "Accept-Encoding", "Content-Type"),
            ) as answer:
                payload = await answer.read()
                kept = [(k, v) for k, v in answer.headers.items() if k.lower() not in _HOP_BY_HOP]
            if kind.what.endswith(" query"):
                with self._lock:
                    self._queries.append(_table_query(request.raw_path, payload))
            held = self._held.get(str(kind))
            if held is not None:
                held.set()
                await self._closing.wait()  # the client gives up or dies meanwhile
            response = web.Response(status=answer.status, body=payload)
            for name, value in kept:
                response.headers.add(name, value)
            return response

        return forward
