"""What schemathesis found where the served OpenAPI and the server disagreed (issue 11, finding
4), each decided in docs/errors.md and pinned here through the registered functions."""

from __future__ import annotations

import re

import pytest

from shared.api_docs import openapi_document
from tests.integration.test_orders_http import assert_problem, create, new_order
from tests.support import call_http, json_of

pytestmark = pytest.mark.usefixtures("storage_env")


async def _patch(order_id: str, if_match: str, body: object | None = None):
    return await call_http(
        "update_order",
        "PATCH",
        body=body or {"quantity": 4},
        headers={"If-Match": if_match},
        route_params={"order_id": order_id},
    )


async def test_an_integral_float_is_an_integer_as_json_schema_says() -> None:
    created = await create(new_order(quantity=2086.0))
    assert created.status_code == 201, created.get_body()
    assert json_of(created)["quantity"] == 2086
    order_id = json_of(created)["order_id"]
    changed = await _patch(order_id, created.headers["ETag"], {"quantity": 7.0})
    assert changed.status_code == 200
    assert_problem(await create(new_order(quantity=2.5)), 422)
    assert_problem(await create(new_order(quantity=1e300)), 422)  # integral, out of range, fast


async def test_if_match_may_list_several_etags_and_one_current_one_is_enough() -> None:
    created = await create()
    order_id, etag = json_of(created)["order_id"], created.headers["ETag"]
    assert (await _patch(order_id, f'"c3RhbGU", W/{etag}')).status_code == 412  # weak: no match
    updated = await _patch(order_id, f'"c3RhbGU" , {etag}')
    assert updated.status_code == 200
    assert (await _patch(order_id, f'"c3RhbGU", {etag}')).status_code == 412  # that one is old
    assert (await _patch(order_id, "")).status_code == 412  # an empty list matches nothing
    latest = updated.headers["ETag"]
    assert (await _patch(order_id, f', "c3RhbGU",, {latest}')).status_code == 200


@pytest.mark.parametrize("if_match", ["garbage", '"unterminated', 'W/"a" "b"', "**", 'w/"a"'])
async def test_a_malformed_if_match_is_400_not_412(if_match: str) -> None:
    order_id = json_of(await create())["order_id"]
    assert_problem(await _patch(order_id, if_match), 400)
    deleted = await call_http(
        "delete_order",
        "DELETE",
        headers={"If-Match": if_match},
        route_params={"order_id": order_id},
    )
    assert_problem(deleted, 400)


@pytest.mark.parametrize(
    ("key", "status"),
    [
        ('"order-42"', 201),
        ("order-42b", 201),
        ('"with spaces"', 201),
        ("", 400),
        ('""', 400),
        ("x" * 256, 400),
        ("has space", 400),
        ('a"b', 400),
        ("é", 400),
    ],
)
async def test_idempotency_key_syntax(key: str, status: int) -> None:
    assert (await create(headers={"Idempotency-Key": key})).status_code == status


async def test_image_upload_refuses_unknown_fields() -> None:
    body = {"name": "contract/a.png", "content_type": "image/png", "colour": "red"}
    problem = assert_problem(await call_http("create_image_upload", "POST", body=body), 422)
    assert problem["errors"] == [{"field": "colour", "message": "is not a known field"}]


def _patterns() -> dict[str, str]:
    document = openapi_document()
    paths, schemas = document["paths"], document["components"]["schemas"]
    return {
        "key": paths["/orders"]["post"]["parameters"][0]["schema"]["pattern"],
        "if_match": paths["/orders/{order_id}"]["delete"]["parameters"][0]["schema"]["pattern"],
        "name": schemas["NewImageUpload"]["properties"]["name"]["pattern"],
    }


@pytest.mark.parametrize(
    ("pattern", "value", "accepted"),
    [
        ("key", '"order-42"', True),
        ("key", "has space", False),
        ("if_match", '"a", W/"b"', True),
        ("if_match", "garbage", False),
        ("name", "a/b.png", True),
        ("name", "a/../b.png", False),
        ("name", "zero\u200bwidth.png", False),
        ("name", "été/ü.jpg", True),
    ],
)
def test_the_document_carries_the_servers_own_patterns(
    pattern: str, value: str, accepted: bool
) -> None:
    assert (re.fullmatch(_patterns()[pattern], value) is not None) is accepted
