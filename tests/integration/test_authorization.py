"""Who may call what, through the app's registered functions on a real Azurite, with bearer
tokens the app verifies against its issuer's published keys (tests/auth.py): customer A against
customer B on every route, each back-office role, forged principal headers, and a caller whose
token does not verify."""

from __future__ import annotations

import asyncio
import urllib.request
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from shared import bootstrap
from shared.auth import READ_ALL, READ_WRITE_ALL
from tests.auth import headers_for, platform_on
from tests.forged_tokens import principal_headers
from tests.integration.uploads import http_status, make_thumbnail, stored
from tests.support import call_http, json_of, upload_blobs
from tests.unit.images import factories as f

if TYPE_CHECKING:
    from collections.abc import Awaitable

    import azure.functions as func

    from devhost.azurite import Azurite

pytestmark = pytest.mark.usefixtures("easy_auth")

OPS = "ops-" + uuid.uuid4().hex[:8]
AUDITOR = "auditor-" + uuid.uuid4().hex[:8]


@pytest.fixture
async def easy_auth(storage_env: Azurite, monkeypatch: pytest.MonkeyPatch) -> None:
    platform_on(monkeypatch)
    await bootstrap.reset()


def customer() -> str:
    return f"c-{uuid.uuid4().hex[:12]}"


def as_(oid: str, *roles: str) -> dict[str, str]:
    return headers_for(oid, roles=roles)


def body(**fields: Any) -> dict[str, Any]:
    return {"product_id": "p-1", "quantity": 1, "total_amount": 5} | fields


async def create(oid: str, *roles: str, **fields: Any) -> func.HttpResponse:
    return await call_http("create_order", "POST", headers=as_(oid, *roles), body=body(**fields))


def problem(response: func.HttpResponse) -> str:
    assert response.mimetype == "application/problem+json", response.get_body()
    return str(json_of(response)["type"]).rsplit(":", 1)[-1]


async def test_no_caller_is_401_with_a_bearer_challenge_on_every_route_but_the_anonymous() -> None:
    for name, method, route in [
        ("create_order", "POST", {}),
        ("list_orders", "GET", {}),
        ("get_order", "GET", {"order_id": "x"}),
        ("update_order", "PATCH", {"order_id": "x"}),
        ("delete_order", "DELETE", {"order_id": "x"}),
        ("list_customer_orders", "GET", {"customer_id": "x"}),
        ("get_order_report", "GET", {}),
        ("create_image_upload", "POST", {}),
        ("get_image_status", "GET", {"name": "a.jpg"}),
    ]:
        response = await call_http(name, method, route_params=route, body={})
        assert response.status_code == 401, name
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert problem(response) == "unauthenticated"
    for name in ("health", "openapi", "upload_page"):
        assert (await call_http(name, "GET")).status_code == 200, name


async def test_a_forged_principal_or_malformed_authorization_is_401_never_500() -> None:
    """The platform's principal header is not what the app trusts, with or without the
    platform's WEBSITE_AUTH_ENABLED (set here): a principal that claims a role, beside no token
    or a broken one, gets 401 like any caller without a valid token."""
    forged = principal_headers(OPS, roles=[READ_WRITE_ALL])
    for authorization in (
        None,
        "Bearer",
        "Bearer a.b.c",
        "Basic b3BzOg==",
        "Bearer " + "x" * 20_000,
    ):
        headers = forged | ({"Authorization": authorization} if authorization else {})
        response = await call_http("get_order_report", "GET", headers=headers)
        assert response.status_code == 401, authorization and authorization[:12]
        assert problem(response) == "unauthenticated"


async def test_a_customer_token_beside_a_forged_back_office_principal_stays_a_customer() -> None:
    """The principal header names the token's own oid and adds a role: the app reads the
    token's claims, not the header's (docs/security.md, "Trust")."""
    headers = as_(OPS) | principal_headers(OPS, roles=[READ_WRITE_ALL])
    response = await call_http("get_order_report", "GET", headers=headers)
    assert (response.status_code, problem(response)) == (403, "forbidden")


async def test_a_customer_creates_only_for_themselves() -> None:
    a, b = customer(), customer()
    implied = await create(a)  # no customer_id: the principal's
    assert implied.status_code == 201
    assert json_of(implied)["customer_id"] == a
    assert (await create(a, customer_id=a)).status_code == 201
    refused = await create(a, customer_id=b)
    assert (refused.status_code, problem(refused)) == (403, "forbidden")


