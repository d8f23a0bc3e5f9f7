"""Storage requests per operation, counted at the emulator, by service, verb and what.

devhost serves the app's order and change-feed functions (not the image ones: their event
source lists blobs every second, which Azure's Event Grid does not) from an Azurite behind
`bench.storage_proxy`, which counts every request that reaches storage: the app's, the
host's queue polling and deletes, the SDKs' own. Each phase starts from a settled state (no
message in the event queues, no row in any outbox; checked directly against Azurite, so the
checks are not counted) and ends when it is settled again, so the deferred outbox cleanup
and the consumer's work belong to the operation that caused them.

- idle: nothing happens for `--idle-seconds` (the host's polling, the relay's minute timer);
- create: `--orders` POST /api/orders from 12 clients, each carried into both read models;
- create-keyed: as many again, each with its own Idempotency-Key, as careful clients call
  (README); docs/capacity.md's figure;
- update: one PATCH (status CONFIRMED, If-Match) of each of the unkeyed orders;
- sweep: `--stale` orders two days old (made by this process through the app's code, not
  counted) expired by one nightly_sweep fired through devhost's admin endpoint.

`--baseline REV` measures the app at git revision REV (`git archive`) in the same run, each
tree on its own Azurite and devhost, same devhost code. `--queues N --accounts K` run this
tree spread over N event queues and K accounts of the one Azurite (K at most 3 locally; the
baseline, which cannot shard, runs with one of each); the counts are then kept per account
too. `--json FILE` keeps the counts for `bench.capacity`.

    .venv/bin/python -m bench.storage_requests [--orders 200] [--stale 100]
        [--idle-seconds 60] [--baseline dd42163] [--queues 4 --accounts 3]
        [--json bench/results/storage_requests.json]
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.measured import record
from bench.storage_proxy import CountingProxy, RequestKind
from bench.throughput import export_revision
from devhost.azurite import Azurite, running_azurite
from shared.azurite import ORDER_ACCOUNTS
from tests.e2e.harness import ROOT, DevhostProcess, request, wait_for

IMAGE_FUNCTIONS = frozenset(
    {"make_thumbnail", "get_image_status", "create_image_upload", "upload_page"}
)
# Read-model tables and queue traffic: the change feed's share of an operation.
FEED_TABLES = ("OrdersByCustomer", "OrderSummary")
SETTLE_WITHIN_S = 180.0


@dataclass
class Phase:
    """What one phase cost: requests by kind, for `per` operations over `seconds`."""

    per: int
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)
    by_account: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, counts: Counter[RequestKind], per: int, seconds: float) -> Phase:
        by_account: Counter[str] = Counter()
        by_kind: Counter[str] = Counter()
        for kind, count in counts.items():
            by_kind[str(kind)] += count
            by_account[kind.account] += count
        return cls(per, seconds, dict(by_kind), dict(by_account))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def per_operation(self) -> float:
        return self.total / self.per

    def feed_per_operation(self) -> float:
        feed = sum(
            count
            for kind, count in self.counts.items()
            if (kind.startswith("queue ") and not kind.startswith("queue POST"))
            or any(f" {t}" in kind for t in FEED_TABLES)
        )
        return feed / self.per


def function_names(tree: Path, settings: dict[str, str] | None = None) -> list[str]:
    """Every function of the app at `tree`, as its devhost loads them with `settings` (the
    number of event queues decides the queue functions)."""
    import subprocess
    import sys

    code = (
        "import json, sys; from pathlib import Path; from devhost.functions import load_functions;"
        "print(json.dumps([s.name for s in load_functions(Path(sys.argv[1]))]))"
    )
    listed = subprocess.run(
        [sys.executable, "-c", code, str(tree)],
        cwd=tree,
        env={**os.environ, **(settings or {})},
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    names: list[str] = json.loads(listed.strip().splitlines()[-1])
    return names


def _function_names(tree: Path, settings: dict[str, str]) -> list[str]:
    """The tree's functions but the image ones."""
    return [name for name in function_names(tree, settings) if name not in IMAGE_FUNCTIONS]


def settled(connections: list[str]) -> bool:
    """No event waits in any order-events queue and no row in any outbox, in every account."""
    from azure.data.tables import TableServiceClient
    from azure.storage.queue import QueueServiceClient

    for connection in connections:
        queues = QueueServiceClient.from_connection_string(connection)
        for queue in queues.list_queues(name_starts_with="order-events"):
            if queue.name.endswith("-poison"):
                continue
            client = queues.get_queue_client(queue.name)
            if client.get_queue_properties().approximate_message_count:
                return False
        tables = TableServiceClient.from_connection_string(connection)
        if "Orders" not in {t.name for t in tables.list_tables()}:
            continue
        outbox = tables.get_table_client("Orders").query_entities(
            "RowKey ge @low and RowKey lt @high",
            parameters={"low": "outbox:", "high": "outbox;"},
            select=["RowKey"],
        )
        if next(iter(outbox), None) is not None:
            return False
    return True


