"""Read-model logic under at-least-once, out-of-order delivery."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from shared.changes.errors import ReadModelConflict
from shared.changes.read_models import apply_event, daily_report, list_customer_orders
from shared.errors import InvalidInput
from shared.orders.model import OrderStatus
from shared.paging import InvalidContinuationToken
from tests.unit.changes.conftest import History
from tests.unit.changes.fakes import FakeCustomerOrders, FakeDailySummary

DAY = "2026-11-26"


def deliver(events, customers, summary):
    return [apply_event(e, customers=customers, summary=summary) for e in events]


def report(summary: FakeDailySummary) -> dict[str, tuple[int, Decimal]]:
    body = daily_report(DAY, summary=summary)
    return {s: (v["count"], v["total_amount"]) for s, v in body["by_status"].items() if v["count"]}


def test_in_order_events_give_the_latest_order(customers, summary) -> None:
    life = History(amount="10.00").change(quantity=3).status(OrderStatus.CONFIRMED)
    deliver(life.events, customers, summary)
    assert customers.visible("cust-1") == {life.order.order_id: life.order.to_public()}
    assert report(summary) == {"CONFIRMED": (1, Decimal("10.00"))}


def test_a_duplicate_changes_nothing(customers, summary) -> None:
    life = History().status(OrderStatus.CONFIRMED)
    deliver(life.events, customers, summary)
    writes, tallies = customers.writes, dict(summary.shards)
    results = deliver(life.events, customers, summary)
    assert all(not r.customer_view and not r.summary for r in results)
    assert customers.writes == writes and summary.shards == tallies
    assert report(summary) == {"CONFIRMED": (1, Decimal("10.00"))}


def test_every_delivery_order_converges_to_the_same_state() -> None:
    life = History(amount="5.50").change(quantity=2).status(OrderStatus.CONFIRMED)
    life.status(OrderStatus.SHIPPED)
    outcomes = set()
    for order in itertools.permutations(life.events):
        customers, summary = FakeCustomerOrders(), FakeDailySummary()
        deliver(order, customers, summary)
        outcomes.add((repr(customers.visible("cust-1")), repr(report(summary))))
    assert len(outcomes) == 1
    assert report(summary) == {"SHIPPED": (1, Decimal("5.50"))}


def test_an_older_event_after_a_newer_one_is_ignored(customers, summary) -> None:
    life = History().change(quantity=7).status(OrderStatus.CANCELLED)
    insert, modify, cancel = life.events
    deliver([insert, cancel], customers, summary)
    assert not apply_event(modify, customers=customers, summary=summary).customer_view
    stored = customers.get("cust-1", life.order.order_id)
    assert stored.version == 3 and stored.order["status"] == "CANCELLED"
    assert stored.order["quantity"] == 7  # the newest image already carried the dropped change


def test_dropped_then_redelivered_event_is_harmless(customers, summary) -> None:
    life = History().change(quantity=2).change(quantity=3)
    first, dropped, last = life.events
    deliver([first, last], customers, summary)
    deliver([dropped], customers, summary)  # redelivered by the relay later
    assert customers.get("cust-1", life.order.order_id).order["quantity"] == 3
    assert report(summary) == {"PENDING": (1, Decimal("10.00"))}


def test_versions_compare_as_numbers_not_text(customers, summary) -> None:
    life = History()
    for quantity in range(2, 12):  # versions 2..11: "9" > "11" as text
        life.change(quantity=quantity)
    deliver([life.events[-1], life.events[8]], customers, summary)
    assert customers.get("cust-1", life.order.order_id).version == 11


def test_delete_removes_from_both_models(customers, summary) -> None:
    keep, gone = History(amount="1.00"), History(amount="2.00").status(OrderStatus.CONFIRMED)
    gone.delete()
    deliver(keep.events + gone.events, customers, summary)
    assert set(customers.visible("cust-1")) == {keep.order.order_id}
    assert report(summary) == {"PENDING": (1, Decimal("1.00"))}


def test_a_late_event_cannot_resurrect_a_deleted_order(customers, summary) -> None:
    life = History().status(OrderStatus.CONFIRMED).delete()
    insert, confirm, remove = life.events
    deliver([remove, confirm, insert, remove], customers, summary)
    assert customers.visible("cust-1") == {}
    assert report(summary) == {}


def test_a_lost_race_rereads_and_applies(customers, summary) -> None:
    life = History().change(quantity=4)
    insert, modify = life.events
    customers.before_save = lambda: apply_event(insert, customers=customers, summary=summary)
    result = apply_event(modify, customers=customers, summary=summary)
    assert result.customer_view
    assert customers.get("cust-1", life.order.order_id).version == 2


def test_a_lost_race_against_a_newer_event_gives_way(customers, summary) -> None:
    life = History().change(quantity=4)
    insert, modify = life.events
    summary.before_commit = lambda: apply_event(modify, customers=customers, summary=summary)
    assert not apply_event(insert, customers=customers, summary=summary).summary
    assert report(summary) == {"PENDING": (1, Decimal("10.00"))}


def test_endless_conflicts_raise_so_the_host_retries(customers, summary, monkeypatch) -> None:
    life = History()

    def always_conflict(row, *, etag):
        raise ReadModelConflict("busy")

    monkeypatch.setattr(customers, "save", always_conflict)
    with pytest.raises(ReadModelConflict):
        apply_event(life.events[0], customers=customers, summary=summary)


def test_report_counts_amounts_per_status(summary, customers) -> None:
    lives = [
        History(amount="1.25"),
        History(amount="2.50").status(OrderStatus.CONFIRMED),
        History(amount="3.00").status(OrderStatus.CANCELLED),
        History(amount="4.00"),
    ]
    deliver([e for life in lives for e in life.events], customers, summary)
    body = daily_report(DAY, summary=summary)
    assert body["count"] == 4 and body["total_amount"] == Decimal("10.75")
    assert body["by_status"]["PENDING"] == {"count": 2, "total_amount": Decimal("5.25")}
    assert body["by_status"]["EXPIRED"] == {"count": 0, "total_amount": Decimal("0.00")}
    assert daily_report("2026-11-27", summary=summary)["count"] == 0


def test_customer_listing_pages_filters_and_signs_tokens(customers, summary) -> None:
    lives = [History() for _ in range(5)] + [History().status(OrderStatus.CONFIRMED)]
    deliver([e for life in lives for e in life.events], customers, summary)
    secret, seen, token = b"k", [], None
    while True:
        items, token = list_customer_orders(
            "cust-1",
            status="PENDING",
            limit="2",
            continuation=token,
            store=customers,
            secret=secret,
        )
        seen += [i["order_id"] for i in items]
        if token is None:
            break
    assert sorted(seen) == sorted(life.order.order_id for life in lives[:5])
    _, token = list_customer_orders(
        "cust-1", status=None, limit="2", continuation=None, store=customers, secret=secret
    )
    with pytest.raises(InvalidContinuationToken):  # a token is bound to its query
        list_customer_orders(
            "cust-1",
            status="PENDING",
            limit="2",
            continuation=token,
            store=customers,
            secret=secret,
        )
    with pytest.raises(InvalidInput):
        list_customer_orders(
            "bad id!", status=None, limit=None, continuation=None, store=customers, secret=secret
        )
