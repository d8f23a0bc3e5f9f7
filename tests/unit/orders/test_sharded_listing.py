"""Listings over several accounts (shared.orders.sharded): a customer's reads their account
only; a listing of everyone reads one page of one account per call and says where to go on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.orders.repository import OrderPage, OrderQuery
from shared.orders.sharded import ShardedOrderRepository
from shared.sharding import customer_bucket

if TYPE_CHECKING:
    from shared.orders.repository import Continuation


class PagedAccount:
    """An account whose listing answers a fixed number of pages, recording each call."""

    def __init__(self, pages: int) -> None:
        self.pages = pages
        self.calls: list[tuple[OrderQuery, Continuation | None]] = []

    async def query(
        self, query: OrderQuery, *, limit: int, continuation: Continuation | None
    ) -> OrderPage:
        self.calls.append((query, continuation))
        page = int((continuation or {}).get("page", "0"))
        more = page + 1 < self.pages
        return OrderPage([], {"page": str(page + 1)} if more else None)


def sharded(*pages: int) -> tuple[ShardedOrderRepository, list[PagedAccount]]:
    accounts = [PagedAccount(n) for n in pages]
    return ShardedOrderRepository(accounts), accounts  # type: ignore[arg-type]


async def test_a_customers_listing_reads_their_account_alone() -> None:
    repo, accounts = sharded(1, 1, 1)
    home = customer_bucket("c-42", 3)[0]
    page = await repo.query(OrderQuery(customer_id="c-42"), limit=20, continuation=None)
    assert page.continuation is None
    assert [len(account.calls) for account in accounts] == [int(i == home) for i in range(3)]


async def test_a_listing_of_everyone_reads_one_page_of_one_account_per_call() -> None:
    repo, accounts = sharded(2, 1, 1)
    token: Continuation | None = None
    calls = 0
    while True:
        before = sum(len(account.calls) for account in accounts)
        page = await repo.query(OrderQuery(), limit=20, continuation=token)
        assert sum(len(account.calls) for account in accounts) == before + 1
        calls += 1
        token = page.continuation
        if token is None:
            break
    assert calls == 4  # two pages of the first account, one of each other
    assert [len(account.calls) for account in accounts] == [2, 1, 1]
    assert accounts[0].calls[1][1] == {"page": "1"}  # the service's position, account key off


async def test_a_token_naming_an_account_that_is_gone_ends_the_listing() -> None:
    repo, _ = sharded(1, 1)
    page = await repo.query(OrderQuery(), limit=20, continuation={"account": "5"})
    assert (page.items, page.continuation) == ([], None)
