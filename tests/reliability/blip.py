"""A short storage blip while orders are created: how long until every read model is exact.

Clients create orders through devhost; once some are acknowledged, the queue service (or all of
storage) stops answering for a few seconds (tests/reliability/proxy.py stalls connections, as a
dead network path does), then comes back. Sends after commit fail meanwhile and their events
wait in the outbox. The report says how long after storage came back every customer's view and
the daily report equalled the orders store, and who sent the waiting events: the process that
made them (`order_event_resent`, shared/changes/resend.py) or the relay (`outbox_relay`).

The reliability test (test_blip.py) runs it without the relay, so only the prompt resend can
catch up; `bench/recovery.py` runs it with the relay, against a tree without the resend too.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from devhost.azurite import start_azurite
from tests.e2e.feed import converged, pages
from tests.e2e.harness import ROOT, DevhostProcess
from tests.reliability.client import RetryingClient, poll
from tests.reliability.poison import unexplained_poison
from tests.reliability.proxy import StorageProxy

if TYPE_CHECKING:
    from pathlib import Path

CUSTOMERS = 4
CLIENTS = 4
BEFORE_CUT = 8  # orders acknowledged before storage goes away
AFTER_RESTORE_S = 1.0  # creating goes on this long after storage is back
NEVER = "0 0 0 1 1 *"  # the nightly sweep relays too: kept out of the run
RELAY_FUNCTIONS = ("relay_outbox", "nightly_sweep")


@dataclass
class BlipReport:
    cut: tuple[str, ...]
    down_s: float
    orders: int = 0
    deferred: int = 0  # sends that failed right after their commit
    resent: int = 0  # of those, sent again by the process that made them
    relayed: int = 0  # events the relay sent
    exact_after_s: float = 0.0  # storage back -> every read model exact
    poisoned: list[str] = field(default_factory=list)


@dataclass
class _Load:
    """Clients creating orders until `stop`, each create retried until acknowledged."""

    host: DevhostProcess
    run: str
    acknowledged: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self, index: int) -> None:
        client, serial = RetryingClient(self.host.base_url), 0
        while not self.stop.is_set():
            serial += 1
            body = {
                "customer_id": f"{self.run}-{(index + serial) % CUSTOMERS}",
                "product_id": "p",
                "quantity": 1,
                "total_amount": 2.5,
            }
            outcome = client.create(f"{self.run}-{index}-{serial}", body)
            if outcome.order_id is not None:
                with self.lock:
                    self.acknowledged.append(outcome.order_id)

    def count(self) -> int:
        with self.lock:
            return len(self.acknowledged)


def served_functions(names: list[str], *, relay: bool) -> list[str]:
    """The functions devhost serves: all of them, or all but the two that relay."""
    return names if relay else [name for name in names if name not in RELAY_FUNCTIONS]


def run_blip(
    workdir: Path,
    functions: list[str],
    *,
    cut: tuple[str, ...] = ("queue",),
    down_s: float = 3.0,
    within_s: float = 15.0,
    tree: Path = ROOT,
    clients: int = CLIENTS,
) -> BlipReport:
    """One Azurite and one devhost (serving `functions` of the app at `tree`); raises
    TimeoutError if the read models are not exact within `within_s` of storage coming back."""
    azurite = start_azurite(workdir / "azurite", log_file=workdir / "azurite.log")
    proxy = StorageProxy(azurite)
    host = DevhostProcess(
        tree,
        proxy.connection_string,
        workdir / "devhost.log",
        extra_env={"ORDER_SWEEP_SCHEDULE": NEVER},
        extra_args=["--no-event-source", "--functions", *functions],
        devhost_root=tree,
    )
    try:
        host.start()
        report = _blip(host, proxy, BlipReport(cut, down_s), within_s, clients)
        report.poisoned = unexplained_poison(azurite.connection_string)
        return report
    finally:
        host.stop()
        proxy.close()
        azurite.stop()


def _blip(
    host: DevhostProcess, proxy: StorageProxy, report: BlipReport, within_s: float, count: int
) -> BlipReport:
    load = _Load(host, uuid.uuid4().hex[:8])
    clients = [threading.Thread(target=load.client, args=(i,)) for i in range(count)]
    for client in clients:
        client.start()
    try:
        poll(lambda: load.count() >= BEFORE_CUT, 120, interval=0.05)
        proxy.cut(*report.cut)
        time.sleep(report.down_s)
        proxy.restore()
        restored = time.monotonic()
        time.sleep(AFTER_RESTORE_S)
    finally:
        load.stop.set()
        for client in clients:
            client.join()
    customers = [f"{load.run}-{c}" for c in range(CUSTOMERS)]
    days = sorted({o["created_at"][:10] for o in pages(host, "/api/orders", {})})
    left = max(0.5, restored + within_s - time.monotonic())
    poll(lambda: converged(host, customers, *days), left, interval=0.2)
    report.exact_after_s = time.monotonic() - restored
    report.orders = load.count()
    log = host.log_text()
    report.deferred = log.count("order_event_send_deferred")
    report.resent = log.count("order_event_resent")
    report.relayed = sum(
        int(line.split("outbox_relay sent=")[1].split()[0])
        for line in log.splitlines()
        if "outbox_relay sent=" in line
    )
    return report
