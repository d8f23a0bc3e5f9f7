"""One instance's HTTP concurrency: what Flex Consumption's `httpPerInstanceConcurrency` should be.

A devhost process serving the app's HTTP functions only (Flex Consumption's per-function
scaling puts every HTTP function in one group, on instances of their own; the queue consumer
and the timers run in a second process, as on their own instances), loaded with 1, 4, 16 and
32 clients each creating orders over keep-alive connections. Per level: orders/s, p50 and
p95 latency, the HTTP process's resident memory at its peak against at rest, and its CPU per
order. The levels take turns `--repeat` times, each against the same instance, so drift hits
them alike; the baseline of every ratio is concurrency 1 in the same run.

    .venv/bin/python -m bench.http_concurrency [--levels 1 4 16 32] [--orders 400] [--repeat 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from bench.stats import summary_ms
from bench.throughput import create_orders, drained, flex_groups, process_cpu
from devhost.azurite import running_azurite
from tests.e2e.harness import ROOT, DevhostProcess, wait_for


def rss_mb(pid: int) -> float:
    """Resident memory of process `pid`, MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise LookupError(f"no VmRSS for {pid}")


class PeakMemory:
    """Samples a process's RSS every 20 ms while the block runs; the highest seen."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak = pid, rss_mb(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss_mb(self.pid))

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass(frozen=True)
class Level:
    clients: int
    rate: float
    latencies: list[float]
    cpu_ms: float
    rest_mb: float
    peak_mb: float


def run_level(http: DevhostProcess, clients: int, orders: int) -> Level:
    assert http.process is not None
    pid = http.process.pid
    customers = [f"conc-{uuid.uuid4().hex[:10]}" for _ in range(clients)]
    rest = rss_mb(pid)
    cpu_before, started = process_cpu(pid), time.perf_counter()
    with PeakMemory(pid) as memory:
        latencies = create_orders(http.port, customers, orders // clients * clients)
    elapsed = time.perf_counter() - started
    used = process_cpu(pid) - cpu_before
    wait_for(lambda: drained(http.connection_string), 300, interval=0.1)  # next level starts idle
    total = len(latencies)
    return Level(clients, total / elapsed, latencies, used / total * 1000, rest, memory.peak)


def report(levels: list[Level], load: str) -> None:
    print(f"{load}; HTTP functions alone in the measured process\n")
    print(
        "| concurrency | orders/s | / at 1 | p50 ms | p95 ms | CPU ms/order (HTTP process) "
        "| RSS at rest MB | peak MB | MB per request in flight |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    single = statistics.median(level.rate for level in levels if level.clients == 1)
    for clients in sorted({level.clients for level in levels}):
        runs = [level for level in levels if level.clients == clients]
        rate = statistics.median(run.rate for run in runs)
        latency = summary_ms([sample for run in runs for sample in run.latencies])
        per_request = statistics.median((run.peak_mb - run.rest_mb) / clients for run in runs)
        print(
            f"| {clients} | {rate:.1f} | {rate / single:.2f}x | {latency['p50']:.0f} "
            f"| {latency['p95']:.0f} | {statistics.median(run.cpu_ms for run in runs):.1f} "
            f"| {statistics.median(run.rest_mb for run in runs):.0f} "
            f"| {max(run.peak_mb for run in runs):.0f} | {per_request:.2f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 4, 16, 32])
    parser.add_argument("--orders", type=int, default=400, help="orders per level and round")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, running_azurite(Path(folder) / "a") as azurite:
        groups = flex_groups(ROOT, ROOT)
        hosts = [
            DevhostProcess(
                ROOT,
                azurite.connection_string,
                Path(folder) / f"group-{index}.log",
                extra_args=["--functions", *group],
            )
            for index, group in enumerate(groups)
        ]
        try:
            for host in hosts:
                host.start()
            run_level(hosts[0], max(args.levels), 4 * max(args.levels))  # warm-up
            levels = [
                run_level(hosts[0], clients, max(args.orders, 20 * clients))
                for _ in range(args.repeat)
                for clients in args.levels
            ]
        finally:
            for host in hosts:
                host.stop()
    report(levels, f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
