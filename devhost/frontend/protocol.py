"""What devhost answers when a request cannot even be parsed, as Kestrel answers it.

aiohttp's parser refuses a request line or header past its limits with a 400 whose text body
quotes the start of the offending line (a header value, say a token, ends up in the log and
the answer), and an exception in devhost's own handler with `500 Server got itself in trouble`.
Kestrel, which serves the Functions host, answers 414 for a request line over
`MaxRequestLineSize` (8 KiB), 431 for headers over `MaxRequestHeadersTotalSize` (32 KiB) or
more than `MaxRequestHeaderCount` (100), 400 for any other malformed request, each with an empty
body (`BadHttpRequestException.GetException` in dotnet/aspnetcore,
src/Servers/Kestrel/Core/src/BadHttpRequestException.cs, `KestrelBadHttpRequestException` since
.NET 5; the limits:
https://learn.microsoft.com/dotnet/api/microsoft.aspnetcore.server.kestrel.core.kestrelserverlimits).
The Functions host keeps those defaults (it sets only `MaxRequestBodySize`, Program.cs in
Azure/azure-functions-host). devhost does the same, logs one line with a fixed reason (never the
request's bytes), and keeps an empty 500, logged with its stack, for a fault of its own.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMessage, LineTooLong

from devhost.frontend.responses import response

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "MAX_HEADER_BYTES",
    "MAX_HEADER_COUNT",
    "MAX_REQUEST_LINE_BYTES",
    "KestrelServer",
    "headers_too_large",
    "refusal",
]

logger = logging.getLogger(__name__)

MAX_REQUEST_LINE_BYTES = 8 * 1024  # KestrelServerLimits.MaxRequestLineSize
MAX_HEADER_BYTES = 32 * 1024  # KestrelServerLimits.MaxRequestHeadersTotalSize
MAX_HEADER_COUNT = 100  # KestrelServerLimits.MaxRequestHeaderCount


def refusal(error: BaseException | None) -> tuple[int, str]:
    """Kestrel's status for a request aiohttp could not parse, and a reason safe to log."""
    if isinstance(error, LineTooLong):
        # aiohttp names the limit it hit; the request line's differs from a header's.
        if len(error.args) > 1 and error.args[1] == MAX_REQUEST_LINE_BYTES:
            return 414, "request_line_too_long"
        return 431, "headers_too_large"
    if isinstance(error, BadHttpMessage) and "Too many headers" in error.message:
        return 431, "too_many_headers"
    return 400, "malformed_request" if error is None else type(error).__name__


def headers_too_large(raw_headers: Iterable[tuple[bytes, bytes]]) -> bool:
    """All header lines together (`name: value` and CRLF each) over Kestrel's limit; aiohttp
    checks each field alone."""
    return sum(len(name) + len(value) + 4 for name, value in raw_headers) > MAX_HEADER_BYTES


class _Protocol(web.RequestHandler):
    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if status >= 500:
            # A fault of devhost's: aiohttp logs it with its stack (and gives up if an answer
            # had started); the client gets the host's empty 500, never a traceback.
            super().handle_error(request, status, exc, message)
            answer = response(500)
        else:
            status, reason = refusal(exc)
            logger.info("http_request_refused status=%d reason=%s", status, reason)
            answer = response(status)
        answer.force_close()
        return answer


class KestrelServer(web.Server):
    """aiohttp's low-level server whose connections answer unparsable requests as Kestrel."""

    def __call__(self) -> web.RequestHandler:
        return _Protocol(self, loop=self._loop, **self._kwargs)
