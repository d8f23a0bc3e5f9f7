"""Is storage reachable? One point read of a row that need not exist.

A point read is one request whatever the table holds, and a 404 for the missing row proves
that storage answered as well as a 200 would: the anonymous health check costs the same at
ten orders and at ten million, and never reads a customer's row (OWASP API4; the query it
replaced read the whole table: docs/security.md, docs/benchmarks.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.tables import storage_unavailable_on_failure

if TYPE_CHECKING:
    from azure.data.tables.aio import TableClient

__all__ = ["PROBE_KEYS", "check_storage"]

# No order row is keyed so: orders live in partitions p00..p15 (shared.orders.table_layout).
PROBE_KEYS = ("health", "probe")


async def check_storage(probe: TableClient) -> None:
    """Raise StorageUnavailable unless `probe` (a table the app owns) answers a point read.
    A table not created yet (Azurite before the first write: shared.provisioning) answers
    404 too, which is as much an answer from storage as the missing row's."""
    from azure.core.exceptions import ResourceNotFoundError

    with storage_unavailable_on_failure("health"):
        try:
            await probe.get_entity(*PROBE_KEYS)
        except ResourceNotFoundError:
            return