async def test_another_customers_order_is_404_on_read_change_and_delete() -> None:
    """Answered exactly as an order that does not exist: nothing tells the two apart."""
    a, b = customer(), customer()
    order = json_of(await create(a))
    route = {"order_id": order["order_id"]}
    unknown = str(uuid.uuid4())
    missing = json_of(
        await call_http("get_order", "GET", route_params={"order_id": unknown}, headers=as_(b))
    )
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("get_order", "GET", {}),
        ("update_order", "PATCH", {"body": {"quantity": 2}}),
        ("delete_order", "DELETE", {}),
    ]
    for name, method, extra in calls:
        headers = as_(b) | {"If-Match": "*"}
        response = await call_http(name, method, route_params=route, headers=headers, **extra)
        assert response.status_code == 404, name
        answered = json_of(response)
        assert answered["detail"] == missing["detail"].replace(unknown, order["order_id"])
        assert answered | {"detail": ""} == missing | {"detail": ""}
    mine = await call_http("get_order", "GET", route_params=route, headers=as_(a))
    assert mine.status_code == 200
    audit = await call_http("get_order", "GET", route_params=route, headers=as_(AUDITOR, READ_ALL))
    assert audit.status_code == 200


async def test_a_customer_lists_only_their_own_orders() -> None:
    a, b = customer(), customer()
    mine = {json_of(await create(a))["order_id"] for _ in range(3)}
    theirs = json_of(await create(b))["order_id"]
    listed = json_of(await call_http("list_orders", "GET", headers=as_(a)))["items"]
    assert {o["order_id"] for o in listed} == mine
    asked_for_b = await call_http("list_orders", "GET", headers=as_(a), params={"customer_id": b})
    assert json_of(asked_for_b)["items"] == []
    everyone = await call_http(
        "list_orders", "GET", headers=as_(OPS, READ_WRITE_ALL), params={"customer_id": b}
    )
    assert [o["order_id"] for o in json_of(everyone)["items"]] == [theirs]


async def test_another_customers_view_is_404_and_the_back_office_sees_any() -> None:
    a, b = customer(), customer()
    own = await call_http(
        "list_customer_orders", "GET", route_params={"customer_id": a}, headers=as_(a)
    )
    assert own.status_code == 200
    other = await call_http(
        "list_customer_orders", "GET", route_params={"customer_id": b}, headers=as_(a)
    )
    assert (other.status_code, problem(other)) == (404, "not-found")
    audit = await call_http(
        "list_customer_orders",
        "GET",
        route_params={"customer_id": b},
        headers=as_(AUDITOR, READ_ALL),
    )
    assert audit.status_code == 200


async def test_reports_are_for_the_back_office_only() -> None:
    refused = await call_http("get_order_report", "GET", headers=as_(customer()))
    assert (refused.status_code, problem(refused)) == (403, "forbidden")
    for roles in ([READ_ALL], [READ_WRITE_ALL]):
        report = await call_http("get_order_report", "GET", headers=as_(OPS, *roles))
        assert report.status_code == 200


async def test_the_read_role_reads_and_writes_nothing() -> None:
    a = customer()
    order = json_of(await create(a))
    route = {"order_id": order["order_id"]}
    auditor = as_(AUDITOR, READ_ALL)
    assert (
        await call_http("get_order", "GET", route_params=route, headers=auditor)
    ).status_code == 200
    writes = [
        await create(AUDITOR, READ_ALL, customer_id=a),
        await call_http(
            "update_order",
            "PATCH",
            route_params=route,
            body={"quantity": 2},
            headers=auditor | {"If-Match": "*"},
        ),
        await call_http(
            "delete_order", "DELETE", route_params=route, headers=auditor | {"If-Match": "*"}
        ),
        await call_http(
            "create_image_upload",
            "POST",
            headers=auditor,
            body={"name": "a.jpg", "content_type": "image/jpeg"},
        ),
    ]
    assert [(w.status_code, problem(w)) for w in writes] == [(403, "forbidden")] * 4


async def test_the_read_write_role_changes_any_customers_order() -> None:
    order = json_of(await create(customer()))
    route = {"order_id": order["order_id"]}
    ops = as_(OPS, READ_WRITE_ALL) | {"If-Match": "*"}
    changed = await call_http(
        "update_order", "PATCH", route_params=route, body={"quantity": 4}, headers=ops
    )
    assert changed.status_code == 200
    assert (
        await call_http("delete_order", "DELETE", route_params=route, headers=ops)
    ).status_code == 204


