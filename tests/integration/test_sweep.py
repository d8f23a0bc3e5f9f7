"""The nightly sweep on a real Azurite, run through the app's `nightly_sweep` timer function:
stale PENDING orders expire through the order service (with their events), fresh ones stay,
concurrent sweeps do each expiry once, a late run catches up, unsent events are relayed. The
figures are read from the sweep's summary log line, as an operator reads them."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from azure.functions.timer import TimerRequest

from shared import bootstrap
from shared.orders import services
from shared.orders.model import OrderStatus
from shared.orders.table_layout import PENDING_ROW, partition_of
from tests.integration.test_change_feed import drain, events, feed_env, own_azurite
from tests.support import BACK_OFFICE, invoke, lose_sends, table

if TYPE_CHECKING:
    from shared.orders.repository import OrderRepository

__all__ = ["feed_env", "own_azurite"]  # fixtures shared with the change-feed tests

pytestmark = pytest.mark.usefixtures("feed_env")


async def create_at(moment: datetime, customer_id: str) -> str:
    """An order created at `moment`: the service's clock is injected in-process."""
    body = {"customer_id": customer_id, "product_id": "p", "quantity": 1, "total_amount": 3}
    result = await services.create_order(
        body,
        repo=await bootstrap.order_repository(),
        clock=lambda: moment,
        caller=BACK_OFFICE,
    )
    return result.order.order_id


async def run_sweeps(caplog: pytest.LogCaptureFixture, *, runs: int = 1) -> list[dict[str, int]]:
    """Run the app's nightly_sweep `runs` times at once; each run's summary figures."""
    with caplog.at_level("INFO", logger="shared.changes.sweep"):
        caplog.clear()
        await asyncio.gather(*(invoke("nightly_sweep", TimerRequest()) for _ in range(runs)))
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("nightly_sweep ")]
    assert len(lines) == runs
    return [
        {key: int(value) for key, value in (pair.split("=") for pair in line.split()[1:7])}
        for line in lines
    ]


async def stored_status(repo: OrderRepository, order_id: str) -> OrderStatus:
    """The status of an order the test created (it is stored)."""
    order = await repo.get(order_id)
    assert order is not None
    return order.status


async def pending_rows(order_id: str) -> list[str]:
    rows = (await table("Orders")).query_entities(
        "PartitionKey eq @p and order_id eq @id and kind eq 'pending'",
        parameters={"p": partition_of(order_id), "id": order_id},
    )
    return [row["RowKey"] async for row in rows if row["RowKey"].startswith(PENDING_ROW)]


async def expired_events(order_ids: set[str]) -> list[str]:
    return [
        e.order_id
        for e in events(await drain())
        if e.order_id in order_ids and e.new_image and e.new_image["status"] == "EXPIRED"
    ]


async def test_stale_pending_orders_expire_and_fresh_ones_stay(
    caplog: pytest.LogCaptureFixture,
) -> None:
    owner, now = f"c-{uuid.uuid4().hex[:8]}", datetime.now(UTC)
    stale = {await create_at(now - timedelta(hours=h), owner) for h in (25, 49, 24 * 7)}
    fresh = {await create_at(now - timedelta(hours=23), owner), await create_at(now, owner)}
    confirmed = await create_at(now - timedelta(hours=30), owner)
    repo = await bootstrap.order_repository()
    current = await repo.get(confirmed)
    assert current is not None
    await services.update_order(
        confirmed, {"status": "CONFIRMED"}, if_match=current.etag, repo=repo, caller=BACK_OFFICE
    )
    await drain()
    [report] = await run_sweeps(caplog)  # a late run finds a week's worth too
    assert report["expired"] >= 3
    statuses = {o: await stored_status(repo, o) for o in stale | fresh | {confirmed}}
    assert {o for o, s in statuses.items() if s is OrderStatus.EXPIRED} == stale
    assert all([await pending_rows(o) == [] for o in stale])
    assert all([len(await pending_rows(o)) == 1 for o in fresh])
    assert sorted(await expired_events(stale | fresh)) == sorted(stale)


async def test_two_sweeps_at_once_expire_each_order_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    owner, now = f"c-{uuid.uuid4().hex[:8]}", datetime.now(UTC)
    stale = {await create_at(now - timedelta(days=2), owner) for _ in range(24)}
    await drain()
    reports = await run_sweeps(caplog, runs=2)
    assert sum(r["expired"] for r in reports) == len(stale)
    assert sum(r["failed"] for r in reports) == 0
    assert sorted(await expired_events(stale)) == sorted(stale)  # one EXPIRED event per order


async def test_the_sweep_relays_events_left_in_the_outbox(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    owner = f"c-{uuid.uuid4().hex[:8]}"
    with monkeypatch.context() as patch:
        lose_sends(patch)
        lost = await create_at(datetime.now(UTC) - timedelta(minutes=5), owner)
    assert [e.order_id for e in events(await drain())] == []
    [report] = await run_sweeps(caplog)
    assert report["relayed"] >= 1
    assert lost in [e.order_id for e in events(await drain())]
