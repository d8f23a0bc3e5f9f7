"""Projection lag: from a write's 201 to its order being visible on the customer endpoint,
at a steady write rate through the local host (devhost over real HTTP, Azurite).

Writes are POST /api/orders paced at --rate per second for --seconds. Every --probe-every'th
write goes to a customer of its own and is then polled on GET /api/customers/{id}/orders
every --poll-ms until the order shows; the rest spread over a few busy customers. The lag
is measured from the 201 (so polling granularity adds up to one interval).

    .venv/bin/python -m bench.projection_lag [--rate 100] [--seconds 20]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.stats import summary_ms
from devhost.azurite import running_azurite
from tests.e2e.harness import ROOT, DevhostProcess, request

JSON = {"Content-Type": "application/json"}


class Run:
    def __init__(self, host: DevhostProcess, poll_s: float) -> None:
        self.host, self.poll_s = host, poll_s
        self.lags: list[float] = []
        self.write_times: list[float] = []
        self.errors = 0
        self.lock = threading.Lock()

    def write(self, index: int, probe: bool) -> None:
        customer = f"probe-{uuid.uuid4().hex[:12]}" if probe else f"busy-{index % 8}"
        body = {"customer_id": customer, "product_id": "p", "quantity": 1, "total_amount": 2.5}
        started = time.perf_counter()
        response = request(
            "POST", f"{self.host.base_url}/api/orders", body=json.dumps(body).encode(), headers=JSON
        )
        created = time.perf_counter()
        with self.lock:
            self.write_times.append(created - started)
        if response.status != 201:
            with self.lock:
                self.errors += 1
            return
        if probe:
            self._await_visible(customer, created)

    def _await_visible(self, customer: str, created: float) -> None:
        url = f"{self.host.base_url}/api/customers/{customer}/orders"
        while time.perf_counter() - created < 60:
            if request("GET", url).json()["items"]:
                with self.lock:
                    self.lags.append(time.perf_counter() - created)
                return
            time.sleep(self.poll_s)
        with self.lock:
            self.errors += 1


def drive(run: Run, rate: int, seconds: int, probe_every: int) -> float:
    """Issue writes on a fixed schedule; returns the rate actually achieved."""
    total = rate * seconds
    with ThreadPoolExecutor(64) as pool:
        start = time.perf_counter()
        for index in range(total):
            delay = start + index / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(run.write, index, index % probe_every == 0)
        issued = time.perf_counter() - start
    return total / issued


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--probe-every", type=int, default=10)
    parser.add_argument("--poll-ms", type=float, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, running_azurite(Path(folder) / "a") as azurite:
        host = DevhostProcess(ROOT, azurite.connection_string, Path(folder) / "devhost.log")
        host.start()
        try:
            run = Run(host, args.poll_ms / 1000)
            drive(run, 5, 2, 1)  # warm-up: clients, tables, queue, first polls
            run.lags.clear()
            run.write_times.clear()
            achieved = drive(run, args.rate, args.seconds, args.probe_every)
        finally:
            host.stop()
    lag, write = summary_ms(run.lags), summary_ms(run.write_times)
    load = f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    print(
        f"writes issued at {achieved:.1f}/s for {args.seconds} s; probes: {len(run.lags)}; "
        f"errors: {run.errors}; {load}"
    )
    print("\n| measure | p50 ms | p95 ms |\n|---|---:|---:|")
    print(f"| POST /api/orders latency | {write['p50']:.0f} | {write['p95']:.0f} |")
    visible = "201 -> visible on /api/customers/{id}/orders"
    print(f"| {visible} | {lag['p50']:.0f} | {lag['p95']:.0f} |")


if __name__ == "__main__":
    main()