async def test_an_idempotency_key_belongs_to_its_caller() -> None:
    a, b = customer(), customer()
    key = {"Idempotency-Key": f'"{uuid.uuid4().hex}"'}
    first = await call_http("create_order", "POST", headers=as_(a) | key, body=body())
    again = await call_http("create_order", "POST", headers=as_(a) | key, body=body())
    other = await call_http("create_order", "POST", headers=as_(b) | key, body=body())
    assert again.headers.get("Idempotency-Replayed") == "true"
    assert json_of(again)["order_id"] == json_of(first)["order_id"]
    assert other.status_code == 201 and "Idempotency-Replayed" not in other.headers
    assert json_of(other)["order_id"] != json_of(first)["order_id"]
    assert json_of(other)["customer_id"] == b


async def test_a_customers_images_live_in_their_own_folder() -> None:
    """A uploads and the trigger makes the thumbnail: A reads its status, B asking for the
    same image, by A's folder or by the same name in its own, gets 404."""
    a, b = customer(), customer()
    if not await upload_blobs().get_container_client("uploads").exists():
        await upload_blobs().create_container("uploads")
    ticket = await call_http(
        "create_image_upload",
        "POST",
        headers=as_(a),
        body={"name": "holiday/a.jpg", "content_type": "image/jpeg"},
    )
    assert ticket.status_code == 200
    assert json_of(ticket)["name"] == "holiday/a.jpg"
    assert f"/uploads/{a}/holiday/a.jpg?" in json_of(ticket)["upload_url"]
    put = urllib.request.Request(
        json_of(ticket)["upload_url"],
        data=f.encode(f.quadrants(), "JPEG"),
        method="PUT",
        headers={"x-ms-blob-type": "BlockBlob", "Content-Type": "image/jpeg"},
    )
    assert await asyncio.to_thread(http_status, put) == 201  # the customer's own PUT
    await make_thumbnail(await stored(f"{a}/holiday/a.jpg"))

    def status_as(oid: str, name: str) -> Awaitable[func.HttpResponse]:
        return call_http("get_image_status", "GET", route_params={"name": name}, headers=as_(oid))

    mine = await status_as(a, "holiday/a.jpg")
    assert (mine.status_code, json_of(mine)["status"]) == (200, "ready")
    assert (await status_as(b, f"{a}/holiday/a.jpg")).status_code == 404
    assert (await status_as(b, "holiday/a.jpg")).status_code == 404  # b's own: never uploaded


async def test_with_authentication_required_and_no_issuer_every_function_fails_closed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AUTH_ISSUER")
    await bootstrap.reset()
    for name in ("list_orders", "health"):
        response = await call_http(name, "GET", headers=as_(OPS, READ_WRITE_ALL))
        assert (response.status_code, problem(response)) == (503, "misconfigured"), name
        assert "AUTH_ISSUER" in json_of(response)["detail"]
        assert "AUTH_REQUIRED=false" not in json_of(response)["detail"]


async def test_without_the_platform_switch_a_valid_token_still_works(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """WEBSITE_AUTH_ENABLED neither opens nor closes anything: the token decides."""
    monkeypatch.delenv("WEBSITE_AUTH_ENABLED")
    await bootstrap.reset()
    response = await call_http("get_order_report", "GET", headers=as_(AUDITOR, READ_ALL))
    assert response.status_code == 200, response.get_body()


async def test_a_token_of_a_client_application_not_allowed_is_403_naming_the_client() -> None:
    stranger = "11111111-2222-3333-4444-555555555555"
    response = await call_http(
        "list_orders", "GET", headers=headers_for(OPS, roles=[READ_WRITE_ALL], client=stranger)
    )
    assert (response.status_code, problem(response)) == (403, "client-not-allowed")
    assert stranger in json_of(response)["detail"]


async def test_an_expired_or_foreign_token_is_401() -> None:
    expired = headers_for(OPS, roles=[READ_WRITE_ALL], expires_in=-300)
    foreign = headers_for(OPS, roles=[READ_WRITE_ALL], extra={"iss": "https://evil.example/v2.0"})
    for headers in (expired, foreign):
        response = await call_http("list_orders", "GET", headers=headers)
        assert (response.status_code, problem(response)) == (401, "unauthenticated")
