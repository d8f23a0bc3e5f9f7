"""A customer's listing over real HTTP through devhost --easy-auth, storage reached through a
counting proxy (bench.storage_proxy): with other customers' orders present, some of them in
the customer's own partition, the listing costs one storage request, a RowKey range of that
customer's index rows in one partition, and storage returns their rows and nobody else's."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest

from bench.storage_proxy import CountingProxy
from devhost.auth import mint
from shared.auth import READ_WRITE_ALL
from shared.orders.table_layout import customer_partition
from tests.e2e.callers import Caller, back_office
from tests.e2e.conftest import NEVER
from tests.e2e.harness import ROOT, DevhostProcess
from tests.support import other_customers

if TYPE_CHECKING:
    from collections.abc import Iterator

    from devhost.auth import LocalIssuer
    from devhost.azurite import Azurite

# Only what the test calls: no timers or queue consumers reading storage in the background.
FUNCTIONS = ["create_order", "list_orders", "get_order", "health"]
OTHERS, MINE = 24, 4


@pytest.fixture(scope="module")
def proxy(azurite: Azurite) -> Iterator[CountingProxy]:
    counting = CountingProxy(azurite)
    yield counting
    counting.close()


@pytest.fixture(scope="module")
def host(
    proxy: CountingProxy, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DevhostProcess]:
    devhost = DevhostProcess(
        ROOT,
        proxy.connection_string(),
        tmp_path_factory.mktemp("listing-costs") / "devhost.log",
        extra_env={"ORDER_SWEEP_SCHEDULE": NEVER, "CUSTOMER_ID_CLAIM": "customer_id"},
        extra_args=["--easy-auth", "--functions", *FUNCTIONS],
    )
    devhost.start()
    yield devhost
    devhost.stop()


def test_a_customers_listing_reads_only_their_own_rows(
    host: DevhostProcess, proxy: CountingProxy, issuer: LocalIssuer
) -> None:
    me = f"c-{uuid.uuid4().hex[:12]}"
    customer = Caller(host, mint(issuer, str(uuid.uuid4()), customer=me), me)
    ops = back_office(host, issuer, READ_WRITE_ALL)
    mine = {customer.create().json()["order_id"] for _ in range(MINE)}
    for other in other_customers(me, OTHERS):
        for _ in range(2):
            assert ops.create(customer_id=other).status == 201
    assert customer.call("GET", "/api/orders?limit=1").status == 200  # warm: clients made
    proxy.take()
    proxy.take_queries()
    listed = customer.call("GET", "/api/orders?limit=100")
    assert listed.status == 200, listed.body
    reads = {kind: n for kind, n in proxy.take().items() if kind.verb == "GET"}
    [query] = proxy.take_queries()
    assert {order["order_id"] for order in listed.json()["items"]} == mine
    assert [(str(kind), n) for kind, n in reads.items()] == [("table GET Orders query", 1)]
    assert f"PartitionKey eq '{customer_partition(me)}'" in query.filter
    assert f"RowKey ge 'customer:{me}:' and RowKey lt 'customer:{me};'" in query.filter
    assert query.returned == MINE
