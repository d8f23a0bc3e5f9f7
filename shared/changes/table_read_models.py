"""The read models on Table Storage: OrdersByCustomer and the daily order summary.

OrdersByCustomer: PartitionKey = customer id, RowKey = order id, so a customer's orders are
one partition query. OrderSummary: PartitionKey = the day the order was created, RowKey
`order:{id}`, holding what that order currently adds to the day (status, amount, version),
so a day's report is one partition's range of rows. Every write touches one row and is
atomic on its own: creates conflict when the row exists, replaces carry the ETag just read.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from azure.core import MatchConditions
from azure.core.exceptions import (
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.data.tables import UpdateMode

from shared.changes.errors import ReadModelConflict
from shared.changes.projections import Contribution, CustomerOrderRow
from shared.changes.read_models import CustomerOrderPage
from shared.jsoncodec import decode_json, encode_json
from shared.orders.table_layout import prefix_range
from shared.provisioning import creating_table, missing_table_reads_empty
from shared.tables import (
    RETRY_WRITES,
    RETURN_NO_CONTENT,
    check_entity,
    check_key,
    query_page,
    storage_unavailable_on_failure,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from azure.data.tables import TableEntity
    from azure.data.tables.aio import TableClient

    from shared.orders.model import OrderStatus
    from shared.orders.repository import Continuation

__all__ = ["TableCustomerOrders", "TableDailySummary"]

# A create that finds the row, a replace whose ETag is stale, a replace of a vanished row.
_CONFLICTS = (ResourceExistsError, ResourceModifiedError, ResourceNotFoundError)


async def _get(client: TableClient, partition: str, row: str) -> TableEntity | None:
    with storage_unavailable_on_failure("read_read_model"):
        try:
            return await client.get_entity(check_key(partition), check_key(row))
        except ResourceNotFoundError:
            return None


async def _save(client: TableClient, entity: dict[str, Any], etag: str | None) -> None:
    """Create the row (etag None) or replace it if unchanged; else ReadModelConflict. A retry
    after a lost answer finds its own row and is decided by its version like any conflict."""
    check_entity(entity)
    with storage_unavailable_on_failure("write_read_model"):
        try:
            if etag is None:
                await creating_table(
                    client,
                    lambda: client.create_entity(entity, **RETRY_WRITES, **RETURN_NO_CONTENT),
                )
            else:
                await client.update_entity(
                    entity,
                    mode=UpdateMode.REPLACE,
                    etag=etag,
                    match_condition=MatchConditions.IfNotModified,
                    **RETRY_WRITES,
                )
        except _CONFLICTS as exc:
            raise ReadModelConflict("The row changed while it was being written.") from exc


class TableCustomerOrders:
    def __init__(self, client: TableClient) -> None:
        self._client = client

    async def get(self, customer_id: str, order_id: str) -> CustomerOrderRow | None:
        entity = await _get(self._client, customer_id, order_id)
        if entity is None:
            return None
        order = decode_json(entity["order"]) if entity.get("order") else None
        return CustomerOrderRow(
            customer_id, order_id, int(entity["version"]), order, entity.metadata["etag"]
        )

    async def save(self, row: CustomerOrderRow, *, etag: str | None) -> None:
        entity = {
            "PartitionKey": row.customer_id,
            "RowKey": row.order_id,
            "version": row.version,
            "deleted": row.order is None,
            "status": (row.order or {}).get("status", ""),
            "order": encode_json(row.order) if row.order else "",
        }
        await _save(self._client, entity, etag)

    async def page(
        self,
        customer_id: str,
        status: OrderStatus | None,
        *,
        limit: int,
        continuation: Continuation | None,
    ) -> CustomerOrderPage:
        query = "PartitionKey eq @customer and deleted eq false"
        parameters = {"customer": customer_id}
        if status is not None:
            query += " and status eq @status"
            parameters["status"] = status.value
        entities: list[TableEntity] = []
        next_position = None
        with storage_unavailable_on_failure("list_customer_orders"), missing_table_reads_empty():
            entities, next_position = await query_page(
                self._client,
                query,
                parameters,
                limit=limit,
                continuation=continuation,
                select=["order"],
            )
        items = [decode_json(entity["order"]) for entity in entities]
        return CustomerOrderPage(items, next_position)


_CONTRIBUTION = "order:"


def _contribution(day: str, entity: TableEntity) -> Contribution:
    return Contribution(
        day,
        str(entity["RowKey"])[len(_CONTRIBUTION) :],
        int(entity["version"]),
        entity["status"] or None,
        Decimal(entity["amount"]),
        entity.metadata.get("etag"),
    )


class TableDailySummary:
    def __init__(self, client: TableClient) -> None:
        self._client = client

    async def get(self, day: str, order_id: str) -> Contribution | None:
        entity = await _get(self._client, day, f"{_CONTRIBUTION}{order_id}")
        return None if entity is None else _contribution(day, entity)

    async def save(self, contribution: Contribution, *, etag: str | None) -> None:
        entity = {
            "PartitionKey": contribution.day,
            "RowKey": f"{_CONTRIBUTION}{contribution.order_id}",
            "version": contribution.version,
            "status": contribution.status or "",
            "amount": str(contribution.amount),
        }
        await _save(self._client, entity, etag)

    async def contributions(self, day: str) -> AsyncIterator[Contribution]:
        low, high = prefix_range(_CONTRIBUTION)
        query = "PartitionKey eq @day and RowKey ge @low and RowKey lt @high"
        parameters = {"day": check_key(day), "low": low, "high": high}
        rows = self._client.query_entities(
            query,
            parameters=parameters,
            results_per_page=1000,
            select=["RowKey", "version", "status", "amount"],
        )
        with storage_unavailable_on_failure("read_order_summary"), missing_table_reads_empty():
            async for entity in rows:
                yield _contribution(day, entity)