def _post_orders(
    port: int, total: int, clients: int, *, keyed: bool = False
) -> list[tuple[str, str]]:
    """`total` creates from `clients` threads with keep-alive connections, each with an
    Idempotency-Key of its own if `keyed`; (id, ETag) each."""
    made: list[tuple[str, str]] = []
    lock, counter = threading.Lock(), iter(range(total))

    def client(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        body = json.dumps(
            {
                "customer_id": f"bench-{uuid.uuid4().hex[:8]}-{index}",
                "product_id": "p-1",
                "quantity": 2,
                "total_amount": 9.99,
            }
        )
        while True:
            with lock:
                if next(counter, None) is None:
                    return
            headers = {"Content-Type": "application/json"}
            if keyed:
                headers["Idempotency-Key"] = f'"{uuid.uuid4()}"'
            conn.request("POST", "/api/orders", body, headers)
            response = conn.getresponse()
            payload = json.loads(response.read())
            assert response.status == 201, payload
            with lock:
                made.append((payload["order_id"], response.headers["ETag"]))

    _run_threads(client, clients)
    return made


def _patch_orders(port: int, orders: list[tuple[str, str]], clients: int) -> None:
    lock, pending = threading.Lock(), list(orders)

    def client(_: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if not pending:
                    return
                order_id, etag = pending.pop()
            body = json.dumps({"status": "CONFIRMED"})
            headers = {"Content-Type": "application/json", "If-Match": etag}
            conn.request("PATCH", f"/api/orders/{order_id}", body, headers)
            response = conn.getresponse()
            payload = response.read()
            assert response.status == 200, payload

    _run_threads(client, clients)


def _run_threads(target: Any, count: int) -> None:
    threads = [threading.Thread(target=target, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _make_stale_orders(azurite: Azurite, served: dict[str, str], queues: int, count: int) -> None:
    """`count` PENDING orders created two days ago, through the app's own code (this tree's;
    the rows are the same in the baseline), on storage directly: not counted."""
    from shared import bootstrap
    from shared.auth import READ_WRITE_ALL, Caller
    from shared.orders import services

    names = [f"OrdersStorage{k}" for k in range(1, len(served) + 1)]
    os.environ["AzureWebJobsStorage"] = azurite.connection_string  # noqa: SIM112 - the host's name
    os.environ["AUTH_REQUIRED"] = "false"
    os.environ["ORDER_EVENT_QUEUES"] = str(queues)
    os.environ["ORDER_STORAGE_CONNECTIONS"] = ",".join(["AzureWebJobsStorage", *names])
    for name, account in zip(names, served, strict=True):
        os.environ[name] = azurite.connection_string_of(account)
    then = datetime.now(UTC) - timedelta(days=2)
    caller = Caller("bench", None, frozenset({READ_WRITE_ALL}))

    async def make() -> None:
        await bootstrap.reset()
        body = {"customer_id": "bench-stale", "product_id": "p", "quantity": 1, "total_amount": 3}
        repo = await bootstrap.order_repository()
        for _ in range(count):
            await services.create_order(
                body,
                repo=repo,
                clock=lambda: then,
                caller=caller,
                new_id=bootstrap.new_order_id,
            )
        await bootstrap.reset()  # sends are done; the outbox rows go with the cleanup's flush

    asyncio.run(make())


def _sweeps_logged(host: DevhostProcess) -> int:
    return host.log_text().count("nightly_sweep stale=")


def _phase(proxy: CountingProxy, direct: list[str], per: int, started: float) -> Phase:
    wait_for(lambda: settled(direct), SETTLE_WITHIN_S, interval=0.2)
    return Phase.of(proxy.take(), per, time.monotonic() - started)


def _sharding(queues: int, accounts: int, proxy: CountingProxy) -> dict[str, str]:
    """The settings that spread the app over `queues` queues and `accounts` accounts, every
    account reached through the proxy."""
    if queues == accounts == 1:
        return {}
    extra = list(ORDER_ACCOUNTS.items())[: accounts - 1]
    names = [f"OrdersStorage{k}" for k in range(1, accounts)]
    return {
        "ORDER_EVENT_QUEUES": str(queues),
        "ORDER_STORAGE_CONNECTIONS": ",".join(["AzureWebJobsStorage", *names]),
        **{
            name: proxy.connection_string(a, key)
            for name, (a, key) in zip(names, extra, strict=True)
        },
    }


def measure_tree(
    tree: Path, label: str, args: argparse.Namespace, folder: Path, *, sharded: bool
) -> dict[str, Phase]:
    """Every phase for one tree, on an Azurite and a devhost of its own."""
    queues, accounts = (args.queues, args.accounts) if sharded else (1, 1)
    served = dict(list(ORDER_ACCOUNTS.items())[: accounts - 1])
    with running_azurite(folder / f"{label}-azurite", accounts=served or None) as azurite:
        proxy = CountingProxy(azurite)
        direct = [azurite.connection_string, *map(azurite.connection_string_of, served)]
        settings = {  # the sweep is fired by hand only
            "ORDER_SWEEP_SCHEDULE": "0 0 0 1 1 *",
            **_sharding(queues, accounts, proxy),
        }
        host = DevhostProcess(
            tree,
            proxy.connection_string(),
            folder / f"{label}-devhost.log",
            extra_env=settings,
            extra_args=["--functions", *_function_names(tree, settings)],
            # The tree's own devhost: devhost imports parts of `shared`, and the app would
            # otherwise get those of this tree.
            devhost_root=tree,
        )
        try:
            host.start()
            # Warm-up: tables, queues, clients, and the one look per process for keys
            # written before issue 33.
            _post_orders(host.port, 12, args.clients)
            _post_orders(host.port, 12, args.clients, keyed=True)
            phases = {"warm-up": _phase(proxy, direct, 24, time.monotonic())}
            proxy.take()
            time.sleep(args.idle_seconds)
            phases["idle"] = Phase.of(proxy.take(), args.idle_seconds, args.idle_seconds)
            started = time.monotonic()
            orders = _post_orders(host.port, args.orders, args.clients)
            phases["create"] = _phase(proxy, direct, len(orders), started)
            started = time.monotonic()
            keyed = _post_orders(host.port, args.orders, args.clients, keyed=True)
            phases["create-keyed"] = _phase(proxy, direct, len(keyed), started)
            started = time.monotonic()
            _patch_orders(host.port, orders, args.clients)
            phases["update"] = _phase(proxy, direct, len(orders), started)
            _make_stale_orders(azurite, served, queues, args.stale)
            wait_for(lambda: settled(direct), SETTLE_WITHIN_S, interval=0.2)
            proxy.take()
            before, started = _sweeps_logged(host), time.monotonic()
            fired = request(
                "POST",
                f"{host.base_url}/admin/functions/nightly_sweep",
                body=b"{}",
                headers={"Content-Type": "application/json"},
            )
            assert fired.status == 202, fired.body
            wait_for(lambda: _sweeps_logged(host) > before, SETTLE_WITHIN_S, interval=0.2)
            phases["sweep"] = _phase(proxy, direct, args.stale, started)
        finally:
            host.stop()
            proxy.close()
    return phases


def _net(phase: Phase, idle: Phase) -> float:
    """Requests per operation with the idle rate over the phase's span taken out."""
    background = idle.total / idle.seconds * phase.seconds
    return max(0.0, phase.total - background) / phase.per


def report(results: dict[str, dict[str, Phase]], load: str) -> None:
    print(f"{load}\n")
    print(
        "| tree | operation | requests / operation | net of idle | of which the feed "
        "| operations | span s |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for label, phases in results.items():
        idle = phases["idle"]
        print(
            f"| {label} | idle (per second) | {idle.total / idle.seconds:.2f} | | | | "
            f"{idle.seconds:.0f} |"
        )
        for name in ("create", "create-keyed", "update", "sweep"):
            phase = phases[name]
            print(
                f"| {label} | {name} | {phase.per_operation():.2f} | {_net(phase, idle):.2f} "
                f"| {phase.feed_per_operation():.2f} | {phase.per} | {phase.seconds:.1f} |"
            )
    for name in ("idle", "create", "create-keyed", "update", "sweep"):
        kinds = sorted({kind for phases in results.values() for kind in phases[name].counts})
        labels = list(results)
        unit = "per second" if name == "idle" else "per operation"
        print(f"\n{name}, requests {unit} by service, verb and what:\n")
        print("| request | " + " | ".join(labels) + " |")
        print("|---|" + "---:|" * len(labels))
        for kind in kinds:
            cells = [
                f"{results[label][name].counts.get(kind, 0) / results[label][name].per:.3f}"
                for label in labels
            ]
            print(f"| {kind} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--clients", type=int, default=12)
    parser.add_argument("--stale", type=int, default=100)
    parser.add_argument("--idle-seconds", type=int, default=60)
    parser.add_argument("--baseline", help="git revision to measure too")
    parser.add_argument("--queues", type=int, default=1, help="event queues (this tree)")
    parser.add_argument("--accounts", type=int, default=1, choices=[1, 2, 3])
    parser.add_argument("--json", type=Path, help="write the counts here")
    parser.add_argument(
        "--record", action="store_true", help="keep them in bench/measured.json (the docs' input)"
    )
    args = parser.parse_args()
    results: dict[str, dict[str, Phase]] = {}
    with tempfile.TemporaryDirectory() as folder:
        trees = {"this tree": ROOT}
        if args.baseline:
            trees[args.baseline] = export_revision(args.baseline, Path(folder) / "baseline")
        for label, tree in trees.items():
            sharded = tree is ROOT
            results[label] = measure_tree(
                tree, label.replace(" ", "-"), args, Path(folder), sharded=sharded
            )
    load = (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} CPUs; {args.orders} orders, {args.stale} stale, "
        f"idle {args.idle_seconds} s; this tree on {args.queues} queue(s), "
        f"{args.accounts} account(s)"
    )
    report(results, load)
    if args.json or args.record:
        data = {
            "measured": load,
            "queues": args.queues,
            "accounts": args.accounts,
            "trees": {
                label: {name: asdict(phase) for name, phase in phases.items()}
                for label, phases in results.items()
            },
        }
        if args.record:
            record("storage_requests", data)
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(data, indent=2) + "\n")


if __name__ == "__main__":
    main()
