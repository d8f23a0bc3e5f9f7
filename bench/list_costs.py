"""Storage requests per call of each listing route and of health, at 10,000 orders (issue 28).

Each tree (this one, and with `--baseline REV` the app at git revision REV, from `git
archive`) gets its own Azurite and its own devhost `--easy-auth` (the tree's own devhost code)
behind the counting proxy (`bench.storage_proxy`). `--orders` orders of `--customers`
customers are created through `POST /api/orders` as the back office and carried by the change
feed into the read models; then devhost is started again with only the HTTP functions (no
timer or queue consumer reads storage in the background) and each route is called `--calls`
times, every call counted:

- a customer's `GET /api/orders` (their own; one of the customers), and with `status=`;
- the back office's `GET /api/orders`, with `status=`, with `customer_id=`, with both;
- `GET /api/customers/{id}/orders` (the read model) and `GET /api/health`.

`status=CANCELLED` matches no order: the worst case of a filter, which must read on until it
finds something or the end. Per call: storage requests, table rows storage returned, and the
rows the query's key range spans (what storage must examine: the whole table for a filter
without keys; counted afterwards on Azurite directly, not through the proxy). And the CPU of
the new order-id placement (`shared.sharding.order_id_for`) against a bare `uuid4`, in this
process.

    .venv/bin/python -m bench.list_costs [--orders 10000] [--customers 500] [--calls 5]
        [--baseline 308bbe1]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import tempfile
import threading
import time
import timeit
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bench.storage_proxy import CountingProxy, TableQuery
from bench.storage_requests import _function_names, settled
from bench.throughput import export_revision
from devhost.azurite import running_azurite
from tests.e2e.harness import ROOT, DevhostProcess, wait_for

if TYPE_CHECKING:
    from devhost.azurite import Azurite

READ_WRITE_ALL = "Orders.ReadWrite.All"
SETTLE_WITHIN_S = 900.0  # a bound for giving up, not a figure
HTTP_ONLY = ["list_orders", "list_customer_orders", "health", "get_order"]


@dataclass
class Cost:
    """What one call of a route cost, as medians over the calls."""

    requests: float
    returned: float
    spanned: float
    items: float


def _tokens(tree: Path, customer: str) -> dict[str, str]:
    """Bearer tokens of the tree's local issuer (made on first use in the tree's folder)."""
    from devhost.auth import LocalIssuer, mint

    issuer = LocalIssuer.open(tree)
    return {
        "ops": mint(issuer, str(uuid.uuid4()), roles=[READ_WRITE_ALL]),
        "customer": mint(issuer, str(uuid.uuid4()), customer=customer),
    }


def _create(port: int, token: str, customers: list[str], total: int, clients: int) -> None:
    """`total` orders, customer after customer in turn, from `clients` keep-alive threads."""
    lock, counter = threading.Lock(), iter(range(total))
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                index = next(counter, None)
            if index is None:
                return
            body = {
                "customer_id": customers[index % len(customers)],
                "product_id": "p-1",
                "quantity": 1,
                "total_amount": 2.5,
            }
            conn.request("POST", "/api/orders", json.dumps(body), headers)
            answer = conn.getresponse()
            payload = answer.read()
            assert answer.status == 201, payload

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _spanned(azurite: Azurite, query: TableQuery) -> int:
    """Rows the query's key conditions span: all the table's rows when it has none."""
    from azure.data.tables import TableClient

    keys = [c for c in query.filter.split(" and ") if c.startswith(("PartitionKey", "RowKey"))]
    table = TableClient.from_connection_string(azurite.connection_string, query.table)
    rows = (
        table.query_entities(" and ".join(keys), select=["PartitionKey"])
        if keys
        else (table.list_entities(select=["PartitionKey"]))
    )
    return sum(1 for _ in rows)


def _routes(customer: str) -> dict[str, tuple[str, str]]:
    """Label: (who calls, path)."""
    return {
        "customer: GET /api/orders": ("customer", "/api/orders"),
        "customer: GET /api/orders?status=CANCELLED": (
            "customer",
            "/api/orders?status=CANCELLED",
        ),
        "back office: GET /api/orders": ("ops", "/api/orders"),
        "back office: GET /api/orders?status=CANCELLED": ("ops", "/api/orders?status=CANCELLED"),
        "back office: GET /api/orders?customer_id=X": (
            "ops",
            f"/api/orders?customer_id={customer}",
        ),
        "back office: GET /api/orders?customer_id=X&status=CANCELLED": (
            "ops",
            f"/api/orders?customer_id={customer}&status=CANCELLED",
        ),
        "customer: GET /api/customers/X/orders": ("customer", f"/api/customers/{customer}/orders"),
        "anonymous: GET /api/health": ("", "/api/health"),
    }


def _call(port: int, path: str, token: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    conn.request("GET", path, headers=headers)
    answer = conn.getresponse()
    body = json.loads(answer.read())
    assert answer.status == 200, body
    return len(body.get("items", []))


def _measure(
    host: DevhostProcess,
    proxy: CountingProxy,
    azurite: Azurite,
    tokens: dict[str, str],
    customer: str,
    calls: int,
) -> dict[str, Cost]:
    costs: dict[str, Cost] = {}
    for label, (who, path) in _routes(customer).items():
        token = tokens.get(who, "")
        _call(host.port, path, token)  # warm: the route's tables and clients exist
        proxy.take()
        proxy.take_queries()
        samples: list[tuple[int, int, int, int]] = []
        for _ in range(calls):
            items = _call(host.port, path, token)
            requests = sum(proxy.take().values())
            queries = proxy.take_queries()
            returned = sum(query.returned for query in queries)
            spanned = sum(_spanned(azurite, query) for query in queries)
            samples.append((requests, returned, spanned, items))
        costs[label] = Cost(*(statistics.median(column) for column in zip(*samples, strict=True)))
    return costs


def measure_tree(tree: Path, label: str, args: argparse.Namespace, folder: Path) -> dict[str, Cost]:
    customers = [f"bench-{n:04d}" for n in range(args.customers)]
    tokens = _tokens(tree, customers[0])
    settings = {"ORDER_SWEEP_SCHEDULE": "0 0 0 1 1 *", "CUSTOMER_ID_CLAIM": "customer_id"}
    everything = _function_names(tree, settings)  # all but the image functions
    with running_azurite(folder / f"{label}-azurite") as azurite:
        proxy = CountingProxy(azurite)
        host = DevhostProcess(
            tree,
            proxy.connection_string(),
            folder / f"{label}-devhost.log",
            extra_env=settings,
            extra_args=["--easy-auth", "--functions", *everything],
            devhost_root=tree,
        )
        try:
            host.start()
            started = time.monotonic()
            _create(host.port, tokens["ops"], customers, args.orders, args.clients)
            wait_for(lambda: settled([azurite.connection_string]), SETTLE_WITHIN_S, interval=1)
            seconds = time.monotonic() - started
            print(f"{label}: {args.orders} orders made and carried in {seconds:.0f} s")
            host.stop()
            host.extra_args = ["--easy-auth", "--functions", *HTTP_ONLY]
            host.start()
            return _measure(host, proxy, azurite, tokens, customers[0], args.calls)
        finally:
            host.stop()
            proxy.close()


def id_placement_us() -> dict[str, float]:
    """Microseconds per new order id: a bare uuid4, and order_id_for at 1, 3 and 32 accounts."""
    from shared.sharding import order_id_for

    timings = {"str(uuid.uuid4())": lambda: str(uuid.uuid4())}
    for accounts in (1, 3, 32):
        timings[f"order_id_for, {accounts} account(s)"] = (
            lambda k=accounts: order_id_for("c-bench", k)  # type: ignore[misc]
        )
    return {
        name: min(timeit.repeat(make, number=200, repeat=5)) / 200 * 1e6
        for name, make in timings.items()
    }


def report(results: dict[str, dict[str, Cost]], ids: dict[str, float], load: str) -> None:
    print(f"\n{load}\n")
    labels = list(results)
    print(
        "| route | "
        + " | ".join(f"{t}: requests, rows returned, rows spanned" for t in labels)
        + " | items |"
    )
    print("|---|" + "---|" * len(labels) + "---:|")
    for route in next(iter(results.values())):
        cells = [
            f"{results[t][route].requests:g}, {results[t][route].returned:g}, "
            f"{results[t][route].spanned:g}"
            for t in labels
        ]
        print(f"| {route} | " + " | ".join(cells) + f" | {results[labels[0]][route].items:g} |")
    base = ids["str(uuid.uuid4())"]
    print("\n| new order id | µs | / uuid4 |\n|---|---:|---:|")
    for name, us in ids.items():
        print(f"| {name} | {us:.1f} | {us / base:.1f}x |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--calls", type=int, default=5)
    parser.add_argument("--baseline", help="git revision to measure too")
    args = parser.parse_args()
    results: dict[str, dict[str, Cost]] = {}
    with tempfile.TemporaryDirectory() as folder:
        trees = {"this tree": ROOT}
        if args.baseline:
            trees[args.baseline] = export_revision(args.baseline, Path(folder) / "baseline")
        for label, tree in trees.items():
            results[label] = measure_tree(tree, label.replace(" ", "-"), args, Path(folder))
    load = (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} CPUs; {args.orders} orders of {args.customers} customers, "
        f"median of {args.calls} calls per route"
    )
    report(results, id_placement_us(), load)


if __name__ == "__main__":
    main()
