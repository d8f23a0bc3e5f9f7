"""Sent outbox rows deleted in batches on a real Azurite: one entity-group transaction per
partition and 100 rows, rows already gone skipped at the cost of one query, rows not handed
over left alone, and two processes (each with its own cleanup) sending each event once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from shared import bootstrap, table_transactions
from shared.changes.cleanup import BatchedCleanup
from shared.changes.outbox import PublishingOrderRepository, relay_unsent
from shared.orders import services, table_backlog
from shared.orders.events import OrderEvent
from shared.orders.model import format_time
from shared.orders.table_layout import OUTBOX_ROW, outbox_row_key, partition_of
from shared.orders.table_repository import TableOrderRepository
from tests.integration.test_change_feed import drain, events, feed_env, own_azurite
from tests.support import BACK_OFFICE, table

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["feed_env", "own_azurite"]

pytestmark = pytest.mark.usefixtures("feed_env")


@pytest.fixture
def transactions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of rows of each entity-group transaction the outbox cleanup submits."""
    sizes: list[int] = []
    submit = table_transactions.submit_transaction

    async def counted(client: Any, operations: Any, **kwargs: Any) -> Any:
        sizes.append(len(operations))
        return await submit(client, operations, **kwargs)

    monkeypatch.setattr(table_backlog, "submit_transaction", counted)
    return sizes


async def committed_events(count: int, *, partition: str | None = None) -> list[OrderEvent]:
    """`count` orders created without a send (their rows stay in the outbox), optionally all
    in one partition; their events."""
    repo = TableOrderRepository(await table("Orders"))
    found: list[OrderEvent] = []
    while len(found) < count:
        order_id = str(uuid.uuid4())
        if partition and partition_of(order_id) != partition:
            continue
        body = {"customer_id": "c-cleanup", "product_id": "p", "quantity": 1, "total_amount": 2}
        result = await services.create_order(
            body,
            repo=repo,
            clock=lambda: datetime.now(UTC),
            caller=BACK_OFFICE,
            new_id=_fixed(order_id),
        )
        found.append(OrderEvent.for_change(None, result.order, now=result.order.created_at))
    return found


def _fixed(order_id: str) -> Callable[[str], str]:
    return lambda _customer: order_id


async def outbox_of(order_events: list[OrderEvent]) -> set[str]:
    """Which of these events' outbox rows exist."""
    left = set()
    for event in order_events:
        rows = (await table("Orders")).query_entities(
            "PartitionKey eq @p and RowKey eq @r",
            parameters={
                "p": partition_of(event.order_id),
                "r": outbox_row_key(event.order_id, event.version),
            },
        )
        left |= {str(row["RowKey"]) async for row in rows}
    return left


async def test_250_rows_of_one_partition_go_in_three_transactions(transactions) -> None:
    sent = await committed_events(250, partition="p07")
    kept = await committed_events(3, partition="p07")
    transactions.clear()
    backlog = await bootstrap.order_backlog()
    assert await backlog.clear_sent(sent) == 250
    assert transactions == [100, 100, 50]
    assert await outbox_of(sent) == set()
    assert len(await outbox_of(kept)) == 3  # never handed over, never deleted


async def test_rows_already_gone_cost_one_query_not_a_failure(transactions) -> None:
    sent = await committed_events(5, partition="p03")
    backlog = await bootstrap.order_backlog()
    await backlog.clear_sent(sent[1:3])  # another deleter got there first
    transactions.clear()
    assert await backlog.clear_sent(sent) == 3
    assert transactions == [5, 3]  # refused whole (404), then only what was left
    assert await outbox_of(sent) == set()


async def test_rows_of_several_partitions_go_one_transaction_per_partition(transactions) -> None:
    sent = await committed_events(40)
    transactions.clear()
    await (await bootstrap.order_backlog()).clear_sent(sent)
    assert len(transactions) == len({partition_of(e.order_id) for e in sent})
    assert await outbox_of(sent) == set()


async def test_two_processes_send_each_event_once() -> None:
    """Process A sends and keeps its rows for the next batch; process B's relay, at the same
    moment, sends none of them again; after A's batch the outbox is empty."""
    backlog, publisher = await bootstrap.order_backlog(), bootstrap.event_publisher()
    process_a = BatchedCleanup(backlog, after=3600)
    repo = PublishingOrderRepository(
        TableOrderRepository(await table("Orders")),
        publisher=publisher,
        backlog=backlog,
        cleanup=process_a,
    )
    owner = f"c-{uuid.uuid4().hex[:8]}"
    body = {"customer_id": owner, "product_id": "p", "quantity": 1, "total_amount": 2}
    created = {
        (
            await services.create_order(
                body,
                repo=repo,
                clock=lambda: datetime.now(UTC),
                caller=BACK_OFFICE,
            )
        ).order.order_id
        for _ in range(30)
    }
    process_b = BatchedCleanup(backlog)
    await relay_unsent(
        backlog=backlog,
        publisher=publisher,
        created_before=format_time(datetime.now(UTC) - timedelta(minutes=1)),
        cleanup=process_b,
    )
    # Other tests' rows of this Azurite may be old enough for the relay; none of A's is.
    assert process_a.waiting == 30
    await process_a.close()
    rows = (await table("Orders")).query_entities(
        "RowKey ge @low and RowKey lt @high", parameters={"low": OUTBOX_ROW, "high": "outbox;"}
    )
    assert [row async for row in rows if row["RowKey"].split(":")[1] in created] == []
    sent = [e.order_id for e in events(await drain()) if e.order_id in created]
    assert sorted(sent) == sorted(created)  # each once
