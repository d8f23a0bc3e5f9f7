"""HTTP triggers through devhost: routing, request/response mapping, errors, concurrency."""

from __future__ import annotations

import concurrent.futures
import uuid
from typing import TYPE_CHECKING

from tests.e2e.harness import raw_exchange

if TYPE_CHECKING:
    from tests.e2e.harness import DevhostProcess

JSON = {"Content-Type": "application/json"}  # the admin API runs functions only from JSON


def test_async_function_gets_route_query_headers_body_and_context(
    sample_host: DevhostProcess,
) -> None:
    response = sample_host.call(
        "POST", "/api/echo/42/a/b%20c?x=1&x=2&y=", body=b"hello", headers={"X-Probe": "p"}
    )
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["X-A"] == "1"
    document = response.json()
    assert document["method"] == "POST"
    assert document["route"] == {"id": "42", "rest": "a/b c"}
    # Repeated keys joined with ","; `y=` has no value, so the host leaves it out (ToRpcHttp).
    assert document["query"] == {"x": "1,2"}
    assert document["header"] == "p"
    assert document["body"] == "hello"
    assert document["function"] == "echo"
    uuid.UUID(document["invocation_id"])


def test_constraints_and_methods_decide_the_route(sample_host: DevhostProcess) -> None:
    guid = str(uuid.uuid4())
    assert sample_host.call("GET", f"/api/items/{guid}").body == guid.encode()
    assert sample_host.call("GET", "/api/items/not-a-guid").status == 404
    assert sample_host.call("GET", "/api/echo/not-int/x").status == 404
    assert sample_host.call("DELETE", "/api/echo/1/x").status == 404
    assert sample_host.call("GET", "/api/nowhere").status == 404
    assert sample_host.call("GET", "/echo/1/x").status == 404  # the route prefix is required


def test_unhandled_exception_is_a_bare_500_and_is_logged(sample_host: DevhostProcess) -> None:
    response = sample_host.call("GET", "/api/boom")
    assert response.status == 500
    assert b"secret" not in response.body
    assert b"Traceback" not in response.body
    failed = [i for i in sample_host.invocations("boom") if i["outcome"] == "failed"]
    assert failed
    assert "RuntimeError" in sample_host.log_text()


def test_requests_are_served_concurrently(sample_host: DevhostProcess) -> None:
    """Four requests meet at a barrier inside the (sync) function: served one at a time, the
    first would wait for the others until the barrier breaks. No clock is read, so a loaded
    machine cannot fail this (speed is measured in bench/, not asserted here). Four, because
    sync functions share the worker's thread pool, ThreadPoolExecutor's default size: at least
    five threads, on one CPU."""
    key = str(uuid.uuid4())
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        responses = list(
            pool.map(
                lambda _: sample_host.call("GET", f"/api/rendezvous?n=4&key={key}", timeout=120),
                range(4),
            )
        )
    assert [(r.status, r.body) for r in responses] == [(200, b"met")] * 4


def test_every_invocation_logs_one_structured_line(sample_host: DevhostProcess) -> None:
    before = len(sample_host.invocations("item"))
    sample_host.call("GET", f"/api/items/{uuid.uuid4()}")
    lines = sample_host.invocations("item")
    assert len(lines) == before + 1
    line = lines[-1]
    assert line["trigger"] == "httpTrigger"
    assert line["outcome"] == "succeeded"
    assert line["status"] == "200"
    assert float(line["duration_ms"]) >= 0
    uuid.UUID(line["invocation_id"])


def test_admin_endpoint_rejects_unknown_and_http_functions(sample_host: DevhostProcess) -> None:
    assert sample_host.call("POST", "/admin/functions/nope", body=b"{}", headers=JSON).status == 404
    assert sample_host.call("POST", "/admin/functions/echo", body=b"{}", headers=JSON).status == 400
    assert (
        sample_host.call("POST", "/admin/functions/tick", body=b"not json", headers=JSON).status
        == 400
    )


def test_a_non_http_function_returning_a_value_is_an_error(sample_host: DevhostProcess) -> None:
    from tests.e2e.harness import wait_for

    assert (
        sample_host.call("POST", "/admin/functions/returns_value", body=b"{}", headers=JSON).status
        == 202
    )
    line = wait_for(lambda: sample_host.invocations("returns_value"), 60)[-1]
    assert line["outcome"] == "failed"
    # The worker library's check and exception (its message differs a little by invoker).
    assert "error=RuntimeError: " in sample_host.log_text()
    assert "without a $return binding" in sample_host.log_text()


def test_any_method_is_routed_like_the_host_does(sample_host: DevhostProcess) -> None:
    """The host routes every method: one no function lists is the empty 404 of an unknown route
    (azure-functions-host#10098), not http.server's 501 HTML page."""
    for method in ("TRACE", "PROPFIND", "CONNECT"):
        response = sample_host.call(method, f"/api/items/{uuid.uuid4()}")
        assert (response.status, response.body) == (404, b""), method


def test_admin_body_nested_too_deep_is_a_400(sample_host: DevhostProcess) -> None:
    body = b'{"input": ' + b"[" * 30_000 + b"]" * 30_000 + b"}"
    assert sample_host.call("POST", "/admin/functions/tick", body=body, headers=JSON).status == 400
    assert sample_host.call("GET", "/admin/host/status").status == 200  # still serving


def test_chunked_body_reaches_the_function_whole(sample_host: DevhostProcess) -> None:
    reply = raw_exchange(
        sample_host.port,
        (
            b"POST /api/echo/7/x HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n"
            b"Connection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
        ),
    )
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    assert b'"body": "hello world"' in body


def test_body_declared_over_the_host_limit_is_413_unread(sample_host: DevhostProcess) -> None:
    """101 MB declared, 10 bytes sent: answered 413 at once and the connection closed,
    without waiting for (or reading) a body over the host's 100 MB limit."""
    reply = raw_exchange(
        sample_host.port,
        (
            b"POST /api/echo/4130/x HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Length: 105906176\r\n\r\n0123456789"
        ),
    )
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
    assert all(line.get("path") != "/api/echo/4130/x" for line in sample_host.invocations("echo"))


def test_a_header_that_is_not_utf8_is_refused_before_any_function(
    sample_host: DevhostProcess,
) -> None:
    """Kestrel decodes header values as UTF-8 and answers 400 when it cannot; the protocol's
    strings could not carry such a value to the worker either."""
    before = len(sample_host.invocations("echo"))
    reply = raw_exchange(
        sample_host.port,
        b"GET /api/echo/1/x HTTP/1.1\r\nHost: localhost\r\nIf-Match: \x84\r\n"
        b"Connection: close\r\n\r\n",
    )
    assert reply.startswith(b"HTTP/1.1 400"), reply[:200]
    assert len(sample_host.invocations("echo")) == before
    ok = raw_exchange(
        sample_host.port,
        "GET /api/echo/1/x HTTP/1.1\r\nHost: localhost\r\nX-Probe: \u00e9\r\n"
        "Connection: close\r\n\r\n".encode(),
    )
    assert ok.startswith(b"HTTP/1.1 200") and b'"header": "\\u00e9"' in ok, ok[-300:]
