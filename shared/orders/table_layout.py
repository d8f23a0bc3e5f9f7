"""Where order rows live in the "Orders" table, and how they look. No SDK calls here.

Every order lives in one of PARTITIONS hash buckets together with its companion rows, so one
entity-group transaction writes them all (see docs/change-feed.md):

- ``order:{id}``: the order, with its version and the id of the event that wrote it;
- ``outbox:{id}:{version:010d}``: a change event not yet sent to the queue;
- ``pending:{created_at}:{id}``: present exactly while the order is PENDING, so the sweep
  finds stale orders with a RowKey range instead of a scan;
- ``customer:{customer_id}:{created_at}:{id}``: the order as a listing shows it, for as long
  as the order exists. A new order's id puts it in its customer's bucket
  (shared.sharding.order_id_for), so every such row of one customer sits in one partition,
  and the customer's listing is one RowKey range there: it reads their rows and no one
  else's (docs/storage-design.md). Ids are validated (`[A-Za-z0-9_-]`), so no customer's
  prefix is another's;
- ``idem:{key hash}``: the record of the Idempotency-Key that created the order, written by
  the order's own create transaction (shared.orders.idempotency), kept for 24 hours after.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from shared.orders.events import OrderEvent
from shared.orders.model import Order, OrderStatus, order_from_public
from shared.orders.repository import IdempotencyRecord
from shared.sharding import customer_bucket
from shared.table_transactions import Delete, Insert, Upsert

if TYPE_CHECKING:
    from collections.abc import Mapping

    from shared.table_transactions import Operation

__all__ = [
    "CUSTOMER_ROW",
    "KEY_ROW",
    "ORDER_ROW",
    "OUTBOX_ROW",
    "PARTITIONS",
    "PENDING_ROW",
    "all_partitions",
    "customer_entity",
    "customer_partition",
    "customer_prefix",
    "event_from_row",
    "index_changes",
    "key_entity",
    "key_keys",
    "listing_filter",
    "order_entity",
    "order_from_entity",
    "order_keys",
    "outbox_entity",
    "outbox_row_key",
    "partition_of",
    "pending_entity",
    "prefix_range",
    "record_from_entity",
]

PARTITIONS = 16
ORDER_ROW = "order:"
OUTBOX_ROW = "outbox:"
PENDING_ROW = "pending:"
CUSTOMER_ROW = "customer:"
KEY_ROW = "idem:"


def partition_of(order_id: str) -> str:
    bucket = int.from_bytes(hashlib.sha256(order_id.encode()).digest()[:4], "big") % PARTITIONS
    return f"p{bucket:02d}"


def customer_partition(customer_id: str) -> str:
    """The partition, in their account, of a customer's orders made since orders are placed
    by customer (the same in every number of accounts: shared.sharding.customer_bucket)."""
    return f"p{customer_bucket(customer_id)[1]:02d}"


def customer_prefix(customer_id: str) -> str:
    return f"{CUSTOMER_ROW}{customer_id}:"


def listing_filter(
    customer_id: str | None, status: OrderStatus | None
) -> tuple[str, dict[str, str]]:
    """A listing's filter template and parameters: a customer's is the RowKey range of their
    customer-index rows in their partition, so it reads no other customer's row; without a
    customer, the order rows of every partition. A status is a condition within that range."""
    if customer_id:
        low, high = prefix_range(customer_prefix(customer_id))
        condition = "PartitionKey eq @p and RowKey ge @low and RowKey lt @high"
        parameters = {"p": customer_partition(customer_id), "low": low, "high": high}
    else:
        low, high = prefix_range(ORDER_ROW)
        condition, parameters = "RowKey ge @low and RowKey lt @high", {"low": low, "high": high}
    if status:
        condition += " and status eq @status"
        parameters["status"] = status.value
    return condition, parameters


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


def _columns(order: Order) -> dict[str, Any]:
    public = order.to_public()
    public["total_amount"] = str(order.total_amount)  # exact: Table Storage has no decimal
    return {**public, "version": order.version}


def order_entity(order: Order, event: OrderEvent) -> dict[str, Any]:
    partition, row = order_keys(order.order_id)
    return {
        "PartitionKey": partition,
        "RowKey": row,
        "kind": "order",
        **_columns(order),
        "last_event_id": event.event_id,
    }


def customer_entity(order: Order) -> dict[str, Any]:
    """The customer-index row: every column a listing shows (no point read per item)."""
    return {
        "PartitionKey": partition_of(order.order_id),
        "RowKey": f"{customer_prefix(order.customer_id)}{order.created_at}:{order.order_id}",
        "kind": "customer",
        **_columns(order),
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


def key_keys(order_id: str, key_hash: str) -> tuple[str, str]:
    """Where the record of a key that created `order_id` lives: in the order's partition."""
    return partition_of(order_id), KEY_ROW + key_hash


def key_entity(record: IdempotencyRecord) -> dict[str, Any]:
    partition, row = key_keys(record.order_id, record.key_hash)
    return {
        "PartitionKey": partition,
        "RowKey": row,
        "kind": "idempotency-key",
        "request_hash": record.request_hash,
        "order_id": record.order_id,
        "expires_at": record.expires_at,
        "response": record.response,
    }


def record_from_entity(entity: Mapping[str, Any], key_hash: str, etag: str) -> IdempotencyRecord:
    """A key's record as stored; `key_hash` is the one it was found by."""
    return IdempotencyRecord(
        key_hash=key_hash,
        request_hash=str(entity["request_hash"]),
        order_id=str(entity["order_id"]),
        expires_at=str(entity["expires_at"]),
        response=entity.get("response"),
        etag=etag,
    )


def pending_entity(order: Order) -> dict[str, Any]:
    return {
        "PartitionKey": partition_of(order.order_id),
        "RowKey": f"{PENDING_ROW}{order.created_at}:{order.order_id}",
        "kind": "pending",
        "order_id": order.order_id,
    }


def index_changes(old: Order | None, new: Order | None) -> list[Operation]:
    """The index rows of a change, the customer-index row first (operation 2 of every
    transaction the repository writes): it is inserted with the order, replaced by every
    change and deleted with it. A change upserts it, so an order written before the index
    existed gets its row with its first change; only a delete must tell that case apart
    (TableOrderRepository.remove). Then the pending-index row, present while PENDING."""
    if new is None:
        assert old is not None
        row = customer_entity(old)
        customer: Operation = Delete(row["PartitionKey"], row["RowKey"])
    else:
        customer = Insert(customer_entity(new)) if old is None else Upsert(customer_entity(new))
    return [customer, *_pending_changes(old, new)]


def _pending_changes(old: Order | None, new: Order | None) -> list[Operation]:
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
