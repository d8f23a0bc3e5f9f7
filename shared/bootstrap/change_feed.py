"""The change feed's adapters: the outbox's rows and cleanup, the resender, the event queues
and the read models, each on every order account (shared.sharding places them)."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from shared.bootstrap.app_settings import settings
from shared.bootstrap.wiring import loop_wiring, order_tables, ready
from shared.sharding import queue_account, queue_names

if TYPE_CHECKING:
    from shared.changes.cleanup import BatchedCleanup
    from shared.changes.publisher import EventPublisher, ShardedEventPublisher
    from shared.changes.read_models import CustomerOrders, DailySummary
    from shared.changes.resend import Resender
    from shared.orders.repository import OrderBacklog

__all__ = [
    "customer_orders",
    "daily_summary",
    "event_publisher",
    "order_backlog",
    "outbox_cleanup",
    "queue_publisher",
    "resender",
]

# With one account each factory returns the single-account adapter itself; with several, the
# adapter of each account behind the router that picks an order's (shared.sharding).


async def order_backlog() -> OrderBacklog:
    """The outbox and pending-order index rows, in the orders' own partitions (of every
    account: the relay and the sweep walk them all)."""
    from shared.orders.sharded import ShardedOrderBacklog
    from shared.orders.table_backlog import TableOrderBacklog

    backlogs = [TableOrderBacklog(t) for t in await order_tables(settings().orders_table)]
    return backlogs[0] if len(backlogs) == 1 else ShardedOrderBacklog(backlogs)


async def outbox_cleanup() -> BatchedCleanup:
    """Where senders leave sent events, whose outbox rows are deleted in batches; one per
    loop, as it holds the rows not yet deleted and the timer that deletes them."""
    wiring = await ready()
    if wiring.cleanup is None:
        from shared.changes.cleanup import BatchedCleanup

        backlog = await order_backlog()
        if wiring.cleanup is None:  # not made by a concurrent first use meanwhile
            wiring.cleanup = BatchedCleanup(backlog)
    return wiring.cleanup


def resender(cleanup: BatchedCleanup) -> Resender:
    """Where failed sends wait to be tried again within seconds; one per loop, as it holds
    them and the task that retries them (shared.changes.resend)."""
    wiring = loop_wiring()
    if wiring.resend is None:
        from shared.changes.outbox import deliver
        from shared.changes.resend import Resender

        wiring.resend = Resender(
            partial(
                deliver,
                publisher=event_publisher(),
                cleanup=cleanup,
                failure="order_event_resend_failed",
            )
        )
    return wiring.resend


def event_publisher() -> ShardedEventPublisher:
    """The event queues (`order-events`, or `order-events-0..N-1`, queue i in order account
    i mod K) and their `-poison` twins; one per loop, as its queue clients belong to it."""
    wiring = loop_wiring()
    if wiring.publisher is None:
        from shared.changes.publisher import QueueEventPublisher, ShardedEventPublisher

        count = settings().event_queues
        shards = []
        for index, name in enumerate(queue_names(count)):
            account = wiring.accounts[queue_account(index, len(wiring.accounts))]
            service = account.queue_service()
            poison = service.get_queue_client(f"{name}-poison")
            shards.append(QueueEventPublisher(service.get_queue_client(name), poison))
        wiring.publisher = ShardedEventPublisher(shards)
    return wiring.publisher


def queue_publisher(index: int) -> EventPublisher:
    """The publisher of event queue `index`, where its consumer parks unusable messages."""
    return event_publisher().shard(index)


async def customer_orders() -> CustomerOrders:
    from shared.changes.sharded_read_models import ShardedCustomerOrders
    from shared.changes.table_read_models import TableCustomerOrders

    name = settings().customer_orders_table
    stores = [TableCustomerOrders(t) for t in await order_tables(name)]
    return stores[0] if len(stores) == 1 else ShardedCustomerOrders(stores)


async def daily_summary() -> DailySummary:
    from shared.changes.sharded_read_models import ShardedDailySummary
    from shared.changes.table_read_models import TableDailySummary

    name = settings().order_summary_table
    stores = [TableDailySummary(t) for t in await order_tables(name)]
    return stores[0] if len(stores) == 1 else ShardedDailySummary(stores)
