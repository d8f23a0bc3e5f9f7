"""Creates and updates through devhost with the app spread over four event queues and three
storage accounts on one Azurite (AZURITE_ACCOUNTS), Azurite stopped (SIGINT: it keeps its
data) and started again once a third of the work is acknowledged.

Then: every acknowledged order exists once (0 lost, 0 duplicated) with its update applied once
(version 2: setting the quantity to 7 looks the same however often it is applied), the
customer views equal the orders store, every report total equals the orders' own, each
account holds exactly the orders of the customers placed in it and its order rows are in the
account of their bucket, the orders are spread evenly over the accounts, and no poison message
is left in any account.

Orders go where their customer goes (shared.sharding.customer_bucket), so the spread over the
accounts is the spread of the customers: the load uses many customers, one order each, with
fixed ids (`c-0000`..): their placement is a pure function of the id, so the expected count
per account is known exactly and the spread (7.9% off even for the first 1,000 ids at three
accounts) does not vary from run to run as random ids would (about one run in twenty past 10%).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bench.stats import percentile
from devhost.azurite import Azurite, start_azurite
from shared.azurite import ORDER_ACCOUNTS
from shared.sharding import customer_bucket, order_bucket
from tests.e2e.feed import call, converged, pages, report_truth, report_view
from tests.e2e.harness import ROOT, DevhostProcess
from tests.reliability.client import RetryingClient, poll
from tests.reliability.faults import DOWN_S, tally
from tests.reliability.poison import unexplained_poison

if TYPE_CHECKING:
    from pathlib import Path

    from tests.reliability.client import Outcome

QUEUES = 4
CONNECTIONS = ("AzureWebJobsStorage", "OrdersStorage1", "OrdersStorage2")
CONVERGE_WITHIN_S = 600.0  # a bound for giving up, not a figure (the relay runs each minute)
CUSTOMERS = 1000  # one order each at the default 1,000 orders (module docstring)
SAMPLED = 20  # customers polled while the feed catches up (cheap); then all until they agree


def _customer(index: int) -> str:
    return f"c-{index % CUSTOMERS:04d}"


def _body(run: str, index: int) -> dict[str, Any]:
    return {
        "customer_id": _customer(index),
        "product_id": f"k{run}-{index}",
        "quantity": 1 + index % 5,
        "total_amount": index % 100 + 0.25,
    }


@dataclass
class ShardedReport:
    orders: int
    acknowledged: int
    updated: int
    versions: dict[int, int]  # version -> orders: each changed once is at 2
    lost: int
    duplicated_keys: int
    unexpected_orders: int
    unexpected: dict[str, int]  # answers outside success and RETRY_ANSWERS, by label
    retries: int
    per_account: list[int]
    expected_per_account: list[int]  # the acknowledged orders' customers' accounts
    misplaced: int  # order rows in an account other than their bucket's
    reports_exact: bool
    p50_s: float
    p99_s: float
    fault_s: float
    convergence_s: float
    poisoned: list[str]

    @property
    def ok(self) -> bool:
        clean = not (self.lost or self.duplicated_keys or self.unexpected_orders or self.misplaced)
        complete = self.acknowledged == self.updated == self.orders and self.reports_exact
        complete = complete and self.per_account == self.expected_per_account
        complete &= self.versions == {2: self.orders}
        return clean and complete and self.spread <= 0.10 and not (self.unexpected or self.poisoned)

    @property
    def spread(self) -> float:
        """The largest distance of an account's orders from an even share, as a fraction."""
        even = sum(self.per_account) / len(self.per_account)
        return max(abs(n - even) for n in self.per_account) / even


class _ShardedStack:
    """One Azurite serving three accounts, and one devhost serving the app sharded on it."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.azurite: Azurite = self._start()
        env = {
            "ORDER_EVENT_QUEUES": str(QUEUES),
            "ORDER_STORAGE_CONNECTIONS": ",".join(CONNECTIONS),
            "ORDER_SWEEP_SCHEDULE": "0 0 0 1 1 *",  # fired by hand only
            **{
                name: self.azurite.connection_string_of(account)
                for name, account in zip(CONNECTIONS[1:], ORDER_ACCOUNTS, strict=True)
            },
        }
        log = workdir / "devhost.log"
        self.host = DevhostProcess(ROOT, self.azurite.connection_string, log, extra_env=env)
        self.host.start()

    def _start(self, ports: tuple[int, int, int] | None = None) -> Azurite:
        return start_azurite(
            self.workdir / "azurite",
            ports=ports,
            log_file=self.workdir / "azurite.log",
            accounts=ORDER_ACCOUNTS,
        )

    @property
    def connections(self) -> list[str]:
        """Each order account's connection string, in ORDER_STORAGE_CONNECTIONS order."""
        extra = [self.azurite.connection_string_of(account) for account in ORDER_ACCOUNTS]
        return [self.azurite.connection_string, *extra]

    def restart_storage(self) -> float:
        started = time.monotonic()
        ports = (self.azurite.blob_port, self.azurite.queue_port, self.azurite.table_port)
        self.azurite.stop()  # SIGINT: Azurite saves its data and exits
        time.sleep(DOWN_S)
        self.azurite = self._start(ports)
        return time.monotonic() - started

    def close(self) -> None:
        self.host.stop()
        self.azurite.stop()


