"""Telemetry overhead: POST /api/orders through three devhosts on one Azurite in the same run:
telemetry off; on (the worker's Azure Monitor set-up, exporting to a local ingestion
endpoint, every trace kept, as deployed); on with 10% of traces kept. Requests interleaved,
one keep-alive connection each.

Each serves only create_order (`--functions create_order`), so none consumes another's order
events. Besides latency, each host's CPU time per request is read from the process (the
exporter's background threads included: serialising and posting telemetry is part of the
cost).

    .venv/bin/python -m bench.telemetry [--requests 300]
"""

from __future__ import annotations

import argparse
import http.client
import json
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import psutil

from bench.stats import summary_ms
from devhost.azurite import running_azurite
from devhost.ingestion import IngestionSink
from tests.e2e.harness import ROOT, DevhostProcess

BODY = json.dumps(
    {"customer_id": "bench", "product_id": "p-1", "quantity": 2, "total_amount": 9.99}
)
TELEMETRY_ON = {
    "PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY": "true",
    "OTEL_TRACES_SAMPLER": "microsoft.fixed_percentage",
    "OTEL_TRACES_SAMPLER_ARG": "1.0",
}
VARIANTS = {
    "off": {},
    "on": TELEMETRY_ON,
    "on, 10% sampled": TELEMETRY_ON | {"OTEL_TRACES_SAMPLER_ARG": "0.1"},
}


class Client:
    def __init__(self, host: DevhostProcess) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", host.port, timeout=30)
        assert host.process is not None
        self.process = psutil.Process(host.process.pid)

    def create(self) -> float:
        started = time.perf_counter()
        self.conn.request("POST", "/api/orders", BODY, {"Content-Type": "application/json"})
        response = self.conn.getresponse()
        payload = response.read()
        assert response.status == 201, payload
        return time.perf_counter() - started

    def cpu_seconds(self) -> float:
        times = self.process.cpu_times()
        return float(times.user + times.system)


def run(requests: int, folder: Path) -> dict[str, dict[str, float]]:
    with ExitStack() as stack:
        azurite = stack.enter_context(running_azurite(folder / "azurite"))
        sink = stack.enter_context(IngestionSink())
        hosts = {}
        for index, (name, env) in enumerate(VARIANTS.items()):
            if env:
                env = env | {"APPLICATIONINSIGHTS_CONNECTION_STRING": sink.connection_string}
            host = DevhostProcess(
                ROOT,
                azurite.connection_string,
                folder / f"host-{index}.log",
                extra_env=env,
                extra_args=["--functions", "create_order"],
            )
            host.start()
            stack.callback(host.stop)
            hosts[name] = Client(host)
        for client in hosts.values():  # warm up: connections, tables, first imports
            for _ in range(20):
                client.create()
        cpu = {name: client.cpu_seconds() for name, client in hosts.items()}
        samples: dict[str, list[float]] = {name: [] for name in hosts}
        names = list(hosts)
        for index in range(requests):
            shift = index % len(names)  # each variant goes first as often as the others
            for name in names[shift:] + names[:shift]:
                samples[name].append(hosts[name].create())
        spent = {
            name: (client.cpu_seconds() - cpu[name]) / requests for name, client in hosts.items()
        }
        time.sleep(6)  # let the exporters post what they hold, to count it
        received = len(sink.items)
    results = {
        name: summary_ms(values) | {"cpu_ms": spent[name] * 1000}
        for name, values in samples.items()
    }
    results["off"]["envelopes"] = received
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    requests = parser.parse_args().requests
    with tempfile.TemporaryDirectory() as folder:
        results = run(requests, Path(folder))
    off = results["off"]
    print(f"Telemetry overhead, POST /api/orders, {requests} requests each, interleaved\n")
    print("| telemetry | p50 ms | p95 ms | host CPU ms per request | p50 / off | CPU / off |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, figures in results.items():
        print(
            f"| {name} | {figures['p50']:.2f} | {figures['p95']:.2f} | {figures['cpu_ms']:.2f} "
            f"| {figures['p50'] / off['p50']:.2f}x | {figures['cpu_ms'] / off['cpu_ms']:.2f}x |"
        )
    print(f"\nenvelopes received by the local ingestion endpoint: {off['envelopes']:.0f}")


if __name__ == "__main__":
    main()
