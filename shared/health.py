"""Is storage reachable? One cheap call that needs no data."""

from __future__ import annotations

from shared.config import get_settings
from shared.storage import table
from shared.tables import storage_unavailable_on_failure

__all__ = ["check_storage"]


async def check_storage() -> None:
    """Raise StorageUnavailable unless the orders table answers a one-row query."""
    client = await table(get_settings().orders_table)
    with storage_unavailable_on_failure("health"):
        probe = client.query_entities(
            "kind eq @kind", parameters={"kind": "none"}, results_per_page=1
        )
        await anext(aiter(probe.by_page()), None)