def _update(host: DevhostProcess, client: RetryingClient, order_id: str, quantity: int) -> bool:
    """PATCH the quantity with If-Match, retried through storage faults; a retry whose first
    try went through finds the quantity already there (True when it holds)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        current = call(host, "GET", f"/api/orders/{order_id}")
        if current.status == 200 and current.json()["quantity"] == quantity:
            return True
        if current.status == 200:
            answer = call(
                host,
                "PATCH",
                f"/api/orders/{order_id}",
                body=json.dumps({"quantity": quantity}).encode(),
                headers={"Content-Type": "application/json", "If-Match": current.headers["ETag"]},
            )
            if answer.status == 200:
                return True
            if not client.retryable(answer):
                return False
        time.sleep(0.2)
    return False


def _placement(stack: _ShardedStack, run: str) -> tuple[list[int], int, dict[int, int]]:
    """Orders of this run per account, how many rows sit outside their bucket's account, and
    how many orders are at each version (each is created, then changed once: version 2)."""
    from azure.data.tables import TableClient

    per_account, misplaced, versions = [], 0, Counter[int]()
    for index, connection in enumerate(stack.connections):
        table = TableClient.from_connection_string(connection, "Orders")
        rows = table.query_entities(
            "RowKey ge @low and RowKey lt @high and product_id ge @run and product_id lt @end",
            parameters={"low": "order:", "high": "order;", "run": f"k{run}-", "end": f"k{run}."},
            select=["order_id", "version"],
        )
        found = [(str(row["order_id"]), int(row["version"])) for row in rows]
        per_account.append(len(found))
        misplaced += sum(1 for i, _ in found if order_bucket(i, len(CONNECTIONS))[0] != index)
        versions.update(version for _, version in found)
    return per_account, misplaced, dict(versions)


def _expected_per_account(outcomes: list[Outcome]) -> list[int]:
    """Acknowledged orders per account, as their customers' placement has it."""
    expected = [0] * len(CONNECTIONS)
    for index, outcome in enumerate(outcomes):
        if outcome.order_id is not None:
            expected[customer_bucket(_customer(index), len(CONNECTIONS))[0]] += 1
    return expected


def run_sharded_load(orders: int, workdir: Path, *, concurrency: int = 16) -> ShardedReport:
    stack = _ShardedStack(workdir)
    try:
        return _run(stack, orders, concurrency)
    finally:
        stack.close()


def _run(stack: _ShardedStack, orders: int, concurrency: int) -> ShardedReport:
    run, client = uuid.uuid4().hex[:8], RetryingClient(stack.host.base_url)
    acknowledged, third = threading.Semaphore(0), max(1, 2 * orders // 3)
    fault_s: list[float] = []

    def work(index: int) -> tuple[Outcome, bool]:
        outcome = client.create(f"{run}-{index}", _body(run, index))
        acknowledged.release()
        updated = outcome.order_id is not None and _update(stack.host, client, outcome.order_id, 7)
        acknowledged.release()
        return outcome, updated

    def injector() -> None:
        for _ in range(third):  # a third of the creates and updates
            acknowledged.acquire()
        fault_s.append(stack.restart_storage())

    chaos = threading.Thread(target=injector)
    chaos.start()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(work, range(orders)))
    finished = time.monotonic()
    chaos.join()
    outcomes = [outcome for outcome, _ in results]
    customers = sorted({_customer(index) for index in range(orders)})
    days = sorted({o["created_at"][:10] for o in pages(stack.host, "/api/orders", {})})
    sample = customers[:: max(1, len(customers) // SAMPLED)]
    poll(lambda: converged(stack.host, sample, *days), CONVERGE_WITHIN_S, interval=1.0)
    # Then every customer's view must equal the store (TimeoutError, and the test fails, if not).
    poll(lambda: converged(stack.host, customers), CONVERGE_WITHIN_S, interval=1.0)
    convergence_s = time.monotonic() - finished
    stored = [
        o for o in pages(stack.host, "/api/orders", {}) if o["product_id"].startswith(f"k{run}-")
    ]
    lost, duplicated, unexpected = tally(stored, outcomes)
    per_account, misplaced, versions = _placement(stack, run)
    exact = all(report_view(stack.host, day) == report_truth(stack.host, day) for day in days)
    seconds = [o.seconds for o in outcomes]
    return ShardedReport(
        orders=orders,
        acknowledged=sum(o.order_id is not None for o in outcomes),
        updated=sum(1 for order in stored if order["quantity"] == 7),
        versions=versions,
        lost=lost,
        duplicated_keys=duplicated,
        unexpected_orders=unexpected,
        unexpected=dict(client.unexpected),
        retries=sum(o.retries for o in outcomes),
        per_account=per_account,
        expected_per_account=_expected_per_account(outcomes),
        misplaced=misplaced,
        reports_exact=exact,
        p50_s=percentile(seconds, 0.5),
        p99_s=percentile(seconds, 0.99),
        fault_s=fault_s[0],
        convergence_s=convergence_s,
        poisoned=[p for c in stack.connections for p in unexplained_poison(c)],
    )
