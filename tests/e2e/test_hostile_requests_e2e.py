"""Hostile requests through devhost's HTTP front: never a 500 for what a client sends.

A body the host cannot read into binding data still reaches the function, which answers its
own 4xx problem+json (the .NET host skips such binding data: devhost.triggerdata.http); what
devhost refuses before any function (headers over Kestrel's limits, a request line too long, an
unparsable request) is Kestrel's 4xx. Under DEVHOST_INVOKER=worker the same requests go through
Microsoft's worker library (`make test`'s 3.13 worker pass).
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devhost.auth import mint
from tests.e2e.callers import problem_type
from tests.e2e.harness import raw_exchange

if TYPE_CHECKING:
    from devhost.auth import LocalIssuer
    from tests.e2e.harness import DevhostProcess, Response

JSON = {"Content-Type": "application/json"}
READ_WRITE_ALL = "Orders.ReadWrite.All"


def _nested(depth: int, opening: bytes = b"[", closing: bytes = b"]") -> bytes:
    return opening * depth + closing * depth


HOSTILE_BODIES = {
    "nested 100,000 deep": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    "arrays 100,000 deep": _nested(100_000),
    "nested 65 deep, past the host's reader": b'{"a":' * 65 + b"1" + b"}" * 65,
    "a deep property": b'{"customer_id": ' + _nested(5000) + b"}",
    "1e999999": b'{"customer_id": "c-1", "product_id": "p", "total_amount": 1e999999}',
    "a number of 5000 digits": b'{"quantity": ' + b"9" * 5000 + b"}",
    "a number of 100,000 digits": b'{"quantity": ' + b"9" * 100_000 + b"}",
    "not UTF-8": b'{"customer_id": "\xff\xfe", "product_id": "p"}',
    "NUL bytes": b'{"customer_id": "c\x00", "\x00": 1}',
    "an escaped lone surrogate": b'{"customer_id": "\\ud800", "\\udc00": {"k": "\\ud83d"}}',
    "a raw surrogate (CESU-8)": b'{"customer_id": "\xed\xa0\x80"}',
    "not JSON": b'{"customer_id": ',
}


@pytest.fixture(params=["plain", "easy-auth"])
def orders_caller(
    request: pytest.FixtureRequest, app_host: DevhostProcess, issuer: LocalIssuer
) -> tuple[DevhostProcess, dict[str, str]]:
    """The app as `make run` serves it, and behind --easy-auth with a back-office token."""
    if request.param == "plain":
        return app_host, JSON
    host: DevhostProcess = request.getfixturevalue("easy_auth_host")
    token = mint(issuer, str(uuid.uuid4()), roles=[READ_WRITE_ALL])
    return host, JSON | {"Authorization": f"Bearer {token}"}


def _assert_the_app_answered(host: DevhostProcess, response: Response, before: int) -> None:
    assert 400 <= response.status < 500, (response.status, response.body[:200])
    problem_type(response)  # the app's problem+json, not devhost's
    lines = host.invocations("create_order")[before:]
    assert [line["status"] for line in lines] == [str(response.status)]


@pytest.mark.parametrize("body", HOSTILE_BODIES.values(), ids=HOSTILE_BODIES.keys())
def test_a_hostile_body_reaches_the_app_which_answers_4xx(
    orders_caller: tuple[DevhostProcess, dict[str, str]], body: bytes
) -> None:
    host, headers = orders_caller
    before = len(host.invocations("create_order"))
    response = host.call("POST", "/api/orders", body=body, headers=headers)
    _assert_the_app_answered(host, response, before)


_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
)
_DOCUMENTS = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)
_TEXT_BODIES = _DOCUMENTS.map(lambda document: json.dumps({"fuzz": document}).encode())
_DEEP_BODIES = st.builds(
    lambda depth, key: b'{"%s":' % key.encode() + _nested(depth) + b"}",
    st.integers(min_value=60, max_value=3000),
    st.sampled_from(["customer_id", "quantity", "a"]),
)
_ODD_BYTES = st.binary(max_size=200).map(lambda raw: b'{"customer_id": "' + raw + b'"}')


@settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=_TEXT_BODIES | _DEEP_BODIES | _ODD_BYTES)
def test_fuzzed_bodies_reach_the_app_which_answers_4xx(
    app_host: DevhostProcess, body: bytes
) -> None:
    """Never a valid order (the `fuzz` field is unknown), so each is the app's 4xx."""
    before = len(app_host.invocations("create_order"))
    response = app_host.call("POST", "/api/orders", body=body, headers=JSON)
    _assert_the_app_answered(app_host, response, before)


