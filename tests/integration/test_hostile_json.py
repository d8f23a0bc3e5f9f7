"""Any body, however hostile, gets a 4xx problem, never a 500 (issue 11)."""

from __future__ import annotations

import pytest

from tests.support import call_http, json_of

pytestmark = pytest.mark.usefixtures("storage_env")
JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(
    ("name", "method", "route"),
    [
        ("create_order", "POST", {}),
        ("update_order", "PATCH", {"order_id": "o-1"}),
        ("create_image_upload", "POST", {}),
    ],
)
async def test_deeply_nested_bodies_are_400(name: str, method: str, route: dict[str, str]) -> None:
    body = b"[" * 30_000 + b"]" * 30_000  # deep enough to exhaust the decoder's recursion, < 64 KiB
    response = await call_http(
        name, method, raw_body=body, route_params=route, headers=JSON | {"If-Match": "*"}
    )
    assert response.status_code == 400, response.get_body()[:300]
    assert response.mimetype == "application/problem+json"
    assert json_of(response)["type"].endswith(":malformed-request")


_ORDER = b'{"customer_id": "%s", "product_id": "p", "quantity": %s, "total_amount": %s}'


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("create_order", _ORDER % (b"c", b"1", b"NaN")),
        ("create_order", _ORDER % (b"c", b"Infinity", b"1")),
        ("create_order", _ORDER % (b"c\\udc00", b"1", b"1")),
        ("create_image_upload", b'{"name": "a\\ud800.png", "content_type": "image/png"}'),
    ],
)
async def test_json_outside_rfc_8259_is_400(name: str, body: bytes) -> None:
    """NaN/Infinity are not JSON; a lone surrogate escape cannot become UTF-8 later."""
    response = await call_http(name, "POST", raw_body=body, headers=JSON)
    assert response.status_code == 400, response.get_body()[:300]
    assert json_of(response)["type"].endswith(":malformed-request")
