"""Orders: the domain, its use cases and their storage.

The Table Storage implementation (and with it the SDK) is imported only when the first
request needs it, to keep cold start light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.config import get_settings
from shared.storage import table

if TYPE_CHECKING:
    from shared.orders.repository import IdempotencyStore, OrderRepository

__all__ = ["idempotency_store", "order_repository"]


async def order_repository() -> OrderRepository:
    """Orders on Table Storage; each committed change's event is sent on right away."""
    from shared.changes import event_publisher, order_backlog
    from shared.changes.outbox import PublishingOrderRepository
    from shared.orders.table_repository import TableOrderRepository

    inner = TableOrderRepository(await table(get_settings().orders_table))
    return PublishingOrderRepository(
        inner, publisher=event_publisher(), backlog=await order_backlog()
    )


async def idempotency_store() -> IdempotencyStore:
    from shared.orders.table_repository import TableIdempotencyStore

    return TableIdempotencyStore(await table(get_settings().idempotency_table))
