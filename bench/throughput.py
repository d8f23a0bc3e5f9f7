"""CPU per order, end to end: devhost serving the whole app, 12 concurrent clients creating
orders over HTTP, the change feed applying each to both read models; against the floor, one
bare `TableClient.create_entity`, measured in the same run on the same Azurite.

(a) the floor: CPU of this process per bare insert, with the sync client (the issue's unit)
    and with the asyncio client the app now uses, measured right before and right after each
    run and averaged, so that it sees the same machine (2 shared cores: the load moves from
    minute to minute);
(b) per app tree: devhost's process CPU (user + system, from /proc) from the first order to
    the moment the `order-events` queue is empty (every event applied and deleted), divided
    by the orders; orders/s for the creates alone and until the feed drained; p50/p95 create
    latency; Azurite's CPU per order over the same span (the rest of the machine's work).
    Then both read models are checked against the orders written (not timed).

`--baseline REV` also serves the app at git revision REV (exported with `git archive`) with
the same devhost code, Azurite and client; the two trees take turns, a fresh devhost each run.
With `--baseline-devhost` the baseline runs on REV's own devhost too (to measure a change of
devhost itself). With `--flex-groups` the HTTP functions run in one devhost process and the
rest in another, as Flex Consumption's per-function scaling places them on different
instances; CPU per order is then the sum of both.

    .venv/bin/python -m bench.throughput [--orders 600] [--clients 12] [--repeat 2]
                                         [--baseline 750582f] [--baseline-devhost]
                                         [--flex-groups] [--json FILE]

`--json FILE` keeps each run's figures for `bench.capacity` (CPU and orders/s of one process).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.measured import record
from bench.stats import summary_ms
from devhost.azurite import running_azurite
from tests.e2e.harness import ROOT, DevhostProcess, request, wait_for

_TICK = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of process `pid` (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def floor_ms(connection: str, calls: int = 200) -> dict[str, float]:
    """CPU ms of this process per bare create_entity, sync and asyncio clients."""
    import asyncio

    from azure.data.tables import TableServiceClient
    from azure.data.tables.aio import TableServiceClient as AsyncTableServiceClient

    def entity() -> dict[str, object]:
        return {
            "PartitionKey": "p00",
            "RowKey": str(uuid.uuid4()),
            "customer_id": "bench",
            "quantity": 2,
            "total_amount": "9.99",
            "status": "PENDING",
        }

    with TableServiceClient.from_connection_string(connection, use_env_settings=False) as svc:
        client = svc.create_table_if_not_exists("BenchFloor")
        for _ in range(30):
            client.create_entity(entity())
        started = time.process_time()
        for _ in range(calls):
            client.create_entity(entity())
        sync = (time.process_time() - started) / calls

    async def aio() -> float:
        async with AsyncTableServiceClient.from_connection_string(
            connection, use_env_settings=False
        ) as service:
            client = service.get_table_client("BenchFloor")
            for _ in range(30):
                await client.create_entity(entity())
            started = time.process_time()
            for _ in range(calls):
                await client.create_entity(entity())
            return (time.process_time() - started) / calls

    return {"sync": sync * 1000, "aio": asyncio.run(aio()) * 1000}


def drained(connection: str) -> bool:
    """No event left to apply: the queue is empty (its count includes messages being
    processed) and so is the outbox (a send that failed under load waits for the relay)."""
    from azure.data.tables import TableClient
    from azure.storage.queue import QueueClient

    queue = QueueClient.from_connection_string(connection, "order-events")
    if queue.get_queue_properties().approximate_message_count:
        return False
    orders = TableClient.from_connection_string(connection, "Orders")
    unsent = orders.query_entities("RowKey ge 'outbox:' and RowKey lt 'outbox;'", select=["RowKey"])
    return next(iter(unsent), None) is None


def applied(connection: str, base: str, day: str, count: int) -> bool:
    """Every order's event applied: the queue holds none (its count includes messages being
    processed) and the day's report counts `count` orders. Not "no outbox row left", as
    `drained` asks: a sent event's row now waits up to CLEANUP_AFTER seconds to be deleted
    in a batch (shared/changes/cleanup.py), which is no work left undone; a send deferred to
    the relay still keeps the report short."""
    from azure.storage.queue import QueueClient

    queue = QueueClient.from_connection_string(connection, "order-events")
    if queue.get_queue_properties().approximate_message_count:
        return False
    report = request("GET", f"{base}/api/reports/orders?date={day}").json()
    return int(report["count"]) >= count


@dataclass
class Run:
    label: str
    floor: dict[str, float]
    cpu_ms: float
    create_rate: float
    end_to_end_rate: float
    latencies: list[float]
    drain_s: float
    deferred: int  # events whose send after commit failed, left to the relay
    azurite_cpu_ms: float  # Azurite's CPU per order over the same span (where the rest goes)


def create_orders(port: int, customers: list[str], total: int) -> list[float]:
    """`total` POST /api/orders from len(customers) threads, each with its own keep-alive
    connection and customer; the latency of each."""
    latencies: list[float] = []
    lock, counter = threading.Lock(), iter(range(total))

    def client(customer: str) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        body = json.dumps(
            {"customer_id": customer, "product_id": "p-1", "quantity": 2, "total_amount": 9.99}
        )
        while True:
            with lock:
                if next(counter, None) is None:
                    return
            started = time.perf_counter()
            conn.request("POST", "/api/orders", body, {"Content-Type": "application/json"})
            response = conn.getresponse()
            payload = response.read()
            assert response.status == 201, payload
            with lock:
                latencies.append(time.perf_counter() - started)

    threads = [threading.Thread(target=client, args=(c,)) for c in customers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def customer_view_size(base: str, customer: str) -> int:
    size, token = 0, ""
    while True:
        query = "limit=100" + (f"&continuation={token}" if token else "")
        page = request("GET", f"{base}/api/customers/{customer}/orders?{query}").json()
        size, token = size + len(page["items"]), page["continuation"]
        if not token:
            return size


def check_read_models(base: str, customers: list[str], total: int, before: int) -> None:
    """Both read models hold what was written: the customers' orders, the day's count."""
    assert sum(customer_view_size(base, c) for c in customers) == total
    day = datetime.now(UTC).date().isoformat()
    count = request("GET", f"{base}/api/reports/orders?date={day}").json()["count"]
    assert count - before == total, (count, before, total)


def measure(
    hosts: list[DevhostProcess], label: str, orders: int, clients: int, azurite_pid: int
) -> Run:
    """`hosts[0]` serves the HTTP functions; CPU is summed over every host."""
    pids = [host.process.pid for host in hosts if host.process is not None]
    connection, base = hosts[0].connection_string, hosts[0].base_url

    def cpu() -> float:
        return sum(process_cpu(pid) for pid in pids)

    def deferred_sends() -> int:
        return sum(host.log_text().count("order_event_send_deferred") for host in hosts)

    floor_before = floor_ms(connection)
    deferred = deferred_sends()
    per_customer = orders // clients
    day = datetime.now(UTC).date().isoformat()
    before = request("GET", f"{base}/api/reports/orders?date={day}").json()["count"]
    customers = [f"bench-{uuid.uuid4().hex[:10]}" for _ in range(clients)]
    azurite_before = process_cpu(azurite_pid)
    cpu_before, started = cpu(), time.perf_counter()
    latencies = create_orders(hosts[0].port, customers, per_customer * clients)
    created = time.perf_counter()
    total = per_customer * clients
    wait_for(lambda: applied(connection, base, day, before + total), 300, interval=0.1)
    done = time.perf_counter()
    used = cpu() - cpu_before
    azurite_cpu = process_cpu(azurite_pid) - azurite_before
    check_read_models(base, customers, total, before)
    deferred = deferred_sends() - deferred
    floor_after = floor_ms(connection)
    floor = {kind: (floor_before[kind] + floor_after[kind]) / 2 for kind in floor_before}
    return Run(
        label,
        floor,
        used / total * 1000,
        total / (created - started),
        total / (done - started),
        latencies,
        done - created,
        deferred,
        azurite_cpu / total * 1000,
    )


def flex_groups(tree: Path, devhost_root: Path) -> list[list[str]]:
    """The app's functions as Flex Consumption places them (per-function scaling): the HTTP
    functions together, then the rest (there each in instances of its own; here one
    process, so that the timers and the blob trigger run too)."""
    code = (
        "import json, sys; from pathlib import Path; from devhost.functions import load_functions;"
        "specs = load_functions(Path(sys.argv[1]));"
        "print(json.dumps([[s.name for s in specs if s.trigger_type == 'httpTrigger'],"
        "[s.name for s in specs if s.trigger_type != 'httpTrigger']]))"
    )
    listed = subprocess.run(
        [sys.executable, "-c", code, str(tree)],
        cwd=devhost_root,
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    groups: list[list[str]] = json.loads(listed.strip().splitlines()[-1])
    return groups


def export_revision(revision: str, into: Path) -> Path:
    archive = subprocess.run(
        ["git", "archive", revision], cwd=ROOT, capture_output=True, check=True
    ).stdout
    into.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def report(runs: list[Run], load: str) -> None:
    print(
        f"{load}; floor = CPU of one bare create_entity, sync | asyncio client, measured "
        "right before and after each run\n"
    )
    print(
        "| app | floor ms | CPU ms/order | / sync floor | / aio floor | orders/s created "
        "| orders/s until drained | p50 ms | p95 ms | drain after last 201 s | sends left "
        "to the relay | Azurite CPU ms/order |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for run in runs:
        latency, floor = summary_ms(run.latencies), run.floor
        print(
            f"| {run.label} | {floor['sync']:.2f} \\| {floor['aio']:.2f} | {run.cpu_ms:.1f} "
            f"| {run.cpu_ms / floor['sync']:.1f}x | {run.cpu_ms / floor['aio']:.1f}x "
            f"| {run.create_rate:.1f} | {run.end_to_end_rate:.1f} | {latency['p50']:.0f} "
            f"| {latency['p95']:.0f} | {run.drain_s:.1f} | {run.deferred} "
            f"| {run.azurite_cpu_ms:.1f} |"
        )
    for label in dict.fromkeys(run.label for run in runs):
        ratios = sorted(r.cpu_ms / r.floor["sync"] for r in runs if r.label == label)
        print(
            f"\n{label}: CPU per order / sync floor, median {statistics.median(ratios):.1f}x "
            f"(runs: {', '.join(f'{x:.1f}x' for x in ratios)})",
            end="",
        )
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=600)
    parser.add_argument("--clients", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--baseline", help="git revision to measure too (e.g. 750582f)")
    parser.add_argument(
        "--baseline-devhost",
        action="store_true",
        help="run the baseline on its own devhost code too",
    )
    parser.add_argument("--json", type=Path, help="write each run's figures here")
    parser.add_argument(
        "--record", action="store_true", help="keep them in bench/measured.json (the docs' input)"
    )
    parser.add_argument(
        "--flex-groups",
        action="store_true",
        help="HTTP functions in one devhost, the rest in another, as Flex "
        "Consumption's per-function scaling places them",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, running_azurite(Path(folder) / "a") as azurite:
        trees = {"this tree": ROOT}
        if args.baseline:
            trees[args.baseline] = export_revision(args.baseline, Path(folder) / "baseline")
        runs = []
        for _ in range(args.repeat):  # trees take turns, so drift hits each alike
            for label, tree in trees.items():
                devhost_root = tree if args.baseline_devhost else ROOT
                groups = flex_groups(tree, devhost_root) if args.flex_groups else [[]]
                hosts = [
                    DevhostProcess(
                        tree,
                        azurite.connection_string,
                        Path(folder) / f"{label}-{index}.log",
                        extra_args=["--functions", *group] if group else [],
                        devhost_root=devhost_root,
                    )
                    for index, group in enumerate(groups)
                ]
                try:
                    for host in hosts:
                        host.start()
                    pid = azurite.process.pid
                    measure(hosts, "warm-up", 5 * args.clients, args.clients, pid)
                    runs.append(measure(hosts, label, args.orders, args.clients, pid))
                finally:
                    for host in hosts:
                        host.stop()
    load = f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    if args.baseline_devhost:
        load += f"; {args.baseline} on its own devhost"
    if args.flex_groups:
        load += "; HTTP functions and the rest in two devhost processes, CPU summed"
    report(runs, load)
    if args.json or args.record:
        figures = [
            {
                "label": run.label,
                "cpu_ms_per_order": run.cpu_ms,
                "floor_ms": run.floor,
                "orders_per_s_created": run.create_rate,
                "orders_per_s_until_drained": run.end_to_end_rate,
                "p95_ms": summary_ms(run.latencies)["p95"],
            }
            for run in runs
        ]
        output = {"measured": load, "runs": figures}
        if args.record:
            record("throughput", output)
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(output, indent=2) + "\n")


if __name__ == "__main__":
    main()
