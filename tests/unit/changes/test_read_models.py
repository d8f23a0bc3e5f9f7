"""Read-model logic under at-least-once, out-of-order delivery."""

from __future__ import annotations

import itertools
import random
from decimal import Decimal

import pytest

from shared.changes.errors import ReadModelConflict
from shared.changes.read_models import apply_event, daily_report, list_customer_orders
from shared.errors import InvalidInput
from shared.orders.model import OrderStatus
from shared.paging import InvalidContinuationToken
from tests.support import BACK_OFFICE
from tests.unit.changes.conftest import History
from tests.unit.changes.fakes import FakeCustomerOrders, FakeDailySummary

DAY = "2026-11-26"


async def deliver(events, customers, summary):
    return [await apply_event(e, customers=customers, summary=summary) for e in events]


async def report(summary: FakeDailySummary) -> dict[str, tuple[int, Decimal]]:
    body = await daily_report(DAY, summary=summary, caller=BACK_OFFICE)
    return {s: (v["count"], v["total_amount"]) for s, v in body["by_status"].items() if v["count"]}


async def test_in_order_events_give_the_latest_order(customers, summary) -> None:
    life = History(amount="10.00").change(quantity=3).status(OrderStatus.CONFIRMED)
    await deliver(life.events, customers, summary)
    assert customers.visible("cust-1") == {life.current.order_id: life.current.to_public()}
    assert await report(summary) == {"CONFIRMED": (1, Decimal("10.00"))}


async def test_a_duplicate_changes_nothing(customers, summary) -> None:
    life = History().status(OrderStatus.CONFIRMED)
    await deliver(life.events, customers, summary)
    writes, rows = customers.writes, dict(summary.rows)
    results = await deliver(life.events, customers, summary)
    assert all(not r.customer_view and not r.summary for r in results)
    assert customers.writes == writes and summary.rows == rows
    assert await report(summary) == {"CONFIRMED": (1, Decimal("10.00"))}


async def test_every_delivery_order_converges_to_the_same_state() -> None:
    life = History(amount="5.50").change(quantity=2).status(OrderStatus.CONFIRMED)
    life.status(OrderStatus.SHIPPED)
    outcomes = set()
    for order in itertools.permutations(life.events):
        customers, summary = FakeCustomerOrders(), FakeDailySummary()
        await deliver(order, customers, summary)
        outcomes.add((repr(customers.visible("cust-1")), repr(await report(summary))))
    assert len(outcomes) == 1
    assert await report(summary) == {"SHIPPED": (1, Decimal("5.50"))}


async def test_an_older_event_after_a_newer_one_is_ignored(customers, summary) -> None:
    life = History().change(quantity=7).status(OrderStatus.CANCELLED)
    insert, modify, cancel = life.events
    await deliver([insert, cancel], customers, summary)
    assert not (await apply_event(modify, customers=customers, summary=summary)).customer_view
    stored = await customers.get("cust-1", life.current.order_id)
    assert stored.version == 3 and stored.order["status"] == "CANCELLED"
    assert stored.order["quantity"] == 7  # the newest image already carried the dropped change


async def test_dropped_then_redelivered_event_is_harmless(customers, summary) -> None:
    life = History().change(quantity=2).change(quantity=3)
    first, dropped, last = life.events
    await deliver([first, last], customers, summary)
    await deliver([dropped], customers, summary)  # redelivered by the relay later
    assert (await customers.get("cust-1", life.current.order_id)).order["quantity"] == 3
    assert await report(summary) == {"PENDING": (1, Decimal("10.00"))}


async def test_versions_compare_as_numbers_not_text(customers, summary) -> None:
    life = History()
    for quantity in range(2, 12):  # versions 2..11: "9" > "11" as text
        life.change(quantity=quantity)
    await deliver([life.events[-1], life.events[8]], customers, summary)
    assert (await customers.get("cust-1", life.current.order_id)).version == 11


async def test_delete_removes_from_both_models(customers, summary) -> None:
    keep, gone = History(amount="1.00"), History(amount="2.00").status(OrderStatus.CONFIRMED)
    gone.delete()
    await deliver(keep.events + gone.events, customers, summary)
    assert set(customers.visible("cust-1")) == {keep.current.order_id}
    assert await report(summary) == {"PENDING": (1, Decimal("1.00"))}


async def test_a_late_event_cannot_resurrect_a_deleted_order(customers, summary) -> None:
    life = History().status(OrderStatus.CONFIRMED).delete()
    insert, confirm, remove = life.events
    await deliver([remove, confirm, insert, remove], customers, summary)
    assert customers.visible("cust-1") == {}
    assert await report(summary) == {}


async def test_a_lost_race_rereads_and_applies(customers, summary) -> None:
    life = History().change(quantity=4)
    insert, modify = life.events
    customers.before_save = lambda: apply_event(insert, customers=customers, summary=summary)
    result = await apply_event(modify, customers=customers, summary=summary)
    assert result.customer_view
    assert (await customers.get("cust-1", life.current.order_id)).version == 2


async def test_a_lost_race_against_a_newer_event_gives_way(customers, summary) -> None:
    life = History().change(quantity=4)
    insert, modify = life.events
    summary.before_save = lambda: apply_event(modify, customers=customers, summary=summary)
    assert not (await apply_event(insert, customers=customers, summary=summary)).summary
    assert await report(summary) == {"PENDING": (1, Decimal("10.00"))}


