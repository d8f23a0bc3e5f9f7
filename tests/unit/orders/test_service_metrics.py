"""The order services count what they did: created (not replays), updated by new status,
deleted; the orders blueprint counts refusals by problem type."""

from __future__ import annotations

from typing import TYPE_CHECKING

import azure.functions as func
import pytest

from blueprints.orders import counts_rejections
from shared.errors import InvalidInput, StorageUnavailable
from shared.orders import services
from shared.orders.model import OrderStatus
from tests.unit.orders.conftest import order_body

if TYPE_CHECKING:
    from tests.otel import Sdk
    from tests.unit.orders.fakes import FakeIdempotencyStore, FakeOrderRepository


def _count(otel: Sdk, name: str, attributes: dict[str, str] | None = None) -> float:
    metric = otel.metric(name)
    points = metric.data.data_points if metric else []
    return sum(p.value for p in points if dict(p.attributes) == (attributes or {}))


async def test_creations_updates_and_deletions_are_counted_replays_are_not(
    otel: Sdk, repo: FakeOrderRepository, keys: FakeIdempotencyStore
) -> None:
    created, updated = (
        _count(otel, "orders.created"),
        _count(otel, "orders.updated", {"order.status": "CONFIRMED"}),
    )
    deleted = _count(otel, "orders.deleted")
    first = await services.create_order(order_body(), repo=repo, keys=keys, idempotency_key="k")
    replay = await services.create_order(order_body(), repo=repo, keys=keys, idempotency_key="k")
    assert replay.replayed and _count(otel, "orders.created") == created + 1

    order = await services.update_order(
        first.order.order_id, {"status": "CONFIRMED"}, if_match=first.order.etag, repo=repo
    )
    assert order.status is OrderStatus.CONFIRMED
    assert _count(otel, "orders.updated", {"order.status": "CONFIRMED"}) == updated + 1
    await services.delete_order(order.order_id, if_match=order.etag, repo=repo)
    assert _count(otel, "orders.deleted") == deleted + 1


async def test_refused_writes_are_counted_by_problem_type_unavailable_storage_is_not(
    otel: Sdk,
) -> None:
    labels = {"operation": "update", "problem.type": "validation-failed"}
    before, unavailable = (
        _count(otel, "orders.rejected", labels),
        _count(
            otel, "orders.rejected", {"operation": "update", "problem.type": "storage-unavailable"}
        ),
    )

    async def refuse(req: func.HttpRequest) -> func.HttpResponse:
        raise InvalidInput("no", [])

    async def cannot_reach(req: func.HttpRequest) -> func.HttpResponse:
        raise StorageUnavailable("down")

    request = func.HttpRequest("PATCH", "http://localhost/api/orders/o", body=b"{}")
    for handler, error in ((refuse, InvalidInput), (cannot_reach, StorageUnavailable)):
        with pytest.raises(error):
            await counts_rejections("update")(handler)(request)
    assert _count(otel, "orders.rejected", labels) == before + 1
    assert (
        _count(
            otel, "orders.rejected", {"operation": "update", "problem.type": "storage-unavailable"}
        )
        == unavailable
    )