def _exchange(host: DevhostProcess, data: bytes) -> bytes:
    return raw_exchange(host.port, data)


def _status(reply: bytes) -> int:
    return int(reply.split(b" ", 2)[1])


def _get(path: bytes, *headers: bytes, method: bytes = b"GET") -> bytes:
    lines = [
        method + b" " + path + b" HTTP/1.1",
        b"Host: localhost",
        *headers,
        b"Connection: close",
    ]
    return b"\r\n".join(lines) + b"\r\n\r\n"


RAW_REQUESTS = {
    "a header over 32 KiB": (_get(b"/api/health", b"X-Big: " + b"a" * 40_000), 431),
    "headers over 32 KiB together": (
        _get(b"/api/health", *[b"X-%d: %s" % (i, b"a" * 4000) for i in range(10)]),
        431,
    ),
    "101 headers": (_get(b"/api/health", *[b"X-%d: a" % i for i in range(101)]), 431),
    "a request line over 8 KiB": (_get(b"/api/" + b"a" * 9000), 414),
    "a NUL in a header": (_get(b"/api/health", b"X-Nul: a\x00b"), 400),
    "a header not UTF-8": (_get(b"/api/health", b"X-Latin: \xe9"), 400),
    "a NUL in the path": (_get(b"/api/he\x00alth"), 400),
    "a method that is no token": (_get(b"/api/health", method=b"G(T"), 400),
    "//[ (urlsplit raised: a 500)": (_get(b"//["), 404),
    "//host/api/health is a path": (_get(b"//evil.example/api/health"), 404),
    "%00 in a route value": (_get(b"/api/orders/%00"), 404),
    "bad percent-encoding": (_get(b"/api/orders/%ff%fe%2F..%2F"), 404),
    "an 8000-character route value": (_get(b"/api/orders/" + b"a" * 8000), 404),
    "a method no function lists": (_get(b"/api/health", method=b"PROPFIND"), 404),
}


@pytest.mark.parametrize(
    ("request_bytes", "status"), RAW_REQUESTS.values(), ids=RAW_REQUESTS.keys()
)
def test_hostile_request_lines_and_headers_get_a_4xx(
    app_host: DevhostProcess, request_bytes: bytes, status: int
) -> None:
    reply = _exchange(app_host, request_bytes)
    assert _status(reply) == status, reply[:300]
    assert app_host.call("GET", "/api/health").status == 200  # still serving


def test_a_route_constraint_on_thousands_of_digits_is_no_match(
    sample_host: DevhostProcess,
) -> None:
    """`echo/{id:int}`: int() of over 4300 digits raised (a 500); now no route matches."""
    assert sample_host.call("GET", "/api/echo/" + "9" * 5000 + "/x").status == 404
    leading_zeros = sample_host.call("GET", "/api/echo/" + "0" * 5000 + "7/x")
    assert leading_zeros.status == 200  # int.TryParse takes leading zeros


_HEADER_VALUES = st.binary(max_size=64).map(lambda raw: raw.replace(b"\r", b"").replace(b"\n", b""))
_PATHS = st.lists(
    st.sampled_from(
        [b"api", b"orders", b"health", b"", b"[", b"%00", b"%ff", b"..", b"%2F", b"\xe9"]
    ),
    max_size=5,
).map(lambda parts: b"/" + b"/".join(parts))


@settings(max_examples=60, derandomize=True, deadline=None, database=None)
@given(
    method=st.sampled_from([b"GET", b"POST", b"DELETE", b"TRACE", b"FOO", b"OPTIONS"]),
    path=_PATHS,
    value=_HEADER_VALUES,
)
def test_fuzzed_request_lines_and_headers_never_get_a_5xx(
    app_host: DevhostProcess, method: bytes, path: bytes, value: bytes
) -> None:
    reply = _exchange(app_host, _get(path, b"X-Fuzz: " + value, method=method))
    assert _status(reply) < 500, reply[:300]
