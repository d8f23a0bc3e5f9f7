"""Is storage reachable? One cheap call that needs no data."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.tables import storage_unavailable_on_failure

if TYPE_CHECKING:
    from azure.data.tables.aio import TableClient

__all__ = ["check_storage"]


async def check_storage(probe: TableClient) -> None:
    """Raise StorageUnavailable unless `probe` (a table the app owns) answers a one-row query."""
    with storage_unavailable_on_failure("health"):
        rows = probe.query_entities(
            "kind eq @kind", parameters={"kind": "none"}, results_per_page=1
        )
        await anext(aiter(rows.by_page()), None)