async def test_endless_conflicts_raise_so_the_host_retries(customers, summary, monkeypatch) -> None:
    life = History()

    async def always_conflict(row, *, etag):
        raise ReadModelConflict("busy")

    monkeypatch.setattr(customers, "save", always_conflict)
    with pytest.raises(ReadModelConflict):
        await apply_event(life.events[0], customers=customers, summary=summary)


async def test_report_counts_amounts_per_status(summary, customers) -> None:
    lives = [
        History(amount="1.25"),
        History(amount="2.50").status(OrderStatus.CONFIRMED),
        History(amount="3.00").status(OrderStatus.CANCELLED),
        History(amount="4.00"),
    ]
    await deliver([e for life in lives for e in life.events], customers, summary)
    body = await daily_report(DAY, summary=summary, caller=BACK_OFFICE)
    assert body["count"] == 4 and body["total_amount"] == Decimal("10.75")
    assert body["by_status"]["PENDING"] == {"count": 2, "total_amount": Decimal("5.25")}
    assert body["by_status"]["EXPIRED"] == {"count": 0, "total_amount": Decimal("0.00")}
    assert (await daily_report("2026-11-27", summary=summary, caller=BACK_OFFICE))["count"] == 0


async def test_customer_listing_pages_filters_and_signs_tokens(customers, summary) -> None:
    lives = [History() for _ in range(5)] + [History().status(OrderStatus.CONFIRMED)]
    await deliver([e for life in lives for e in life.events], customers, summary)
    secret, seen, token = b"k", [], None
    while True:
        items, token = await list_customer_orders(
            "cust-1",
            status="PENDING",
            limit="2",
            continuation=token,
            store=customers,
            secret=secret,
            caller=BACK_OFFICE,
        )
        seen += [i["order_id"] for i in items]
        if token is None:
            break
    assert sorted(seen) == sorted(life.current.order_id for life in lives[:5])
    _, token = await list_customer_orders(
        "cust-1",
        status=None,
        limit="2",
        continuation=None,
        store=customers,
        secret=secret,
        caller=BACK_OFFICE,
    )
    with pytest.raises(InvalidContinuationToken):  # a token is bound to its query
        await list_customer_orders(
            "cust-1",
            status="PENDING",
            limit="2",
            continuation=token,
            store=customers,
            secret=secret,
            caller=BACK_OFFICE,
        )
    with pytest.raises(InvalidInput):
        await list_customer_orders(
            "bad id!",
            status=None,
            limit=None,
            continuation=None,
            store=customers,
            secret=secret,
            caller=BACK_OFFICE,
        )


async def test_an_insert_event_is_written_without_a_read(customers, summary) -> None:
    life = History(amount="3.00")
    result = await apply_event(life.events[0], customers=customers, summary=summary)
    assert result.customer_view and result.summary
    assert (customers.reads, summary.reads) == (0, 0)  # insert-first: one create each
    assert (customers.writes, summary.writes) == (1, 1)
    assert await report(summary) == {"PENDING": (1, Decimal("3.00"))}


async def test_an_insert_that_finds_a_newer_row_falls_back_and_gives_way(
    customers, summary
) -> None:
    life = History(amount="3.00").status(OrderStatus.CONFIRMED)
    insert, confirm = life.events
    await deliver([confirm], customers, summary)  # the later event arrived first
    reads = (customers.reads, summary.reads)
    result = await apply_event(insert, customers=customers, summary=summary)
    assert not result.customer_view and not result.summary
    # the create conflicted, so each model read its row once and compared versions
    assert (customers.reads, summary.reads) == (reads[0] + 1, reads[1] + 1)
    assert (await customers.get("cust-1", life.current.order_id)).version == 2
    assert await report(summary) == {"CONFIRMED": (1, Decimal("3.00"))}


async def test_report_stays_exact_under_duplicates_and_reordering(customers, summary) -> None:
    lives = [History(amount=f"{n}.25") for n in range(1, 7)]
    lives[0].status(OrderStatus.CONFIRMED).status(OrderStatus.SHIPPED)
    lives[1].change(total_amount=Decimal("99.99")).status(OrderStatus.CANCELLED)
    lives[2].delete()
    lives[3].status(OrderStatus.CONFIRMED).delete()
    events = [e for life in lives for e in life.events]
    shuffled = random.Random(12).sample(events, len(events))
    await deliver(shuffled + events[::-1] + shuffled[:5], customers, summary)
    truth: dict[str, tuple[int, Decimal]] = {}
    for life in lives:
        if life.order is not None:
            count, amount = truth.get(life.order.status.value, (0, Decimal("0.00")))
            truth[life.order.status.value] = (count + 1, amount + life.order.total_amount)
    assert await report(summary) == truth


async def test_a_crash_between_the_two_models_is_repaired_by_redelivery(
    customers, summary, monkeypatch
) -> None:
    life = History(amount="7.00").status(OrderStatus.CONFIRMED)
    insert, confirm = life.events
    await deliver([insert], customers, summary)
    real_save = summary.save

    async def crash(contribution, *, etag):
        raise ConnectionError("the process died before the summary was written")

    monkeypatch.setattr(summary, "save", crash)
    with pytest.raises(ConnectionError):  # the host will deliver the message again
        await apply_event(confirm, customers=customers, summary=summary)
    monkeypatch.setattr(summary, "save", real_save)
    assert (await customers.get("cust-1", life.current.order_id)).version == 2
    assert await report(summary) == {"PENDING": (1, Decimal("7.00"))}  # not yet applied
    again = await apply_event(confirm, customers=customers, summary=summary)
    assert (again.customer_view, again.summary) == (False, True)
    assert await report(summary) == {"CONFIRMED": (1, Decimal("7.00"))}
