"""A short storage blip while orders are created: how long until every read model is exact.

Clients create orders through devhost; once some are acknowledged, the queue service (or all of
storage) fails for a few seconds, then comes back. Two kinds of failure:

- `unavailable`: the service answers every request with 503 Server Busy at once
  (bench/storage_proxy.py). Every send made meanwhile fails, and no request is taken without
  its answer arriving: what the app does about the blip is all that is measured.
- `stalled`: a dead network path (tests/reliability/proxy.py): nothing is forwarded or
  answered, so clients wait for their timeouts. Answers to requests storage had already taken
  are lost too; a lost answer to a queue receive hides its messages for the listener's
  visibility timeout (devhost's lease, 60 s; the .NET host's, 10 minutes), which no app-side
  retry can shorten. Sends after commit fail meanwhile and their events
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

from bench.storage_proxy import CountingProxy
from devhost.azurite import start_azurite
from tests.e2e.feed import converged, pages
from tests.e2e.harness import ROOT, DevhostProcess
from tests.reliability.client import RetryingClient, poll
from tests.reliability.poison import unexplained_poison
from tests.reliability.proxy import StorageProxy

if TYPE_CHECKING:
    from pathlib import Path

    from devhost.azurite import Azurite

CUSTOMERS = 4
CLIENTS = 4
BEFORE_CUT = 8  # orders acknowledged before storage goes away
AFTER_RESTORE_S = 1.0  # creating goes on this long after storage is back
NEVER = "0 0 0 1 1 *"  # the nightly sweep relays too: kept out of the run
RELAY_FUNCTIONS = ("relay_outbox", "nightly_sweep")


@dataclass
class BlipReport:
    fault: str
    services: tuple[str, ...]
    down_s: float
    orders: int = 0
    deferred: int = 0  # sends that failed right after their commit
    resent: int = 0  # of those, sent again by the process that made them
    relayed: int = 0  # events the relay sent
    exact_after_s: float = 0.0  # storage back -> every read model exact
    poisoned: list[str] = field(default_factory=list)


class _Stalled:
    """`services` become a dead network path (tests/reliability/proxy.py)."""

    def __init__(self, azurite: Azurite, services: tuple[str, ...]) -> None:
        self.proxy, self.services = StorageProxy(azurite), services
        self.connection_string = self.proxy.connection_string

    def begin(self) -> None:
        self.proxy.cut(*self.services)

    def end(self) -> None:
        self.proxy.restore()

    def close(self) -> None:
        self.proxy.close()


class _Unavailable:
    """`services` answer 503 Server Busy to every request (bench/storage_proxy.py)."""

    def __init__(self, azurite: Azurite, services: tuple[str, ...]) -> None:
        self.proxy, self.services = CountingProxy(azurite), frozenset(services)
        self.connection_string = self.proxy.connection_string()

    def begin(self) -> None:
        self.proxy.unavailable = self.services

    def end(self) -> None:
        self.proxy.unavailable = frozenset()

    def close(self) -> None:
        self.proxy.close()


FAULTS: dict[str, type[_Stalled | _Unavailable]] = {
    "unavailable": _Unavailable,
    "stalled": _Stalled,
}


@dataclass
class _Load:
    """Clients creating orders until `stop`, each create retried until acknowledged."""

    host: DevhostProcess
    run: str
    pace_s: float  # each client's pause between creates
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
            self.stop.wait(self.pace_s)

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
    fault: str = "unavailable",
    services: tuple[str, ...] = ("queue",),
    down_s: float = 3.0,
    within_s: float = 15.0,
    tree: Path = ROOT,
    clients: int = CLIENTS,
    pace_s: float = 0.0,
) -> BlipReport:
    """One Azurite and one devhost (serving `functions` of the app at `tree`); raises
    TimeoutError if the read models are not exact within `within_s` of storage coming back."""
    azurite = start_azurite(workdir / "azurite", log_file=workdir / "azurite.log")
    blip = FAULTS[fault](azurite, services)
    host = DevhostProcess(
        tree,
        blip.connection_string,
        workdir / "devhost.log",
        extra_env={"ORDER_SWEEP_SCHEDULE": NEVER},
        extra_args=["--no-event-source", "--functions", *functions],
        devhost_root=tree,
    )
    try:
        host.start()
        report = BlipReport(fault, services, down_s)
        report = _blip(
            host, blip, report, within_s, _Load(host, uuid.uuid4().hex[:8], pace_s), clients
        )
        report.poisoned = unexplained_poison(azurite.connection_string)
        return report
    finally:
        host.stop()
        blip.close()
        azurite.stop()


def _blip(
    host: DevhostProcess,
    blip: _Stalled | _Unavailable,
    report: BlipReport,
    within_s: float,
    load: _Load,
    count: int,
) -> BlipReport:
    clients = [threading.Thread(target=load.client, args=(i,)) for i in range(count)]
    for client in clients:
        client.start()
    try:
        poll(lambda: load.count() >= BEFORE_CUT, 120, interval=0.05)
        blip.begin()
        time.sleep(report.down_s)
        blip.end()
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
