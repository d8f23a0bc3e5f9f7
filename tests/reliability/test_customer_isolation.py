"""1000 concurrent creates by 10 customers, through the app's registered functions on a real
Azurite with the platform's principal: afterwards each customer lists exactly their own
orders, every one of them, and nothing of anyone else's."""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING

import pytest

from shared import bootstrap
from tests.auth import headers_for, platform_on
from tests.support import call_http, json_of

if TYPE_CHECKING:
    from devhost.azurite import Azurite

CUSTOMERS = 10
ORDERS = 1000
IN_FLIGHT = 50
pytestmark = pytest.mark.timeout(600)


async def test_each_of_ten_customers_lists_exactly_their_own_orders(
    storage_env: Azurite, monkeypatch: pytest.MonkeyPatch
) -> None:
    platform_on(monkeypatch)
    await bootstrap.reset()
    run = uuid.uuid4().hex[:8]
    customers = [f"iso-{run}-{n}" for n in range(CUSTOMERS)]
    bound = asyncio.Semaphore(IN_FLIGHT)
    body = {"product_id": "p", "quantity": 1, "total_amount": 1}

    async def create(n: int) -> tuple[str, str]:
        owner = customers[n % CUSTOMERS]
        async with bound:
            response = await call_http(
                "create_order", "POST", headers=headers_for(owner), body=body
            )
        assert response.status_code == 201, response.get_body()
        return owner, json_of(response)["order_id"]

    created = await asyncio.gather(*(create(n) for n in range(ORDERS)))
    for owner in customers:
        expected = {order_id for who, order_id in created if who == owner}
        assert len(expected) == ORDERS // CUSTOMERS
        assert await listed(owner) == expected


async def listed(owner: str) -> set[str]:
    """Every order `owner` lists, page by page; each must be theirs."""
    found: set[str] = set()
    continuation: str | None = None
    while True:
        params = {"limit": "100"} | ({"continuation": continuation} if continuation else {})
        page = json_of(
            await call_http("list_orders", "GET", headers=headers_for(owner), params=params)
        )
        assert {o["customer_id"] for o in page["items"]} <= {owner}
        found |= {o["order_id"] for o in page["items"]}
        continuation = page["continuation"]
        if not continuation:
            return found
