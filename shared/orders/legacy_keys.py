"""Idempotency-Key records as written before issue 33, read while one can still be alive.

Before, each record was a row of its own table (`IdempotencyKeys`: PartitionKey the SHA-256 of
caller and key, RowKey `key`; account `shared.sharding.key_account` of it). Now the record is
written with its order (shared.orders.idempotency), so after an upgrade a retry of a request
made just before it would miss the old record and make a second order. So the old table is
read first, but only while a record in it can be alive: a record lives 24 hours, so the reads
stop 24 hours (and a margin for instances of the old version still finishing their requests)
after the first create of the new version. That moment is a marker row in the old table
itself, written once by whichever process gets there first and read once per process.
A deployment that never had the old table (infra no longer makes it) has no marker to read:
the first read finds the table missing, and the process never reads it again.

docs/storage-design.md ("Keys written before") says why this rather than a migration.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError

from shared.orders.idempotency import IDEMPOTENCY_WINDOW
from shared.orders.model import format_time
from shared.orders.table_layout import record_from_entity
from shared.provisioning import TABLE_NOT_FOUND, error_code
from shared.sharding import key_account
from shared.tables import RETRY_WRITES, RETURN_NO_CONTENT, storage_unavailable_on_failure

if TYPE_CHECKING:
    from collections.abc import Sequence

    from azure.data.tables import TableEntity
    from azure.data.tables.aio import TableClient

    from shared.orders.repository import IdempotencyRecord

__all__ = ["LEGACY_ROW", "MARKER", "MOVE_MARGIN", "TableLegacyKeys"]

logger = logging.getLogger(__name__)

LEGACY_ROW = "key"  # the RowKey of every record in the old table
# The marker: when the new version first created an order. Its PartitionKey is no SHA-256.
MARKER = ("moved", "to-order-partitions")
# Instances of the old version may still be writing records a little after that moment.
MOVE_MARGIN = timedelta(hours=1)
_CLOSED = ""  # the window's end when there is no old table: before every moment


class TableLegacyKeys:
    """The old `IdempotencyKeys` table of each order account, read-only (but the marker).
    One per process and event loop (shared.bootstrap), as it remembers the window."""

    def __init__(self, tables: Sequence[TableClient]) -> None:
        self._tables = tuple(tables)
        self._until: str | None = None  # the window's end, once known

    async def find(self, legacy_hash: str, *, now: datetime) -> IdempotencyRecord | None:
        if not await self.reading(now):
            return None
        table = self._tables[key_account(legacy_hash, len(self._tables))]
        entity = await self._read(table, legacy_hash, LEGACY_ROW)
        if entity is None:
            return None
        return record_from_entity(entity, legacy_hash, str(entity.metadata["etag"]))

    async def reading(self, now: datetime) -> bool:
        """Whether records of the old table are read at `now`: the first call asks storage
        (the marker, or that there is no table), later ones only compare (a warmup asks
        first, so no request pays for it)."""
        if self._until is None:
            self._until = await self._window(now)
            logger.info("legacy_idempotency_keys read_until=%s", self._until or "never")
        return format_time(now) < self._until

    async def _window(self, now: datetime) -> str:
        """When the reads stop: the marker's moment plus a record's life and the margin."""
        table = self._tables[0]
        try:
            marker = await self._read(table, *MARKER, missing_table=True)
        except _NoTable:
            return _CLOSED
        moved_at = str(marker["at"]) if marker else await self._mark(table, now)
        end = datetime.fromisoformat(moved_at) + IDEMPOTENCY_WINDOW + MOVE_MARGIN
        return format_time(end)

    async def _mark(self, table: TableClient, now: datetime) -> str:
        """Write the marker with `now`; the moment it holds (another process's, if first)."""
        moved = {"PartitionKey": MARKER[0], "RowKey": MARKER[1], "at": format_time(now)}
        with storage_unavailable_on_failure("mark_idempotency_move"):
            try:
                await table.create_entity(moved, **RETRY_WRITES, **RETURN_NO_CONTENT)
                return moved["at"]
            except ResourceExistsError:
                marker = await self._read(table, *MARKER)
        assert marker is not None, "the marker is never deleted"
        return str(marker["at"])

    async def _read(
        self, table: TableClient, partition: str, row: str, *, missing_table: bool = False
    ) -> TableEntity | None:
        """The row, or None; with `missing_table`, _NoTable when the table is not there."""
        with storage_unavailable_on_failure("read_legacy_idempotency_key"):
            try:
                return await table.get_entity(partition, row)
            except ResourceNotFoundError as error:
                if missing_table and error_code(error) == TABLE_NOT_FOUND:
                    raise _NoTable from error
                return None


class _NoTable(Exception):
    """The old table does not exist: this deployment never wrote a record there."""
