"""The orders' adapters: new ids, the repository (with the outbox's sending) and the
Idempotency-Key records written before issue 33."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.bootstrap.app_settings import settings
from shared.bootstrap.change_feed import event_publisher, order_backlog, outbox_cleanup, resender
from shared.bootstrap.wiring import order_tables, ready
from shared.sharding import order_id_for

if TYPE_CHECKING:
    from shared.orders.legacy_keys import TableLegacyKeys
    from shared.orders.repository import LegacyIdempotencyKeys, OrderRepository

__all__ = ["legacy_idempotency_keys", "new_order_id", "order_repository", "table_legacy_keys"]


def new_order_id(customer_id: str) -> str:
    """A new order's id, in its customer's bucket over the order accounts of the settings
    (shared.sharding.order_id_for), so the customer's listing is one partition's range."""
    return order_id_for(customer_id, len(settings().order_connections))


async def order_repository() -> OrderRepository:
    """Orders on Table Storage; each committed change's event is sent on right away (the
    transactional outbox, shared.changes.outbox). With several order accounts, the adapter of
    each behind the router that picks an order's (shared.sharding)."""
    from shared.changes.outbox import PublishingOrderRepository
    from shared.orders.sharded import ShardedOrderRepository
    from shared.orders.table_repository import TableOrderRepository

    inners = [TableOrderRepository(t) for t in await order_tables(settings().orders_table)]
    inner = inners[0] if len(inners) == 1 else ShardedOrderRepository(inners)
    backlog = await order_backlog()
    cleanup = await outbox_cleanup()
    return PublishingOrderRepository(
        inner,
        publisher=event_publisher(),
        backlog=backlog,
        cleanup=cleanup,
        resend=resender(cleanup),
    )


async def legacy_idempotency_keys() -> LegacyIdempotencyKeys:
    """Idempotency-Key records written before issue 33, in their own table of each order
    account; one per loop, as it remembers until when they are read (nothing creates that
    table: a deployment without it reads nothing)."""
    return await table_legacy_keys()


async def table_legacy_keys() -> TableLegacyKeys:
    """legacy_idempotency_keys as its adapter, for the warmup's question to it."""
    wiring = await ready()
    if wiring.legacy_keys is None:
        from shared.orders.legacy_keys import TableLegacyKeys

        name = settings().legacy_idempotency_table
        wiring.legacy_keys = TableLegacyKeys([a.table(name) for a in wiring.accounts])
    return wiring.legacy_keys
