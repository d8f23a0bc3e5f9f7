"""What devhost's HTTP front makes of requests it cannot serve as sent: Kestrel's statuses for
what aiohttp cannot parse, and the request target's path (tests/e2e/test_hostile_requests_e2e.py
sends the requests themselves)."""

from __future__ import annotations

import pytest
from aiohttp.http_exceptions import BadHttpMessage, InvalidURLError, LineTooLong

from devhost.frontend.dispatch import request_target
from devhost.frontend.functions import function_url
from devhost.frontend.protocol import (
    MAX_HEADER_BYTES,
    MAX_HEADER_COUNT,
    MAX_REQUEST_LINE_BYTES,
    headers_too_large,
    refusal,
)


def test_the_limits_are_kestrels_defaults() -> None:
    assert (MAX_REQUEST_LINE_BYTES, MAX_HEADER_BYTES, MAX_HEADER_COUNT) == (8192, 32768, 100)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (LineTooLong(b"/api/aaa...", MAX_REQUEST_LINE_BYTES), (414, "request_line_too_long")),
        (LineTooLong(b"aaa...", MAX_HEADER_BYTES), (431, "headers_too_large")),
        (BadHttpMessage("Too many headers received"), (431, "too_many_headers")),
        (InvalidURLError("Invalid char in url path"), (400, "InvalidURLError")),
        (BadHttpMessage("Invalid header value char"), (400, "BadHttpMessage")),
        (None, (400, "malformed_request")),
    ],
)
def test_a_request_aiohttp_cannot_parse_gets_kestrels_status(
    error: BaseException | None, expected: tuple[int, str]
) -> None:
    assert refusal(error) == expected


def test_the_reason_never_carries_the_requests_bytes() -> None:
    """aiohttp's message quotes the line it refused, a token's start for instance."""
    _, reason = refusal(LineTooLong(b"Bearer eyJhbGciOi...", MAX_HEADER_BYTES))
    assert "eyJ" not in reason


def test_headers_count_together_against_kestrels_total() -> None:
    half = (b"X-Half", b"a" * (MAX_HEADER_BYTES // 2 - 10))
    assert not headers_too_large([half])
    assert headers_too_large([half, half, half])


@pytest.mark.parametrize(
    ("raw", "path", "query"),
    [
        ("/api/orders?limit=5", "/api/orders", "limit=5"),
        ("/api/orders?a=1?b#frag", "/api/orders", "a=1?b"),
        # Origin form: a path that starts with // is a path, not a host (urlsplit would make
        # `evil.example` the host and route /api/orders; `//[` made urlsplit raise, a 500).
        ("//evil.example/api/orders", "//evil.example/api/orders", ""),
        ("//[", "//[", ""),
        ("http://localhost:7071/api/orders?x=1", "/api/orders", "x=1"),
        ("http://localhost:7071", "/", ""),
    ],
)
def test_the_request_target_is_split_as_kestrel_reads_it(raw: str, path: str, query: str) -> None:
    url = request_target(raw)
    assert url is not None
    assert (url.path, url.query) == (path, query)


@pytest.mark.parametrize("raw", ["*", "http://[::1/api", "ftp://h/api", "api/orders"])
def test_a_target_that_is_no_path_is_refused(raw: str) -> None:
    assert request_target(raw) is None


@pytest.mark.parametrize(
    ("raw", "host", "expected"),
    [
        ("/api/orders?limit=5", "localhost:7071", "http://localhost:7071/api/orders?limit=5"),
        ("/api/orders", None, "http://localhost/api/orders"),
        ("//evil.example/api/x", "localhost:7071", "http://localhost:7071//evil.example/api/x"),
        # The absolute form names its own authority; the Host header is not pasted before it.
        ("http://127.0.0.1:7071/api/orders?x=1", "other", "http://127.0.0.1:7071/api/orders?x=1"),
    ],
)
def test_the_function_reads_the_url_the_caller_asked_for(
    raw: str, host: str | None, expected: str
) -> None:
    target = request_target(raw)
    assert target is not None
    assert function_url(target, host) == expected
