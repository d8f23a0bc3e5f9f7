from __future__ import annotations

from typing import Any

import pytest

from shared.errors import PreconditionRequired
from shared.orders import services
from shared.orders.errors import (
    InvalidTransition,
    OrderNotFound,
    StaleOrder,
)
from shared.orders.events import EventType
from shared.orders.model import OrderStatus
from shared.paging import InvalidContinuationToken
from tests.support import BACK_OFFICE
from tests.unit.orders.conftest import Clock, order_body
from tests.unit.orders.fakes import FakeLegacyKeys, FakeOrderRepository

SECRET = b"test-secret"


async def create(repo: FakeOrderRepository, legacy: FakeLegacyKeys, clock: Clock, **kw: Any):
    body = kw.pop("body", order_body())
    kw.setdefault("caller", BACK_OFFICE)
    return await services.create_order(body, repo=repo, legacy_keys=legacy, clock=clock, **kw)


async def test_create_writes_pending_order_and_insert_event(repo, legacy, clock) -> None:
    result = await create(repo, legacy, clock)
    assert result.order.status is OrderStatus.PENDING
    assert result.order.created_at == "2026-11-26T12:00:00.000Z"
    assert [e.type for e in repo.events] == [EventType.INSERT]
    assert (repo.events[0].order_id, repo.events[0].version) == (result.order.order_id, 1)
    assert not result.replayed


async def test_update_requires_if_match(repo, legacy, clock) -> None:
    order = (await create(repo, legacy, clock)).order
    with pytest.raises(PreconditionRequired):
        await services.update_order(
            order.order_id, {"quantity": 3}, if_match=None, repo=repo, caller=BACK_OFFICE
        )


async def test_update_with_stale_etag_fails(repo, legacy, clock) -> None:
    order = (await create(repo, legacy, clock)).order
    await services.update_order(
        order.order_id, {"quantity": 3}, if_match=order.etag, repo=repo, caller=BACK_OFFICE
    )
    with pytest.raises(StaleOrder):
        await services.update_order(
            order.order_id, {"quantity": 4}, if_match=order.etag, repo=repo, caller=BACK_OFFICE
        )


async def test_update_bumps_version_and_emits_modify(repo, legacy, clock) -> None:
    order = (await create(repo, legacy, clock)).order
    clock.advance(minutes=5)
    updated = await services.update_order(
        order.order_id,
        {"status": "CONFIRMED", "total_amount": 5},
        if_match=order.etag,
        repo=repo,
        clock=clock,
        caller=BACK_OFFICE,
    )
    assert (updated.status, updated.version, str(updated.total_amount)) == ("CONFIRMED", 2, "5.00")
    assert updated.updated_at == "2026-11-26T12:05:00.000Z"
    assert repo.events[-1].type is EventType.MODIFY
    assert repo.events[-1].version == 2
    assert repo.events[-1].event_id != repo.events[0].event_id


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ((), "SHIPPED"),
        (("CONFIRMED", "SHIPPED"), "CANCELLED"),
        (("CANCELLED",), "PENDING"),
        (("CONFIRMED", "SHIPPED", "DELIVERED"), "CANCELLED"),
    ],
)
async def test_forbidden_transitions(repo, legacy, clock, path, target) -> None:
    order = (await create(repo, legacy, clock)).order
    for status in path:
        order = await services.update_order(
            order.order_id, {"status": status}, if_match=order.etag, repo=repo, caller=BACK_OFFICE
        )
    with pytest.raises(InvalidTransition):
        await services.update_order(
            order.order_id, {"status": target}, if_match=order.etag, repo=repo, caller=BACK_OFFICE
        )


async def test_get_unknown_or_malformed_id_is_not_found(repo) -> None:
    for order_id in ("missing", "../etc", "a" * 65):
        with pytest.raises(OrderNotFound):
            await services.get_order(order_id, repo=repo, caller=BACK_OFFICE)


async def test_delete_emits_remove_with_old_image(repo, legacy, clock) -> None:
    order = (await create(repo, legacy, clock)).order
    await services.delete_order(order.order_id, if_match=None, repo=repo, caller=BACK_OFFICE)
    assert order.order_id not in repo.orders
    event = repo.events[-1]
    assert (event.type, event.version, event.new_image) == (EventType.REMOVE, 2, None)
    assert event.old_image == order.to_public()
    with pytest.raises(OrderNotFound):
        await services.delete_order(order.order_id, if_match=None, repo=repo, caller=BACK_OFFICE)


async def test_delete_with_stale_etag_fails(repo, legacy, clock) -> None:
    order = (await create(repo, legacy, clock)).order
    with pytest.raises(StaleOrder):
        await services.delete_order(order.order_id, if_match="other", repo=repo, caller=BACK_OFFICE)


async def list_page(repo, continuation=None, customer_id="cust-1", limit="2"):
    return await services.list_orders(
        customer_id=customer_id,
        status=None,
        limit=limit,
        continuation=continuation,
        repo=repo,
        secret=SECRET,
        caller=BACK_OFFICE,
    )


async def test_list_pages_through_everything(repo, legacy, clock) -> None:
    created = {(await create(repo, legacy, clock)).order.order_id for _ in range(5)}
    await create(repo, legacy, clock, body=order_body(customer_id="someone-else"))
    seen, token = [], None
    while True:
        items, token = await list_page(repo, token)
        seen += [o.order_id for o in items]
        if token is None:
            break
    assert sorted(seen) == sorted(created)


async def test_tampered_or_foreign_token_is_rejected(repo, legacy, clock) -> None:
    for _ in range(3):
        await create(repo, legacy, clock)
    _, token = await list_page(repo)
    assert token is not None
    with pytest.raises(InvalidContinuationToken):
        await list_page(repo, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))
    with pytest.raises(InvalidContinuationToken):
        await list_page(repo, token, customer_id="cust-2")
    with pytest.raises(InvalidContinuationToken):
        await list_page(repo, "not base64 !!")
