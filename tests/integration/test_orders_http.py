"""Every line of the orders HTTP contract, through the registered functions, on Azurite."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from shared.errors import AppError
from tests.support import call_http, json_of

pytestmark = pytest.mark.usefixtures("storage_env")


def new_order(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "customer_id": f"c-{uuid.uuid4().hex[:12]}",
        "product_id": "p-1",
        "quantity": 3,
        "total_amount": 12.5,
    }
    return body | overrides


async def create(body: object | None = None, **kw):
    return await call_http("create_order", "POST", body=body or new_order(), **kw)


def assert_problem(response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_body()
    assert response.mimetype == "application/problem+json"
    problem = json_of(response)
    assert problem["status"] == status
    assert {"type", "title", "detail"} <= problem.keys()
    assert "Traceback" not in problem["detail"]
    return problem


async def test_create_returns_201_with_location_and_etag() -> None:
    response = await create()
    assert response.status_code == 201
    order = json_of(response)
    assert response.headers["Location"] == f"/api/orders/{order['order_id']}"
    assert response.headers["ETag"].startswith('"') and not response.headers["ETag"].startswith(
        "W/"
    )
    assert order["total_amount"] == 12.5 and order["status"] == "PENDING"
    assert order["created_at"].endswith("Z")


async def test_get_returns_same_order_and_etag() -> None:
    created = await create()
    order_id = json_of(created)["order_id"]
    fetched = await call_http("get_order", "GET", route_params={"order_id": order_id})
    assert fetched.status_code == 200
    assert json_of(fetched) == json_of(created)
    assert fetched.headers["ETag"] == created.headers["ETag"]


async def test_get_unknown_is_404() -> None:
    assert_problem(await call_http("get_order", "GET", route_params={"order_id": "nope"}), 404)


async def test_validation_errors_list_each_field() -> None:
    problem = assert_problem(await create(new_order(quantity=0, total_amount=1.234, extra=1)), 422)
    assert {e["field"] for e in problem["errors"]} == {"quantity", "total_amount", "extra"}


async def test_malformed_json_is_400() -> None:
    response = await call_http(
        "create_order", "POST", raw_body=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 400)


async def test_non_json_content_type_is_415() -> None:
    response = await call_http(
        "create_order",
        "POST",
        raw_body=b"a=b",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_problem(response, 415)


async def test_body_over_64_kib_is_413() -> None:
    raw = b'{"customer_id": "' + b"x" * (64 * 1024) + b'"}'
    response = await call_http(
        "create_order", "POST", raw_body=raw, headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 413)


async def patch(order_id: str, body: object, etag: str | None):
    headers = {"If-Match": etag} if etag else {}
    return await call_http(
        "update_order", "PATCH", body=body, headers=headers, route_params={"order_id": order_id}
    )


async def test_patch_updates_with_new_etag() -> None:
    created = await create()
    order_id = json_of(created)["order_id"]
    etag = created.headers["ETag"]
    response = await patch(order_id, {"status": "CONFIRMED", "quantity": 4}, etag)
    assert response.status_code == 200
    assert json_of(response)["status"] == "CONFIRMED" and json_of(response)["quantity"] == 4
    assert response.headers["ETag"] != created.headers["ETag"]


async def test_patch_without_if_match_is_428() -> None:
    order_id = json_of(await create())["order_id"]
    assert_problem(await patch(order_id, {"quantity": 4}, None), 428)


async def test_patch_with_stale_or_weak_etag_is_412() -> None:
    created = await create()
    order_id, etag = json_of(created)["order_id"], created.headers["ETag"]
    assert (await patch(order_id, {"quantity": 4}, etag)).status_code == 200
    assert_problem(await patch(order_id, {"quantity": 5}, etag), 412)
    assert_problem(await patch(order_id, {"quantity": 5}, "W/" + etag), 412)


async def test_invalid_transition_is_409() -> None:
    created = await create()
    order_id = json_of(created)["order_id"]
    assert_problem(await patch(order_id, {"status": "DELIVERED"}, created.headers["ETag"]), 409)


async def test_patch_unknown_order_is_404() -> None:
    assert_problem(await patch("missing-order", {"quantity": 2}, '"abc"'), 404)


async def delete(order_id: str, etag: str | None = None):
    headers = {"If-Match": etag} if etag else {}
    route = {"order_id": order_id}
    return await call_http("delete_order", "DELETE", headers=headers, route_params=route)


async def test_delete_is_204_then_404() -> None:
    created = await create()
    order_id = json_of(created)["order_id"]
    assert (await delete(order_id, created.headers["ETag"])).status_code == 204
    assert_problem(await call_http("get_order", "GET", route_params={"order_id": order_id}), 404)
    assert_problem(await delete(order_id), 404)


async def test_delete_with_stale_etag_is_412() -> None:
    created = await create()
    order_id = json_of(created)["order_id"]
    await patch(order_id, {"quantity": 9}, created.headers["ETag"])
    assert_problem(await delete(order_id, created.headers["ETag"]), 412)
    assert (await delete(order_id)).status_code == 204


async def test_idempotent_post_replays_and_rejects_other_body() -> None:
    body, key = new_order(), {"Idempotency-Key": f'"{uuid.uuid4()}"'}
    first = await create(body, headers=key)
    again = await create(body, headers=key)
    assert first.status_code == again.status_code == 201
    assert json_of(again) == json_of(first)
    assert again.headers["Idempotency-Replayed"] == "true"
    assert "Idempotency-Replayed" not in first.headers
    assert_problem(await create(body | {"quantity": 7}, headers=key), 422)
    listed = await call_http("list_orders", "GET", params={"customer_id": body["customer_id"]})
    assert len(json_of(listed)["items"]) == 1


async def test_bad_idempotency_key_is_400() -> None:
    assert_problem(await create(headers={"Idempotency-Key": "x" * 300}), 400)


async def test_cors_preflight_and_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    from shared import bootstrap

    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", "https://shop.example, http://localhost:3000")
    await bootstrap.reset()
    allowed = {"Origin": "https://shop.example", "Access-Control-Request-Method": "PATCH"}
    route = {"order_id": "x"}
    preflight = await call_http("get_order", "OPTIONS", headers=allowed, route_params=route)
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert "PATCH" in preflight.headers["Access-Control-Allow-Methods"]
    created = await create(headers={"Origin": "https://shop.example"})
    assert created.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert "ETag" in created.headers["Access-Control-Expose-Headers"]
    stranger = await create(headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in stranger.headers


async def test_health_ok() -> None:
    response = await call_http("health", "GET")
    assert response.status_code == 200
    assert json_of(response) == {"status": "ok", "storage": "ok"}


@pytest.mark.parametrize("error", [RuntimeError, AppError])
async def test_unexpected_error_is_generic_500_without_traceback(
    monkeypatch, caplog, error
) -> None:
    from shared.orders import services

    async def explode(*args, **kwargs):
        raise error("secret connection string AccountKey=abc")

    monkeypatch.setattr(services, "get_order", explode)
    response = await call_http("get_order", "GET", route_params={"order_id": "any"})
    problem = assert_problem(response, 500)
    assert "AccountKey" not in response.get_body().decode()
    assert problem["detail"] == "The server failed; the error was logged."
    assert any("invocation_id=" in record.getMessage() for record in caplog.records)


async def test_patch_with_if_match_star_applies() -> None:
    order_id = json_of(await create())["order_id"]
    assert (await patch(order_id, {"quantity": 8}, "*")).status_code == 200
