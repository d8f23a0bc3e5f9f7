"""The one module that talks to Table Storage for orders.

Layout (see docs/storage-design.md): every order lives in one of PARTITIONS hash buckets
with its companion rows, so one entity-group transaction writes the order, its outbox event,
its index rows and the record of the Idempotency-Key that created it together, and a read by
id is one point read. A customer's listing is one
RowKey range of their customer-index rows in one partition; every listing reads one page of
storage per call (shared.tables.query_page).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from azure.core.exceptions import ResourceNotFoundError

from shared.orders.errors import (
    IdempotencyKeyTaken,
    OrderAlreadyExists,
    OrderNotFound,
    StaleOrder,
)
from shared.orders.repository import OrderPage
from shared.orders.table_layout import (
    PARTITIONS,
    index_changes,
    key_entity,
    key_keys,
    listing_filter,
    order_entity,
    order_from_entity,
    order_keys,
    outbox_entity,
    outbox_row_key,
    partition_of,
    record_from_entity,
)
from shared.provisioning import creating_table, missing_table_reads_empty
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
    check_entity,
    check_key,
    query_page,
    storage_unavailable_on_failure,
)

if TYPE_CHECKING:
    from azure.data.tables import TableEntity
    from azure.data.tables.aio import TableClient

    from shared.orders.events import OrderEvent
    from shared.orders.model import Order
    from shared.orders.repository import Continuation, IdempotencyRecord, OrderQuery

__all__ = [
    "PARTITIONS",
    "TableOrderRepository",
    "order_keys",
    "outbox_row_key",
    "partition_of",
]

logger = logging.getLogger(__name__)

# Where the customer-index row's operation sits in every order transaction (index_changes).
_CUSTOMER_ROW_OPERATION = 2


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

    async def add(
        self, order: Order, event: OrderEvent, *, key: IdempotencyRecord | None = None
    ) -> Order:
        operations: list[Operation] = [
            Insert(order_entity(order, event)),
            Insert(outbox_entity(event)),
            *index_changes(None, order),
        ]
        if key is not None:  # last, so the order row's own refusal still comes first
            record = key_entity(key)
            operations.append(Replace(record, etag=key.etag) if key.etag else Insert(record))
        try:
            return await self._commit(order, operations)
        except TransactionFailed as exc:
            if _failed_on_first(exc, 409):
                return await self._our_earlier_write(
                    order.order_id,
                    event,
                    OrderAlreadyExists(f"Order {order.order_id!r} already exists."),
                )
            if key is not None and exc.index == len(operations) - 1:
                raise IdempotencyKeyTaken(await self._key_record(key)) from exc
            raise

    async def _key_record(self, key: IdempotencyRecord) -> IdempotencyRecord | None:
        """The record stored for `key`'s hash, in the partition its transaction wrote."""
        partition, row = key_keys(key.order_id, key.key_hash)
        entity = await self._entity(partition, row)
        if entity is None:
            return None
        return record_from_entity(entity, key.key_hash, str(entity.metadata["etag"]))

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
        partition, row = order_keys(current.order_id)
        operations: list[Operation] = [
            Delete(partition, row, etag=_etag_of(current)),
            Insert(outbox_entity(event)),
            *index_changes(current, None),
        ]
        try:
            await self._remove(current, event, operations)
        except TransactionFailed as exc:
            if exc.index != _CUSTOMER_ROW_OPERATION or exc.status_code != 404:
                raise
            # Written before the customer index and not changed since: it has no row to drop.
            del operations[_CUSTOMER_ROW_OPERATION]
            await self._remove(current, event, operations)

    async def _remove(self, current: Order, event: OrderEvent, operations: list[Operation]) -> None:
        try:
            await self._commit(current, operations)
        except TransactionFailed as exc:
            if exc.index == 0 and exc.status_code in (404, 412):
                await self._check_removed_by_us(current.order_id, event, exc)
                return
            raise

    async def query(
        self, query: OrderQuery, *, limit: int, continuation: Continuation | None
    ) -> OrderPage:
        """One page of storage: a customer's is a RowKey range of their customer-index rows
        in their partition (no other customer's row is read); without a customer, the order
        rows of every partition, as far as one page goes."""
        condition, parameters = listing_filter(query.customer_id, query.status)
        entities: list[TableEntity] = []
        next_position = None
        with storage_unavailable_on_failure("list_orders"), missing_table_reads_empty():
            entities, next_position = await query_page(
                self._client,
                condition,
                parameters,
                limit=limit,
                continuation=continuation,
            )
        return OrderPage([order_from_entity(entity, None) for entity in entities], next_position)

    async def _commit(self, order: Order, operations: list[Operation]) -> Order:
        """A missing table is not a refused operation (shared.table_transaction_errors), so
        never a missing order: the table is created and the transaction sent once more."""
        for operation in operations:
            _check(operation)
        with storage_unavailable_on_failure("write_order"):
            results = await creating_table(
                self._client,
                lambda: submit_transaction(self._client, operations, **RETRY_WRITES),
            )
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
