"""The order ports over several storage accounts: each call goes to the account of its order
(shared.sharding.order_bucket: its Idempotency-Key record too, written with it) or of its
customer (a customer's listing); a listing of every customer and the background walks visit
every account. With one account shared.bootstrap does not use these at all.

Nothing here touches storage itself: each account has its own TableOrderRepository and
TableOrderBacklog, so a transaction never leaves its account.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.orders.repository import OrderPage
from shared.sharding import customer_bucket, order_bucket

if TYPE_CHECKING:
    from collections.abc import Sequence

    from shared.orders.events import OrderEvent
    from shared.orders.model import Order
    from shared.orders.repository import (
        Continuation,
        IdempotencyRecord,
        OrderBacklog,
        OrderQuery,
        OrderRepository,
    )

__all__ = ["ShardedOrderBacklog", "ShardedOrderRepository"]

_ACCOUNT = "account"  # the continuation's own key; the service's are PartitionKey/RowKey names


class ShardedOrderRepository:
    """Orders in the account of their bucket. A customer's listing reads their account only;
    a listing of every customer reads one page of one account per call, in account order."""

    def __init__(self, accounts: Sequence[OrderRepository]) -> None:
        self._accounts = tuple(accounts)

    def _of(self, order_id: str) -> OrderRepository:
        return self._accounts[order_bucket(order_id, len(self._accounts))[0]]

    async def get(self, order_id: str) -> Order | None:
        return await self._of(order_id).get(order_id)

    async def add(
        self, order: Order, event: OrderEvent, *, key: IdempotencyRecord | None = None
    ) -> Order:
        return await self._of(order.order_id).add(order, event, key=key)

    async def replace(self, current: Order, changed: Order, event: OrderEvent) -> Order:
        return await self._of(current.order_id).replace(current, changed, event)

    async def remove(self, current: Order, event: OrderEvent) -> None:
        await self._of(current.order_id).remove(current, event)

    async def query(
        self, query: OrderQuery, *, limit: int, continuation: Continuation | None
    ) -> OrderPage:
        """One page of one account: the customer's, or the account the continuation names
        (with the service's position in it); the next page may be the next account's."""
        if query.customer_id:
            account = customer_bucket(query.customer_id, len(self._accounts))[0]
            return await self._accounts[account].query(
                query, limit=limit, continuation=continuation
            )
        inner = dict(continuation or {})
        index = int(inner.pop(_ACCOUNT, "0"))
        if index >= len(self._accounts):  # a token from a deployment with more accounts
            return OrderPage([], None)
        page = await self._accounts[index].query(query, limit=limit, continuation=inner or None)
        if page.continuation:
            return OrderPage(page.items, {_ACCOUNT: str(index), **page.continuation})
        more = index + 1 < len(self._accounts)
        return OrderPage(page.items, {_ACCOUNT: str(index + 1)} if more else None)


class ShardedOrderBacklog:
    """Every account's partitions, named `{account}/{partition}` ("/" is never in a key)."""

    def __init__(self, accounts: Sequence[OrderBacklog]) -> None:
        self._accounts = tuple(accounts)

    def partitions(self) -> tuple[str, ...]:
        return tuple(
            f"{index}/{partition}"
            for index, backlog in enumerate(self._accounts)
            for partition in backlog.partitions()
        )

    def _split(self, partition: str) -> tuple[OrderBacklog, str]:
        index, _, inner = partition.partition("/")
        return self._accounts[int(index)], inner

    def _account(self, order_id: str) -> int:
        return order_bucket(order_id, len(self._accounts))[0]

    def partition_of(self, order_id: str) -> str:
        index = self._account(order_id)
        return f"{index}/{self._accounts[index].partition_of(order_id)}"

    async def unsent_events(
        self, partition: str, *, created_before: str, limit: int
    ) -> list[OrderEvent]:
        backlog, inner = self._split(partition)
        return await backlog.unsent_events(inner, created_before=created_before, limit=limit)

    async def clear_sent(self, events: Sequence[OrderEvent]) -> int:
        by_account: dict[int, list[OrderEvent]] = {}
        for event in events:
            by_account.setdefault(self._account(event.order_id), []).append(event)
        cleared = 0
        for index, mine in by_account.items():
            cleared += await self._accounts[index].clear_sent(mine)
        return cleared

    async def stale_pending(self, partition: str, *, created_before: str, limit: int) -> list[str]:
        backlog, inner = self._split(partition)
        return await backlog.stale_pending(inner, created_before=created_before, limit=limit)
