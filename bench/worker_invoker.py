"""devhost's two invokers in the same run (issue 22): the worker invoker (every function inside
Microsoft's worker library, through the host protocol's messages) against the in-process one.

    .venvs/3.13/bin/python -m bench.worker_invoker [--requests 300] [--messages 400]

HTTP: one devhost per invoker serving the app's create_order and get_order on one Azurite, one
keep-alive client each, the calls interleaved (POST to one, POST to the other, GET, GET), so
both see the same machine load; p50/p95 per call. Queue: tests/e2e/sample_app's on_message
(a queue trigger with a queue output) under each invoker in turn, with `--messages` waiting in
its queue before devhost starts; throughput from the first run's log time to the last's.
Python 3.13+ (the worker library); figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bench.devhost_http import HttpClient
from bench.stats import summary_ms
from devhost.azurite import running_azurite
from devhost.worker.library import MINIMUM_PYTHON
from tests.e2e.harness import ROOT, SAMPLE_APP, DevhostProcess, wait_for

if TYPE_CHECKING:
    from devhost.azurite import Azurite

INVOKERS = ("inprocess", "worker")
QUEUE = "e2e-work"  # the sample app's on_message queue


def _host(
    script_root: Path, azurite: Azurite, log: Path, invoker: str, functions: list[str]
) -> DevhostProcess:
    return DevhostProcess(
        script_root,
        azurite.connection_string,
        log,
        extra_args=["--invoker", invoker, "--no-event-source", "--functions", *functions],
    )


def _http(azurite: Azurite, folder: Path, requests: int) -> dict[str, list[float]]:
    hosts = {
        invoker: _host(
            ROOT, azurite, folder / f"http-{invoker}.log", invoker, ["create_order", "get_order"]
        )
        for invoker in INVOKERS
    }
    samples: dict[str, list[float]] = {
        f"{verb} {invoker}": [] for verb in ("POST", "GET") for invoker in INVOKERS
    }
    with contextlib.ExitStack() as stack:
        clients = {}
        for invoker, host in hosts.items():
            host.start()
            stack.callback(host.stop)
            clients[invoker] = HttpClient(host.port)
        for _ in range(20):  # warm both
            for client in clients.values():
                client.get(client.create())
        for _ in range(requests):
            for verb in ("POST", "GET"):
                for invoker, client in clients.items():
                    started = time.perf_counter()
                    if verb == "POST":
                        order_id = client.create()
                    else:
                        client.get(order_id)
                    samples[f"{verb} {invoker}"].append(time.perf_counter() - started)
    return samples


def _log_time(line: str) -> datetime:
    return datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f")


def _queue_rate(azurite: Azurite, folder: Path, invoker: str, messages: int) -> float:
    """Messages per second through on_message, all of them waiting when devhost starts."""
    from azure.storage.queue import QueueClient

    queue = QueueClient.from_connection_string(azurite.connection_string, QUEUE)
    with contextlib.suppress(Exception):
        queue.create_queue()
    queue.clear_messages()
    for number in range(messages):
        queue.send_message(base64.b64encode(f"m-{number}".encode()).decode())
    host = _host(SAMPLE_APP, azurite, folder / f"queue-{invoker}.log", invoker, ["on_message"])
    host.start()

    def runs() -> list[str] | None:
        lines = [line for line in host.log_text().splitlines() if " invocation " in line]
        return lines if len(lines) >= messages else None

    try:
        done: list[str] = wait_for(runs, 600, interval=0.5)
    finally:
        host.stop()
    first, last = _log_time(done[0]), _log_time(done[messages - 1])
    return (messages - 1) / max((last - first).total_seconds(), 1e-6)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--messages", type=int, default=400)
    args = parser.parse_args()
    if tuple(sys.version_info[:2]) < MINIMUM_PYTHON:
        print(
            "needs Python 3.13 (the worker library): .venvs/3.13/bin/python -m bench.worker_invoker"
        )
        return
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        with running_azurite(folder / "azurite") as azurite:
            samples = _http(azurite, folder, args.requests)
            rates = {i: _queue_rate(azurite, folder, i, args.messages) for i in INVOKERS}
    print(f"HTTP: {args.requests} calls per verb and invoker, interleaved on one Azurite\n")
    print("| call | invoker | p50 ms | p95 ms | mean ms |")
    print("|---|---|---:|---:|---:|")
    for key, values in samples.items():
        verb, invoker = key.split()
        s = summary_ms(values)
        print(f"| {verb} | {invoker} | {s['p50']:.2f} | {s['p95']:.2f} | {s['mean']:.2f} |")
    print(f"\nQueue: {args.messages} messages through on_message (queue output included)\n")
    print("| invoker | messages/s |")
    print("|---|---:|")
    for invoker, rate in rates.items():
        print(f"| {invoker} | {rate:.0f} |")


if __name__ == "__main__":
    main()
