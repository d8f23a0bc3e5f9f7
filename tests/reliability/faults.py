"""Load with faults: N concurrent creates through devhost while storage or the host dies.

Two faults, each injected once a third of the orders are acknowledged:
- `azurite`: Azurite stopped gracefully (SIGINT) and started again on the same ports and data;
- `devhost`: devhost SIGKILLed (no draining, responses lost mid-flight) and started again.

Then: every acknowledged order exists (0 lost), no key has two orders (0 duplicated), no answer
but 201 and the client's RETRY_ANSWERS (503) was given, and the customer read model and the
daily report converge to the orders store. Each scenario has its own Azurite, so the report
holds only its orders.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bench.stats import percentile
from devhost.azurite import Azurite, start_azurite
from tests.e2e.feed import converged, pages
from tests.e2e.harness import ROOT, DevhostProcess
from tests.reliability.client import Outcome, RetryingClient, poll
from tests.reliability.poison import unexplained_poison

if TYPE_CHECKING:
    from pathlib import Path

FAULTS = ("azurite", "devhost")
CUSTOMERS = 10
DOWN_S = 5.0  # how long the faulty part stays down
CONVERGE_WITHIN_S = 600.0  # a bound for giving up, not a figure (the relay runs each minute)


@dataclass
class LoadReport:
    fault: str
    orders: int
    acknowledged: int
    lost: int
    duplicated_keys: int
    unexpected_orders: int
    unexpected: dict[str, int]  # answers outside 201 and RETRY_ANSWERS, by label
    retries: int
    creates_retried: int
    p50_s: float
    p99_s: float
    max_s: float
    fault_s: float
    convergence_s: float
    poisoned: list[str]  # poison messages at the end (none is explained here)

    @property
    def ok(self) -> bool:
        clean = not (self.lost or self.duplicated_keys or self.unexpected_orders)
        return clean and self.acknowledged == self.orders and not (self.unexpected or self.poisoned)


class _Stack:
    """One Azurite and one devhost serving the app from it."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.azurite: Azurite = start_azurite(workdir / "azurite", log_file=workdir / "azurite.log")
        self.host = DevhostProcess(ROOT, self.azurite.connection_string, workdir / "devhost.log")
        self.host.start()

    def inject(self, fault: str) -> float:
        started = time.monotonic()
        if fault == "azurite":
            ports = (self.azurite.blob_port, self.azurite.queue_port, self.azurite.table_port)
            self.azurite.stop()  # SIGINT: Azurite saves its data and exits
            time.sleep(DOWN_S)
            self.azurite = start_azurite(
                self.azurite.location, ports=ports, log_file=self.workdir / "azurite.log"
            )
        else:
            assert self.host.process is not None
            self.host.process.kill()  # SIGKILL: nothing drains, in-flight answers are lost
            self.host.process.wait()
            time.sleep(DOWN_S)
            self.host.start()
        return time.monotonic() - started

    def close(self) -> None:
        self.host.stop()
        self.azurite.stop()


def _body(run: str, index: int) -> dict[str, Any]:
    return {
        "customer_id": f"r{run}-{index % CUSTOMERS}",
        "product_id": f"k{run}-{index}",
        "quantity": 1 + index % 5,
        "total_amount": index % 100 + 0.25,
    }


def _check_store(stack: _Stack, run: str, outcomes: list[Outcome]) -> tuple[int, int, int]:
    """(lost, keys with two or more orders, orders no key asked for) in the orders store."""
    stored = [
        o
        for c in range(CUSTOMERS)
        for o in pages(stack.host, "/api/orders", {"customer_id": f"r{run}-{c}"})
    ]
    return tally(stored, outcomes)


def tally(stored: list[dict[str, Any]], outcomes: list[Outcome]) -> tuple[int, int, int]:
    """(lost, keys with two or more orders, orders no key asked for) among `stored` orders,
    whose product id is `k` and the key of the create that made them."""
    per_key = Counter(order["product_id"] for order in stored)
    wanted = {f"k{o.key}" for o in outcomes}
    by_id = {order["order_id"]: order for order in stored}
    lost = sum(
        1
        for o in outcomes
        if o.order_id is not None and by_id.get(o.order_id, {}).get("product_id") != f"k{o.key}"
    )
    duplicated = sum(1 for count in per_key.values() if count > 1)
    return lost, duplicated, sum(1 for key in per_key if key not in wanted)


def run_load_with_fault(
    fault: str, orders: int, workdir: Path, *, concurrency: int = 16
) -> LoadReport:
    stack = _Stack(workdir)
    try:
        return _run(stack, fault, orders, concurrency)
    finally:
        stack.close()


def _run(stack: _Stack, fault: str, orders: int, concurrency: int) -> LoadReport:
    run, client = uuid.uuid4().hex[:8], RetryingClient(stack.host.base_url)
    acknowledged, third = threading.Semaphore(0), max(1, orders // 3)
    fault_s: list[float] = []

    def create(index: int) -> Outcome:
        outcome = client.create(f"{run}-{index}", _body(run, index))
        acknowledged.release()
        return outcome

    def injector() -> None:
        for _ in range(third):
            acknowledged.acquire()
        fault_s.append(stack.inject(fault))

    chaos = threading.Thread(target=injector)
    chaos.start()
    with ThreadPoolExecutor(concurrency) as pool:
        outcomes = list(pool.map(create, range(orders)))
    finished = time.monotonic()
    chaos.join()
    customers = [f"r{run}-{c}" for c in range(CUSTOMERS)]
    days = sorted({o["created_at"][:10] for o in pages(stack.host, "/api/orders", {})})
    poll(lambda: converged(stack.host, customers, *days), CONVERGE_WITHIN_S, interval=1.0)
    convergence_s = time.monotonic() - finished
    lost, duplicated, unexpected = _check_store(stack, run, outcomes)
    poisoned = unexplained_poison(stack.azurite.connection_string)
    seconds = [o.seconds for o in outcomes]
    return LoadReport(
        fault=fault,
        orders=orders,
        acknowledged=sum(o.order_id is not None for o in outcomes),
        lost=lost,
        duplicated_keys=duplicated,
        unexpected_orders=unexpected,
        unexpected=dict(client.unexpected),
        retries=sum(o.retries for o in outcomes),
        creates_retried=sum(1 for o in outcomes if o.retries),
        p50_s=percentile(seconds, 0.5),
        p99_s=percentile(seconds, 0.99),
        max_s=max(seconds),
        fault_s=fault_s[0],
        convergence_s=convergence_s,
        poisoned=poisoned,
    )
