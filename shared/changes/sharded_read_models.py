"""The read models over several storage accounts (shared.sharding): a customer's
OrdersByCustomer partition lives in one account, so their listing stays one partition query;
an order's summary row lives in its order's account, and a day's report reads the day's rows
of every account. Each order has exactly one summary row, in exactly one account, so the sum
over the accounts is the sum over the orders: exact, as with one account.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.sharding import customer_account, order_bucket

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Sequence

    from shared.changes.projections import Contribution, CustomerOrderRow
    from shared.changes.read_models import CustomerOrderPage, CustomerOrders, DailySummary
    from shared.orders.model import OrderStatus
    from shared.orders.repository import Continuation

__all__ = ["ShardedCustomerOrders", "ShardedDailySummary"]


class ShardedCustomerOrders:
    def __init__(self, accounts: Sequence[CustomerOrders]) -> None:
        self._accounts = tuple(accounts)

    def _of(self, customer_id: str) -> CustomerOrders:
        return self._accounts[customer_account(customer_id, len(self._accounts))]

    async def get(self, customer_id: str, order_id: str) -> CustomerOrderRow | None:
        return await self._of(customer_id).get(customer_id, order_id)

    async def save(self, row: CustomerOrderRow, *, etag: str | None) -> None:
        await self._of(row.customer_id).save(row, etag=etag)

    async def page(
        self,
        customer_id: str,
        status: OrderStatus | None,
        *,
        limit: int,
        continuation: Continuation | None,
    ) -> CustomerOrderPage:
        store = self._of(customer_id)
        return await store.page(customer_id, status, limit=limit, continuation=continuation)


class ShardedDailySummary:
    def __init__(self, accounts: Sequence[DailySummary]) -> None:
        self._accounts = tuple(accounts)

    def _of(self, order_id: str) -> DailySummary:
        return self._accounts[order_bucket(order_id, len(self._accounts))[0]]

    async def get(self, day: str, order_id: str) -> Contribution | None:
        return await self._of(order_id).get(day, order_id)

    async def save(self, contribution: Contribution, *, etag: str | None) -> None:
        await self._of(contribution.order_id).save(contribution, etag=etag)

    async def contributions(self, day: str) -> AsyncIterator[Contribution]:
        for account in self._accounts:
            async for contribution in account.contributions(day):
                yield contribution
