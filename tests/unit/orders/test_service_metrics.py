"""The order services count what they did: created (not replays), updated by new status,
deleted; the orders blueprint counts refusals by problem type."""

from __future__ import annotations

from typing import TYPE_CHECKING

import azure.functions as func
import pytest

from blueprints.endpoint import Blueprint
from shared import bootstrap
from shared.auth import Caller
from shared.errors import InvalidInput, StorageUnavailable
from shared.orders import services
from shared.orders.model import OrderStatus
from tests.otel import attributes_of, counter_points
from tests.support import BACK_OFFICE, InvocationContext, function_name
from tests.unit.orders.conftest import order_body

if TYPE_CHECKING:
    from tests.otel import Sdk
    from tests.unit.orders.fakes import FakeOrderRepository


def _count(otel: Sdk, name: str, attributes: dict[str, str] | None = None) -> float:
    metric = otel.metric(name)
    points = counter_points(metric) if metric else []
    return sum(p.value for p in points if attributes_of(p) == (attributes or {}))


async def test_creations_updates_and_deletions_are_counted_replays_are_not(
    otel: Sdk, repo: FakeOrderRepository
) -> None:
    created, updated = (
        _count(otel, "orders.created"),
        _count(otel, "orders.updated", {"order.status": "CONFIRMED"}),
    )
    deleted = _count(otel, "orders.deleted")
    first = await services.create_order(
        order_body(), repo=repo, idempotency_key="k", caller=BACK_OFFICE
    )
    replay = await services.create_order(
        order_body(), repo=repo, idempotency_key="k", caller=BACK_OFFICE
    )
    assert replay.replayed and _count(otel, "orders.created") == created + 1

    order = await services.update_order(
        first.order.order_id,
        {"status": "CONFIRMED"},
        if_match=first.order.etag,
        repo=repo,
        caller=BACK_OFFICE,
    )
    assert order.status is OrderStatus.CONFIRMED
    assert _count(otel, "orders.updated", {"order.status": "CONFIRMED"}) == updated + 1
    await services.delete_order(order.order_id, if_match=order.etag, repo=repo, caller=BACK_OFFICE)
    assert _count(otel, "orders.deleted") == deleted + 1


async def test_refused_writes_are_counted_by_problem_type_unavailable_storage_is_not(
    otel: Sdk, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AzureWebJobsStorage", "UseDevelopmentStorage=true")
    await bootstrap.reset()
    labels = {"operation": "update", "problem.type": "validation-failed"}
    unavailable_labels = {"operation": "update", "problem.type": "storage-unavailable"}
    before = _count(otel, "orders.rejected", labels)
    unavailable = _count(otel, "orders.rejected", unavailable_labels)
    bp = Blueprint()

    @bp.endpoint("refuse", methods=["PATCH"], rejections="update")
    async def refuse(req: func.HttpRequest, caller: Caller) -> func.HttpResponse:
        raise InvalidInput("no", [])

    @bp.endpoint("cannot-reach", methods=["PATCH"], rejections="update")
    async def cannot_reach(req: func.HttpRequest, caller: Caller) -> func.HttpResponse:
        raise StorageUnavailable("down")

    app = func.FunctionApp()
    app.register_functions(bp)
    request = func.HttpRequest("PATCH", "http://localhost/api/orders/o", body=b"{}")
    answers = [
        await f.get_user_function()(request, InvocationContext(function_name(f)))
        for f in app.get_functions()
    ]
    assert sorted(a.status_code for a in answers) == [422, 503]
    assert _count(otel, "orders.rejected", labels) == before + 1
    assert _count(otel, "orders.rejected", unavailable_labels) == unavailable
