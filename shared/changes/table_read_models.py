"""The read models on Table Storage: OrdersByCustomer and the daily order summary.

OrdersByCustomer: PartitionKey = customer id, RowKey = order id, so a customer's orders are
one partition query. OrderSummary: PartitionKey = day; RowKeys `order:{id}` (what each order
counts towards the day) and `tally:{shard}` (the counters), so an order's contribution and
the counters change together in one entity-group transaction.
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
from azure.data.tables import TableTransactionError, UpdateMode

from shared.changes.errors import ReadModelConflict
from shared.changes.projections import Contribution, CustomerOrderRow, Tally
from shared.changes.read_models import CustomerOrderPage
from shared.jsoncodec import decode_json, encode_json
from shared.orders.model import OrderStatus
from shared.tables import check_entity, check_key, query_page, storage_unavailable_on_failure

if TYPE_CHECKING:
    from azure.data.tables import TableClient, TableEntity

    from shared.orders.repository import Continuation

__all__ = ["TableCustomerOrders", "TableDailySummary"]

_CONFLICTS = (ResourceExistsError, ResourceModifiedError, ResourceNotFoundError)


def _guarded(etag: str | None) -> dict[str, Any]:
    return {"mode": UpdateMode.REPLACE, "etag": etag,
            "match_condition": MatchConditions.IfNotModified}  # fmt: skip


def _get(client: TableClient, partition: str, row: str) -> TableEntity | None:
    with storage_unavailable_on_failure("read_read_model"):
        try:
            return client.get_entity(check_key(partition), check_key(row))
        except ResourceNotFoundError:
            return None


class TableCustomerOrders:
    def __init__(self, client: TableClient) -> None:
        self._client = client

    def get(self, customer_id: str, order_id: str) -> CustomerOrderRow | None:
        entity = _get(self._client, customer_id, order_id)
        if entity is None:
            return None
        order = decode_json(entity["order"]) if entity.get("order") else None
        return CustomerOrderRow(customer_id, order_id, int(entity["version"]), order,
                                entity.metadata["etag"])  # fmt: skip

    def save(self, row: CustomerOrderRow, *, etag: str | None) -> None:
        entity = check_entity({
            "PartitionKey": row.customer_id, "RowKey": row.order_id, "version": row.version,
            "deleted": row.order is None, "status": (row.order or {}).get("status", ""),
            "order": encode_json(row.order) if row.order else "",
        })  # fmt: skip
        with storage_unavailable_on_failure("write_customer_order"):
            try:
                if etag is None:
                    self._client.create_entity(entity)
                else:
                    self._client.update_entity(entity, **_guarded(etag))
            except _CONFLICTS as exc:
                raise ReadModelConflict("The row changed while it was being written.") from exc

    def page(
        self, customer_id: str, status: OrderStatus | None, *, limit: int,
        continuation: Continuation | None,
    ) -> CustomerOrderPage:  # fmt: skip
        query = "PartitionKey eq @customer and deleted eq false"
        parameters = {"customer": customer_id}
        if status is not None:
            query += " and status eq @status"
            parameters["status"] = status.value
        with storage_unavailable_on_failure("list_customer_orders"):
            entities, next_position = query_page(
                self._client, query, parameters, limit=limit, continuation=continuation,
                select=["order"],
            )  # fmt: skip
        items = [decode_json(entity["order"]) for entity in entities]
        return CustomerOrderPage(items, next_position)


_TALLY = "tally:"
_CONTRIBUTION = "order:"


def _tally_entity(tally: Tally) -> dict[str, Any]:
    entity: dict[str, Any] = {"PartitionKey": tally.day, "RowKey": f"{_TALLY}{tally.shard}"}
    for status in OrderStatus:
        entity[f"{status.value}_count"] = tally.counts.get(status.value, 0)
        entity[f"{status.value}_amount"] = str(tally.amounts.get(status.value, Decimal("0.00")))
    return entity


def _tally_from(day: str, shard: int, entity: TableEntity) -> Tally:
    counts = {s.value: int(entity.get(f"{s.value}_count", 0)) for s in OrderStatus}
    amounts = {s.value: Decimal(str(entity.get(f"{s.value}_amount", "0.00"))) for s in OrderStatus}
    return Tally(day, shard, counts, amounts, entity.metadata["etag"])


def _write(entity: dict[str, Any], etag: str | None) -> tuple[str, dict[str, Any], dict[str, Any]]:
    check_entity(entity)
    return ("create", entity, {}) if etag is None else ("update", entity, _guarded(etag))


class TableDailySummary:
    def __init__(self, client: TableClient) -> None:
        self._client = client

    def contribution(self, day: str, order_id: str) -> Contribution | None:
        entity = _get(self._client, day, f"{_CONTRIBUTION}{order_id}")
        if entity is None:
            return None
        return Contribution(day, order_id, int(entity["version"]), entity["status"] or None,
                            Decimal(entity["amount"]), entity.metadata["etag"])  # fmt: skip

    def tally(self, day: str, shard: int) -> Tally:
        entity = _get(self._client, day, f"{_TALLY}{shard}")
        return Tally(day, shard) if entity is None else _tally_from(day, shard, entity)

    def commit(self, contribution: Contribution, tally: Tally, *, previous: str | None) -> None:
        key = f"{_CONTRIBUTION}{contribution.order_id}"
        row = {"PartitionKey": contribution.day, "RowKey": key,
               "version": contribution.version, "status": contribution.status or "",
               "amount": str(contribution.amount)}  # fmt: skip
        operations = [_write(row, previous), _write(_tally_entity(tally), tally.etag)]
        with storage_unavailable_on_failure("write_order_summary"):
            try:
                self._client.submit_transaction(operations)
            except TableTransactionError as exc:
                if exc.status_code in (404, 409, 412):
                    raise ReadModelConflict("The summary changed while being written.") from exc
                raise

    def tallies(self, day: str) -> list[Tally]:
        query = "PartitionKey eq @day and RowKey ge @low and RowKey lt @high"
        parameters = {"day": check_key(day), "low": _TALLY, "high": "tally;"}
        with storage_unavailable_on_failure("read_order_summary"):
            return [
                _tally_from(day, int(entity["RowKey"][len(_TALLY):]), entity)
                for entity in self._client.query_entities(query, parameters=parameters)
            ]
