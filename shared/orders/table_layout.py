"""Where order rows live in the "Orders" table, and how they look. No SDK calls here.

Every order lives in one of PARTITIONS hash buckets together with its companion rows, so one
entity-group transaction writes them all (see docs/change-feed.md):

- ``order:{id}``: the order, with its version and the id of the event that wrote it;
- ``outbox:{id}:{version:010d}``: a change event not yet sent to the queue;
- ``pending:{created_at}:{id}``: present exactly while the order is PENDING, so the sweep
  finds stale orders with a RowKey range instead of a scan.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from shared.orders.events import OrderEvent
from shared.orders.model import Order, OrderStatus, order_from_public
from shared.table_transactions import Delete, Insert

if TYPE_CHECKING:
    from collections.abc import Mapping

    from shared.table_transactions import Operation

__all__ = [
    "OUTBOX_ROW",
    "PARTITIONS",
    "PENDING_ROW",
    "all_partitions",
    "event_from_row",
    "index_changes",
    "order_entity",
    "order_from_entity",
    "order_keys",
    "outbox_entity",
    "outbox_row_key",
    "partition_of",
    "pending_entity",
    "prefix_range",
]

PARTITIONS = 16
ORDER_ROW = "order:"
OUTBOX_ROW = "outbox:"
PENDING_ROW = "pending:"


def partition_of(order_id: str) -> str:
    bucket = int.from_bytes(hashlib.sha256(order_id.encode()).digest()[:4], "big") % PARTITIONS
    return f"p{bucket:02d}"


def all_partitions() -> tuple[str, ...]:
    return tuple(f"p{bucket:02d}" for bucket in range(PARTITIONS))


def prefix_range(prefix: str) -> tuple[str, str]:
    """RowKeys from `prefix` (inclusive) to the first key past every `prefix...` key."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


def order_keys(order_id: str) -> tuple[str, str]:
    return partition_of(order_id), ORDER_ROW + order_id


def outbox_row_key(order_id: str, version: int) -> str:
    """One outbox row per order version: two writers of one version cannot both commit."""
    return f"{OUTBOX_ROW}{order_id}:{version:010d}"


def order_entity(order: Order, event: OrderEvent) -> dict[str, Any]:
    partition, row = order_keys(order.order_id)
    public = order.to_public()
    public["total_amount"] = str(order.total_amount)
    return {
        "PartitionKey": partition,
        "RowKey": row,
        "kind": "order",
        **public,
        "version": order.version,
        "last_event_id": event.event_id,
    }


def order_from_entity(entity: Mapping[str, Any], etag: str | None) -> Order:
    return order_from_public(dict(entity), version=int(entity["version"]), etag=etag)


def outbox_entity(event: OrderEvent) -> dict[str, Any]:
    return {
        "PartitionKey": partition_of(event.order_id),
        "RowKey": outbox_row_key(event.order_id, event.version),
        "kind": "outbox",
        "event": event.to_json(),
        "created_at": event.occurred_at,
    }


def event_from_row(entity: Mapping[str, Any]) -> OrderEvent:
    return OrderEvent.from_json(str(entity["event"]))


def pending_entity(order: Order) -> dict[str, Any]:
    return {
        "PartitionKey": partition_of(order.order_id),
        "RowKey": f"{PENDING_ROW}{order.created_at}:{order.order_id}",
        "kind": "pending",
        "order_id": order.order_id,
    }


def index_changes(old: Order | None, new: Order | None) -> list[Operation]:
    """Keep exactly one pending-index row while an order is PENDING."""
    was = old is not None and old.status is OrderStatus.PENDING
    now = new is not None and new.status is OrderStatus.PENDING
    if now and not was:
        assert new is not None
        return [Insert(pending_entity(new))]
    if was and not now:
        assert old is not None
        row = pending_entity(old)
        return [Delete(row["PartitionKey"], row["RowKey"])]
    return []
