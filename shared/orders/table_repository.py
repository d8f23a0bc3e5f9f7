"""The one module that talks to Table Storage for orders.

Layout (see docs/storage-design.md): every order lives in one of PARTITIONS hash buckets
with its companion rows, so one entity-group transaction writes the order, its outbox event
and its sweep index row together, and a read by id is one point read.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from azure.core import MatchConditions
from azure.core.exceptions import (
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.data.tables import UpdateMode

from shared.orders.errors import OrderAlreadyExists, OrderNotFound, StaleOrder
from shared.orders.repository import IdempotencyRecord, OrderPage
from shared.orders.table_layout import (
    OUTBOX_ROW,
    PARTITIONS,
    PENDING_ROW,
    all_partitions,
    event_from_row,
    index_changes,
    order_entity,
    order_from_entity,
    order_keys,
    outbox_entity,
    outbox_row_key,
    partition_of,
    prefix_range,
)
from shared.table_transactions import (
    Delete,
    Insert,
    Operation,
    Replace,
    TransactionFailed,
    submit_transaction,
)
from shared.tables import (
    RETRY_WRITES,
    RETURN_NO_CONTENT,
    check_entity,
    check_key,
    query_page,
    storage_unavailable_on_failure,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from azure.data.tables import TableEntity
    from azure.data.tables.aio import TableClient

    from shared.orders.events import OrderEvent
    from shared.orders.model import Order
    from shared.orders.repository import Continuation, OrderQuery

__all__ = [
    "PARTITIONS",
    "TableIdempotencyStore",
    "TableOrderBacklog",
    "TableOrderRepository",
    "order_keys",
    "outbox_row_key",
    "partition_of",
]

logger = logging.getLogger(__name__)

# An entity-group transaction holds at most 100 operations (Performing entity group
# transactions, docs/change-feed.md).
TRANSACTION_ROWS = 100
_DELETE_ATTEMPTS = 5


def _from_entity(entity: TableEntity) -> Order:
    return order_from_entity(entity, entity.metadata["etag"])


def _failed_on_first(exc: TransactionFailed, status: int) -> bool:
    """The order row's own refusal: it is operation 0 of every transaction here. A failure
    that names no operation, or names the table (not a TransactionFailed at all), is not."""
    return exc.index == 0 and exc.status_code == status


def _check(operation: Operation) -> None:
    if isinstance(operation, Delete):
        check_key(operation.partition_key, "PartitionKey")
        check_key(operation.row_key, "RowKey")
    else:
        check_entity(operation.entity)


class TableOrderRepository:
    """Orders, their outbox events and sweep index rows in one table."""

    def __init__(self, client: TableClient) -> None:
        self._client = client

    async def get(self, order_id: str) -> Order | None:
        entity = await self._entity(*order_keys(order_id))
        return None if entity is None else _from_entity(entity)

    async def _entity(self, partition: str, row: str) -> TableEntity | None:
        with storage_unavailable_on_failure("read_entity"):
            try:
                return await self._client.get_entity(partition, row)
            except ResourceNotFoundError:
                return None

    async def add(self, order: Order, event: OrderEvent) -> Order:
        operations: list[Operation] = [
            Insert(order_entity(order, event)),
            Insert(outbox_entity(event)),
            *index_changes(None, order),
        ]
        try:
            return await self._commit(order, operations)
        except TransactionFailed as exc:
            if _failed_on_first(exc, 409):
                return await self._our_earlier_write(
                    order.order_id,
                    event,
                    OrderAlreadyExists(f"Order {order.order_id!r} already exists."),
                )
            raise

    async def replace(self, current: Order, changed: Order, event: OrderEvent) -> Order:
        operations: list[Operation] = [
            Replace(order_entity(changed, event), etag=_etag_of(current)),
            Insert(outbox_entity(event)),
            *index_changes(current, changed),
        ]
        try:
            return await self._commit(changed, operations)
        except TransactionFailed as exc:
            if _failed_on_first(exc, 404):
                raise OrderNotFound(changed.order_id) from exc
            if _failed_on_first(exc, 412):
                return await self._our_earlier_write(
                    changed.order_id,
                    event,
                    StaleOrder("The order has changed since it was read; fetch it again."),
                )
            raise

    async def remove(self, current: Order, event: OrderEvent) -> None:
        order = current
        partition, row = order_keys(order.order_id)
        operations: list[Operation] = [
            Delete(partition, row, etag=_etag_of(current)),
            Insert(outbox_entity(event)),
            *index_changes(order, None),
        ]
        try:
            await self._commit(order, operations)
        except TransactionFailed as exc:
            if exc.index == 0 and exc.status_code in (404, 412):
                await self._check_removed_by_us(order.order_id, event, exc)
                return
            raise

    async def query(
        self, query: OrderQuery, *, limit: int, continuation: Continuation | None
    ) -> OrderPage:
        conditions, parameters = ["kind eq @kind"], {"kind": "order"}
        if query.customer_id:
            conditions.append("customer_id eq @customer_id")
            parameters["customer_id"] = query.customer_id
        if query.status:
            conditions.append("status eq @status")
            parameters["status"] = query.status.value
        with storage_unavailable_on_failure("list_orders"):
            entities, next_position = await query_page(
                self._client,
                " and ".join(conditions),
                parameters,
                limit=limit,
                continuation=continuation,
            )
        return OrderPage([_from_entity(entity) for entity in entities], next_position)

    async def _commit(self, order: Order, operations: list[Operation]) -> Order:
        """A missing table leaves as ResourceNotFoundError (code TableNotFound), not as a
        refused operation: the table is made once per process, so it is a deployment fault,
        answered as a logged 500, never as a missing order or a retry-later 503."""
        for operation in operations:
            _check(operation)
        with storage_unavailable_on_failure("write_order"):
            results = await submit_transaction(self._client, operations, **RETRY_WRITES)
        return _with_etag(order, results[0].get("etag"))

    async def _our_earlier_write(self, order_id: str, event: OrderEvent, error: Exception) -> Order:
        """A retried write that finds its own event already stored has succeeded."""
        entity = await self._entity(*order_keys(order_id))
        if entity is None:
            raise OrderNotFound(order_id) from None
        if entity.get("last_event_id") != event.event_id:
            raise error
        logger.info("write already applied order_id=%s event_id=%s", order_id, event.event_id)
        return _from_entity(entity)

    async def _check_removed_by_us(self, order_id: str, event: OrderEvent, exc: Exception) -> None:
        """A retried delete whose outbox event is stored has succeeded."""
        outbox = await self._entity(partition_of(order_id), outbox_row_key(order_id, event.version))
        if outbox is not None and event.event_id in outbox["event"]:
            return
        if await self.get(order_id) is None:
            raise OrderNotFound(order_id) from exc
        raise StaleOrder("The order has changed since it was read.") from exc


def _with_etag(order: Order, etag: str | None) -> Order:
    return replace(order, etag=etag)


def _etag_of(order: Order) -> str:
    assert order.etag is not None, "a stored order's ETag guards every change to it"
    return order.etag


def _record(entity: TableEntity) -> IdempotencyRecord:
    return IdempotencyRecord(
        key_hash=entity["PartitionKey"],
        request_hash=entity["request_hash"],
        order_id=entity["order_id"],
        expires_at=entity["expires_at"],
        response=entity.get("response"),
    )


class TableIdempotencyStore:
    """Idempotency-Key records, one point-addressed row per hashed key."""

    _ROW = "key"

    def __init__(self, client: TableClient) -> None:
        self._client = client

    async def claim(self, record: IdempotencyRecord, *, now: str) -> IdempotencyRecord:
        entity = check_entity(
            {
                "PartitionKey": record.key_hash,
                "RowKey": self._ROW,
                "request_hash": record.request_hash,
                "order_id": record.order_id,
                "expires_at": record.expires_at,
            }
        )
        with storage_unavailable_on_failure("claim_idempotency_key"):
            try:
                await self._client.create_entity(entity, **RETRY_WRITES, **RETURN_NO_CONTENT)
                return record
            except ResourceExistsError:
                existing = await self._client.get_entity(record.key_hash, self._ROW)
            if existing["expires_at"] > now:
                return _record(existing)
            try:  # an expired key starts afresh; the ETag stops two requests renewing it
                await self._client.update_entity(
                    entity,
                    mode=UpdateMode.REPLACE,
                    etag=existing.metadata["etag"],
                    match_condition=MatchConditions.IfNotModified,
                )
            except ResourceModifiedError:
                return _record(await self._client.get_entity(record.key_hash, self._ROW))
        return record

    async def complete(self, record: IdempotencyRecord, response: str) -> None:
        entity = {"PartitionKey": record.key_hash, "RowKey": self._ROW, "response": response}
        with storage_unavailable_on_failure("complete_idempotency_key"):
            await self._client.update_entity(
                check_entity(entity), mode=UpdateMode.MERGE, **RETRY_WRITES
            )


class TableOrderBacklog:
    """The work a change leaves behind in the order partitions: unsent outbox rows and the
    pending index. Each read is a RowKey range inside one partition, never a table scan."""

    def __init__(self, client: TableClient) -> None:
        self._client = client

    def partitions(self) -> tuple[str, ...]:
        return all_partitions()

    async def unsent_events(
        self, partition: str, *, created_before: str, limit: int
    ) -> list[OrderEvent]:
        low, high = prefix_range(OUTBOX_ROW)
        rows = await self._range(partition, low, high, limit, created_before=created_before)
        return [event_from_row(row) for row in rows]

    def partition_of(self, order_id: str) -> str:
        return partition_of(order_id)

    async def clear_sent(self, events: Sequence[OrderEvent]) -> int:
        """Delete sent events' outbox rows: one entity-group transaction per partition and
        TRANSACTION_ROWS rows. A row already gone (the relay, or a second sender, deleted it)
        is skipped, not an error."""
        by_partition: dict[str, list[str]] = {}
        for event in events:
            rows = by_partition.setdefault(partition_of(event.order_id), [])
            rows.append(outbox_row_key(event.order_id, event.version))
        deleted = 0
        with storage_unavailable_on_failure("delete_outbox_rows"):
            for partition, rows in by_partition.items():
                for start in range(0, len(rows), TRANSACTION_ROWS):
                    chunk = rows[start : start + TRANSACTION_ROWS]
                    deleted += await self._delete_rows(partition, chunk)
        return deleted

    async def _delete_rows(self, partition: str, rows: list[str]) -> int:
        """One transaction deletes `rows`. A transaction fails whole when one row is missing
        (404), so after a 404 one query finds which rows are left and only those are deleted:
        two more requests, however many rows were gone."""
        for _ in range(_DELETE_ATTEMPTS):
            if not rows:
                return 0
            deletes = [Delete(partition, row) for row in rows]
            try:
                await submit_transaction(self._client, deletes, **RETRY_WRITES)
            except TransactionFailed as exc:
                if exc.status_code != 404:
                    raise
                rows = await self._existing(partition, rows)
                continue
            return len(rows)
        # Only other deleters make rows vanish; whatever they left, the relay finds later.
        logger.warning("outbox_rows_left partition=%s rows=%d", partition, len(rows))
        return 0

    async def _existing(self, partition: str, rows: list[str]) -> list[str]:
        names = {f"r{index}": row for index, row in enumerate(rows)}
        wanted = " or ".join(f"RowKey eq @{name}" for name in names)
        found = self._client.query_entities(
            f"PartitionKey eq @p and ( {wanted} )",  # the SDK substitutes space-separated @names
            parameters={"p": partition, **names},
            select=["RowKey"],
        )
        present = {str(entity["RowKey"]) async for entity in found}
        return [row for row in rows if row in present]

    async def stale_pending(self, partition: str, *, created_before: str, limit: int) -> list[str]:
        low, _ = prefix_range(PENDING_ROW)
        rows = await self._range(partition, low, f"{PENDING_ROW}{created_before}", limit)
        return [str(row["order_id"]) for row in rows]

    async def _range(
        self, partition: str, low: str, high: str, limit: int, *, created_before: str = ""
    ) -> list[TableEntity]:
        query = "PartitionKey eq @p and RowKey ge @low and RowKey lt @high"
        parameters = {"p": partition, "low": low, "high": high}
        if created_before:
            query += " and created_at lt @before"
            parameters["before"] = created_before
        found: list[TableEntity] = []
        with storage_unavailable_on_failure("read_backlog"):
            async for entity in self._client.query_entities(
                query, parameters=parameters, results_per_page=min(limit, 1000)
            ):
                found.append(entity)
                if len(found) >= limit:
                    break
        return found
