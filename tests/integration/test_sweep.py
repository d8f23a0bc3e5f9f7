"""The nightly sweep on a real Azurite: stale PENDING orders expire through the order service
(with their events), fresh ones stay, concurrent sweeps do each expiry once, a late run
catches up, unsent events are relayed."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from shared.changes import run_nightly_sweep
from shared.orders import idempotency_store, order_repository, services
from shared.orders.model import OrderStatus
from shared.orders.table_layout import PENDING_ROW, partition_of
from shared.storage import table
from tests.integration.test_change_feed import drain, events, feed_env, own_azurite

__all__ = ["feed_env", "own_azurite"]  # fixtures shared with the change-feed tests

pytestmark = pytest.mark.usefixtures("feed_env")


def create_at(moment: datetime, customer_id: str) -> str:
    """An order created at `moment`: the service's clock is injected in-process."""
    body = {"customer_id": customer_id, "product_id": "p", "quantity": 1, "total_amount": 3}
    result = services.create_order(
        body, repo=order_repository(), keys=idempotency_store(), clock=lambda: moment
    )
    return result.order.order_id


def pending_rows(order_id: str) -> list[str]:
    rows = table("Orders").query_entities(
        "PartitionKey eq @p and order_id eq @id and kind eq 'pending'",
        parameters={"p": partition_of(order_id), "id": order_id},
    )
    return [row["RowKey"] for row in rows if row["RowKey"].startswith(PENDING_ROW)]


def expired_events(order_ids: set[str]) -> list[str]:
    return [
        e.order_id
        for e in events(drain())
        if e.order_id in order_ids and e.new_image and e.new_image["status"] == "EXPIRED"
    ]


def test_stale_pending_orders_expire_and_fresh_ones_stay() -> None:
    owner, now = f"c-{uuid.uuid4().hex[:8]}", datetime.now(UTC)
    stale = {create_at(now - timedelta(hours=h), owner) for h in (25, 49, 24 * 7)}
    fresh = {create_at(now - timedelta(hours=23), owner), create_at(now, owner)}
    confirmed = create_at(now - timedelta(hours=30), owner)
    repo = order_repository()
    current = repo.get(confirmed)
    services.update_order(confirmed, {"status": "CONFIRMED"}, if_match=current.etag, repo=repo)
    drain()
    report = run_nightly_sweep(past_due=True)  # a late run: it finds a week's worth too
    assert report.expired >= 3
    statuses = {o: repo.get(o).status for o in stale | fresh | {confirmed}}
    assert {o for o, s in statuses.items() if s is OrderStatus.EXPIRED} == stale
    assert all(pending_rows(o) == [] for o in stale)
    assert all(len(pending_rows(o)) == 1 for o in fresh)
    assert sorted(expired_events(stale | fresh)) == sorted(stale)


def test_two_sweeps_at_once_expire_each_order_once() -> None:
    owner, now = f"c-{uuid.uuid4().hex[:8]}", datetime.now(UTC)
    stale = {create_at(now - timedelta(days=2), owner) for _ in range(24)}
    drain()
    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(lambda _: run_nightly_sweep(past_due=False), range(2)))
    assert sum(r.expired for r in reports) == len(stale)
    assert sum(r.failed for r in reports) == 0
    assert sorted(expired_events(stale)) == sorted(stale)  # one EXPIRED event per order


def test_the_sweep_relays_events_left_in_the_outbox(monkeypatch: pytest.MonkeyPatch) -> None:
    from shared.changes import publisher

    owner = f"c-{uuid.uuid4().hex[:8]}"
    with monkeypatch.context() as patch:
        patch.setattr(publisher.QueueEventPublisher, "publish", _refuse)
        lost = create_at(datetime.now(UTC) - timedelta(minutes=5), owner)
    assert [e.order_id for e in events(drain())] == []
    report = run_nightly_sweep(past_due=False)
    assert report.relayed >= 1
    assert lost in [e.order_id for e in events(drain())]


def _refuse(self: object, event: object) -> None:
    raise ConnectionError("queue unreachable")
