"""The work a change leaves behind in the order partitions, on Table Storage: unsent outbox
rows and the pending index (shared.orders.repository.OrderBacklog; the layout is
shared.orders.table_layout). Each read is a RowKey range inside one partition.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from shared.orders.table_layout import (
    OUTBOX_ROW,
    PENDING_ROW,
    all_partitions,
    event_from_row,
    outbox_row_key,
    partition_of,
    prefix_range,
)
from shared.provisioning import missing_table_reads_empty
from shared.table_transactions import Delete, TransactionFailed, submit_transaction
from shared.tables import RETRY_WRITES, storage_unavailable_on_failure

if TYPE_CHECKING:
    from collections.abc import Sequence

    from azure.data.tables import TableEntity
    from azure.data.tables.aio import TableClient

    from shared.orders.events import OrderEvent

__all__ = ["TRANSACTION_ROWS", "TableOrderBacklog"]

logger = logging.getLogger(__name__)

# An entity-group transaction holds at most 100 operations (Performing entity group
# transactions, docs/change-feed.md).
TRANSACTION_ROWS = 100
_DELETE_ATTEMPTS = 5


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
        with storage_unavailable_on_failure("read_backlog"), missing_table_reads_empty():
            async for entity in self._client.query_entities(
                query, parameters=parameters, results_per_page=min(limit, 1000)
            ):
                found.append(entity)
                if len(found) >= limit:
                    break
        return found
