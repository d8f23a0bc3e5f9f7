"""The listening socket and the requests in flight: aiohttp's low-level server, which does
no routing of its own (every method reaches the handler, and devhost's route table decides,
as the host does), on the host's event loop, the one async functions run on: a request to
one is a single task on a single thread (why: devhost.invocation).

Bodies are read whole, up to the host's limit (413 past it). A header that is not UTF-8 is a
400 before any routing: Kestrel decodes header values as UTF-8 and refuses a request it cannot
decode, where aiohttp hands the bytes on as surrogate escapes. A request line or headers over
Kestrel's limits are 414 and 431, anything else unparsable 400 (devhost.frontend.protocol).
On stop, the socket closes,
requests in flight may finish within the grace period, and any request arriving on a kept-alive
connection meanwhile is answered 503.
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, TypeAlias

from devhost.frontend.protocol import (
    MAX_HEADER_BYTES,
    MAX_HEADER_COUNT,
    MAX_REQUEST_LINE_BYTES,
    KestrelServer,
    headers_too_large,
)
from devhost.frontend.responses import response
from devhost.tasks import wait_for_event

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from aiohttp import web

__all__ = ["MAX_BODY_BYTES", "Handler", "HttpServer"]

MAX_BODY_BYTES = 100 * 1024 * 1024  # the Functions host's request size limit

# The surrogates aiohttp decodes bytes that are not UTF-8 into.
_ESCAPED = re.compile("[\udc80-\udcff]")

# What answers a request, given its whole body.
Handler: TypeAlias = "Callable[[web.BaseRequest, bytes], Awaitable[web.Response]]"


def _undecodable(request: web.BaseRequest) -> bool:
    """A header name or value that was not UTF-8 (aiohttp's surrogateescape)."""
    return any(_ESCAPED.search(f"{name}:{value}") for name, value in request.headers.items())


def _refusal(request: web.BaseRequest) -> int | None:
    """Kestrel's status for headers it would not take, before anything reads them."""
    if headers_too_large(request.raw_headers):
        return 431
    return 400 if _undecodable(request) else None


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


class HttpServer:
    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self._stopping = asyncio.Event()
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._server: web.Server | None = None
        self._listener: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> int:
        """Listen on `host:port` (0: any free port); the port listened on."""
        self._server = KestrelServer(
            self._serve,
            access_log=None,
            max_line_size=MAX_REQUEST_LINE_BYTES,
            max_field_size=MAX_HEADER_BYTES,
            max_headers=MAX_HEADER_COUNT,
        )
        loop = asyncio.get_running_loop()
        self._listener = await loop.create_server(self._server, host, port)
        return int(self._listener.sockets[0].getsockname()[1])

    async def stop(self, grace: float) -> bool:
        """Stop accepting, then wait for requests in flight; False if they outlast `grace`."""
        self._stopping.set()
        if self._listener is None or self._server is None:
            return True
        self._listener.close()
        drained = await wait_for_event(self._idle, grace)
        await self._server.shutdown(0.1)  # closes idle keep-alive connections
        return drained

    async def _serve(self, request: web.BaseRequest) -> web.StreamResponse:
        if self._stopping.is_set():
            refused = response(503, b"", [("Retry-After", "1")])
            refused.force_close()
            return refused
        refusal = _refusal(request)
        if refusal is not None:
            refused = response(refusal)
            refused.force_close()
            return refused
        self._in_flight += 1
        self._idle.clear()
        try:
            body = await _read_body(request)
            if body is None:
                too_large = response(413)
                too_large.force_close()
                return too_large
            answer = await self._handler(request, body)
            if self._stopping.is_set():
                answer.force_close()
            return answer
        finally:
            self._in_flight -= 1
            if not self._in_flight:
                self._idle.set()
