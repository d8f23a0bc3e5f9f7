"""devhost --easy-auth over real HTTP, with real Azurite: the platform's lock in front of the
app, and the app's rules behind it, as a caller on Azure meets them.

The lock: no route but the excluded paths (health, the OpenAPI document, the upload page's
files, the blobs webhook) answers without a valid token of the local issuer; every refused
token is answered 401 with a Bearer challenge by the platform itself, never by the app (an
empty body, no invocation). The rules: customer A against customer B on every route, each
back-office role, the idempotency key per caller. One devhost for the module.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from devhost.auth import mint
from devhost.keys import HostKeys
from shared.auth import READ_ALL, READ_WRITE_ALL
from tests import forged_tokens as forged
from tests.e2e.callers import Caller, back_office, customer, problem_type
from tests.e2e.harness import ROOT, request, wait_for
from tests.unit.images import factories as f

if TYPE_CHECKING:
    from collections.abc import Callable

    from devhost.auth import LocalIssuer
    from tests.e2e.harness import DevhostProcess, Response

WAIT_S = 60  # a bound for giving up on the change feed or a thumbnail, not a speed
PROTECTED = [
    ("POST", "/api/orders"),
    ("GET", "/api/orders"),
    ("GET", "/api/orders/00000000-0000-0000-0000-000000000000"),
    ("PATCH", "/api/orders/00000000-0000-0000-0000-000000000000"),
    ("DELETE", "/api/orders/00000000-0000-0000-0000-000000000000"),
    ("GET", "/api/customers/c-1/orders"),
    ("GET", "/api/reports/orders"),
    ("POST", "/api/images"),
    ("GET", "/api/images/holiday/a.jpg"),
    ("GET", "/api/no-such-route"),  # refused before routing, as the platform does
    ("POST", "/runtime/webhooks/eventgrid"),  # only the blobs webhook is excluded
]
ANONYMOUS = [
    "/api/health",
    "/api/openapi.json",
    "/api/upload",
    "/api/upload/upload.js",
    "/api/upload/upload.css",
]
REFUSED: dict[str, Callable[[LocalIssuer], str]] = {
    "expired": lambda i: mint(i, str(uuid.uuid4()), roles=[READ_WRITE_ALL], expires_in=-600),
    "another issuer": lambda i: forged.reissued(
        i, str(uuid.uuid4()), iss="https://login.microsoftonline.com/common/v2.0"
    ),
    "another key": lambda i: forged.signed_by_another_key(i, str(uuid.uuid4())),
    "edited claims": lambda i: forged.tampered(i, str(uuid.uuid4()), roles=[READ_WRITE_ALL]),
    "alg none": lambda i: forged.unsigned(i, str(uuid.uuid4()), roles=[READ_WRITE_ALL]),
    "HS256 keyed with the public key": lambda i: forged.hs256_with_public_key(
        i, str(uuid.uuid4()), roles=[READ_WRITE_ALL]
    ),
}


@pytest.fixture(scope="module")
def host(easy_auth_host: DevhostProcess) -> DevhostProcess:
    return easy_auth_host


def http_invocations(host: DevhostProcess) -> int:
    return sum(1 for run in host.invocations() if run.get("trigger") == "httpTrigger")


def assert_refused_by_the_platform(response: Response, challenge: str = "Bearer") -> None:
    assert response.status == 401, (response.status, response.body)
    assert response.headers["WWW-Authenticate"].startswith(challenge)
    assert response.body == b""  # the app's own 401 is problem+json: this never reached it


def token_command(*argv: str) -> str:
    """`python -m devhost.auth token ...` as a user runs it, from the repository."""
    command = [sys.executable, "-m", "devhost.auth", "token", *argv, "--script-root", str(ROOT)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
    return done.stdout.strip()


# The platform's lock ------------------------------------------------------------------------


def test_without_a_token_only_the_excluded_paths_answer(host: DevhostProcess) -> None:
    before = http_invocations(host)
    for method, path in PROTECTED:
        response = host.call(method, path, body=b"{}" if method != "GET" else None)
        assert_refused_by_the_platform(response)
        assert response.headers["WWW-Authenticate"] == "Bearer", path
    assert http_invocations(host) == before
    for path in ANONYMOUS:
        assert host.call("GET", path).status == 200, path


def test_a_forged_principal_without_a_token_is_refused(host: DevhostProcess) -> None:
    forged_principal = forged.principal_headers(str(uuid.uuid4()), roles=[READ_WRITE_ALL])
    lower = {name.lower(): value for name, value in forged_principal.items()}
    for sent in (forged_principal, lower):
        assert_refused_by_the_platform(host.call("GET", "/api/orders", headers=sent))


@pytest.mark.parametrize("kind", REFUSED)
def test_a_token_easy_auth_would_refuse_is_401(
    host: DevhostProcess, issuer: LocalIssuer, kind: str
) -> None:
    sent = {"Authorization": f"Bearer {REFUSED[kind](issuer)}"}
    response = host.call("GET", "/api/reports/orders", headers=sent)
    assert_refused_by_the_platform(response, 'Bearer error="invalid_token"')


def test_the_token_command_mints_what_devhost_accepts_and_a_wrong_audience_on_request(
    host: DevhostProcess,
) -> None:
    good = token_command("--oid", str(uuid.uuid4()), "--role", READ_ALL)
    answered = host.call("GET", "/api/reports/orders", headers={"Authorization": f"Bearer {good}"})
    assert answered.status == 200, answered.body
    other = token_command("--oid", str(uuid.uuid4()), "--audience", "api://another-app")
    refused = host.call("GET", "/api/orders", headers={"Authorization": f"Bearer {other}"})
    assert_refused_by_the_platform(refused, 'Bearer error="invalid_token"')
    assert "audience" in refused.headers["WWW-Authenticate"]


def test_a_client_application_not_allowed_is_403_from_the_platform(
    host: DevhostProcess,
) -> None:
    """allowedApplications, as infra sets it: the Azure CLI's token (or any client's) is
    valid, but its client id is not on the list, so the app never runs."""
    before = http_invocations(host)
    cli = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
    token = token_command("--oid", str(uuid.uuid4()), "--role", READ_WRITE_ALL, "--client", cli)
    refused = host.call("GET", "/api/reports/orders", headers={"Authorization": f"Bearer {token}"})
    assert (refused.status, refused.body) == (403, b"")
    assert http_invocations(host) == before


def test_excluded_paths_ignore_a_bad_token_and_the_webhook_keeps_working(
    host: DevhostProcess, issuer: LocalIssuer
) -> None:
    bad = {"Authorization": f"Bearer {forged.unsigned(issuer, 'x')}"}
    assert host.call("GET", "/api/health", headers=bad).status == 200
    handshake = host.call(
        "POST",
        "/runtime/webhooks/blobs?functionName=Host.Functions.make_thumbnail&code="
        + HostKeys.open(ROOT).system["blobs_extension"],  # the host's lock, as on Azure
        body=json.dumps([{"data": {"validationCode": "abc"}}]).encode(),
        headers={"aeg-event-type": "SubscriptionValidation", "Content-Type": "application/json"},
    )
    assert (handshake.status, handshake.json()) == (200, {"validationResponse": "abc"})


def test_cors_preflights_and_the_admin_api_need_no_token(host: DevhostProcess) -> None:
    origin = "http://localhost:3000"  # CORS_ALLOWED_ORIGINS of the example settings
    preflight = host.call(
        "OPTIONS",
        "/api/orders",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert preflight.status == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == origin
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    assert host.admin("GET", "/admin/host/status").status == 200  # the host's key, no token


def test_a_forged_principal_beside_a_customers_token_is_replaced(
    host: DevhostProcess, issuer: LocalIssuer
) -> None:
    a, b = customer(host, issuer), customer(host, issuer)
    theirs = b.create().json()["order_id"]
    forged_principal = forged.principal_headers(str(uuid.uuid4()), roles=[READ_WRITE_ALL])
    assert a.call("GET", f"/api/orders/{theirs}", headers=forged_principal).status == 404
    assert a.call("GET", "/api/reports/orders", headers=forged_principal).status == 403


# The app's rules behind it ------------------------------------------------------------------


def test_customers_create_only_for_themselves(host: DevhostProcess, issuer: LocalIssuer) -> None:
    a, b = customer(host, issuer), customer(host, issuer)
    created = a.create()
    assert created.status == 201
    assert created.json()["customer_id"] == a.customer
    refused = a.create(customer_id=b.customer)
    assert (refused.status, problem_type(refused)) == (403, "forbidden")
    nameless = Caller(host, mint(issuer, str(uuid.uuid4())))  # no customer_id claim
    assert (nameless.create().status, problem_type(nameless.create())) == (403, "forbidden")


def test_another_customers_order_is_404_on_read_change_and_delete(
    host: DevhostProcess, issuer: LocalIssuer
) -> None:
    a, b = customer(host, issuer), customer(host, issuer)
    order = a.create().json()["order_id"]
    unknown = b.call("GET", f"/api/orders/{uuid.uuid4()}")
    for method, body in (("GET", None), ("PATCH", {"quantity": 2}), ("DELETE", None)):
        response = b.call(method, f"/api/orders/{order}", body, headers={"If-Match": "*"})
        assert (response.status, problem_type(response)) == (404, "order-not-found"), method
        # Nothing tells it from an order that does not exist.
        assert response.json() | {"detail": ""} == unknown.json() | {"detail": ""}
    assert a.call("GET", f"/api/orders/{order}").json()["quantity"] == 1  # untouched


def test_a_customer_lists_only_their_own_orders(host: DevhostProcess, issuer: LocalIssuer) -> None:
    a, b = customer(host, issuer), customer(host, issuer)
    mine = {a.create().json()["order_id"] for _ in range(2)}
    b.create()
    assert {o["order_id"] for o in a.call("GET", "/api/orders").json()["items"]} == mine
    asked_for_b = a.call("GET", f"/api/orders?customer_id={b.customer}")
    assert asked_for_b.json()["items"] == []


def test_the_customer_view_is_the_customers_own(host: DevhostProcess, issuer: LocalIssuer) -> None:
    a, b = customer(host, issuer), customer(host, issuer)
    auditor = back_office(host, issuer, READ_ALL)
    mine = {a.create().json()["order_id"] for _ in range(2)}
    view = f"/api/customers/{a.customer}/orders"

    def fed() -> bool:  # the view is fed by the queue: wait for it
        listed = a.call("GET", view)
        return listed.status == 200 and {o["order_id"] for o in listed.json()["items"]} == mine

    wait_for(fed, WAIT_S, interval=0.2)
    other = b.call("GET", view)
    assert (other.status, problem_type(other)) == (404, "not-found")
    seen = auditor.call("GET", view).json()["items"]
    assert {o["order_id"] for o in seen} == mine


def test_a_customers_images_are_theirs_alone(host: DevhostProcess, issuer: LocalIssuer) -> None:
    a, b = customer(host, issuer), customer(host, issuer)
    auditor = back_office(host, issuer, READ_ALL)
    ticket = a.call("POST", "/api/images", {"name": "holiday/a.jpg", "content_type": "image/jpeg"})
    assert ticket.status == 200, ticket.body
    assert f"/uploads/{a.customer}/holiday/a.jpg?" in ticket.json()["upload_url"]
    put = request(
        "PUT",
        ticket.json()["upload_url"],
        body=f.oriented_jpeg(1, (400, 300)),
        headers={"x-ms-blob-type": "BlockBlob", "Content-Type": "image/jpeg"},
    )
    assert put.status == 201

    def ready() -> Response | None:
        status = a.call("GET", "/api/images/holiday/a.jpg")
        return status if status.json().get("status") == "ready" else None

    mine = wait_for(ready, WAIT_S, interval=0.2)
    for name in ("holiday/a.jpg", f"{a.customer}/holiday/a.jpg"):
        refused = b.call("GET", f"/api/images/{name}")
        assert (refused.status, problem_type(refused)) == (404, "not-found"), name
    audited = auditor.call("GET", f"/api/images/{a.customer}/holiday/a.jpg")
    assert audited.status == 200
    assert audited.json()["source_etag"] == mine.json()["source_etag"]


def test_an_idempotency_key_belongs_to_its_caller(
    host: DevhostProcess, issuer: LocalIssuer
) -> None:
    a, b = customer(host, issuer), customer(host, issuer)
    key = {"Idempotency-Key": f'"{uuid.uuid4().hex}"'}
    body = {"product_id": "p-1", "quantity": 1, "total_amount": 5}
    first = a.call("POST", "/api/orders", body, headers=key)
    again = a.call("POST", "/api/orders", body, headers=key)
    other = b.call("POST", "/api/orders", body, headers=key)
    assert (first.status, again.status, other.status) == (201, 201, 201)
    assert again.headers["Idempotency-Replayed"] == "true"
    assert again.json()["order_id"] == first.json()["order_id"]
    assert other.headers["Idempotency-Replayed"] is None
    assert other.json()["order_id"] != first.json()["order_id"]
    assert other.json()["customer_id"] == b.customer


def test_reports_are_for_the_back_office(host: DevhostProcess, issuer: LocalIssuer) -> None:
    today = datetime.now(UTC).date().isoformat()
    refused = customer(host, issuer).call("GET", f"/api/reports/orders?date={today}")
    assert (refused.status, problem_type(refused)) == (403, "forbidden")
    for role in (READ_ALL, READ_WRITE_ALL):
        report = back_office(host, issuer, role).call("GET", f"/api/reports/orders?date={today}")
        assert report.status == 200, role


def test_the_read_role_reads_everything_and_writes_nothing(
    host: DevhostProcess, issuer: LocalIssuer
) -> None:
    a = customer(host, issuer)
    auditor = back_office(host, issuer, READ_ALL)
    order = a.create().json()["order_id"]
    assert auditor.call("GET", f"/api/orders/{order}").status == 200
    listed = auditor.call("GET", f"/api/orders?customer_id={a.customer}").json()["items"]
    assert [o["order_id"] for o in listed] == [order]
    writes = [
        auditor.create(customer_id=a.customer),
        auditor.call("PATCH", f"/api/orders/{order}", {"quantity": 2}, {"If-Match": "*"}),
        auditor.call("DELETE", f"/api/orders/{order}", headers={"If-Match": "*"}),
        auditor.call("POST", "/api/images", {"name": "x/a.jpg", "content_type": "image/jpeg"}),
    ]
    assert [(w.status, problem_type(w)) for w in writes] == [(403, "forbidden")] * 4


def test_the_read_write_role_acts_for_any_customer(
    host: DevhostProcess, issuer: LocalIssuer
) -> None:
    a = customer(host, issuer)
    ops = back_office(host, issuer, READ_WRITE_ALL)
    created = ops.create(customer_id=a.customer)
    assert (created.status, created.json()["customer_id"]) == (201, a.customer)
    order = a.create().json()["order_id"]
    changed = ops.call("PATCH", f"/api/orders/{order}", {"quantity": 3}, {"If-Match": "*"})
    assert (changed.status, changed.json()["quantity"]) == (200, 3)
    upload = ops.call(
        "POST", "/api/images", {"name": f"{a.customer}/x.jpg", "content_type": "image/jpeg"}
    )
    assert upload.status == 200
    assert f"/uploads/{a.customer}/x.jpg?" in upload.json()["upload_url"]
    assert ops.call("DELETE", f"/api/orders/{order}", headers={"If-Match": "*"}).status == 204
    assert a.call("GET", f"/api/orders/{order}").status == 404
