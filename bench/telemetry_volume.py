"""Telemetry volume: how many bytes of telemetry an order and a thumbnail send to Application
Insights, at the deployed sampling and at a lower one, and what an idle minute sends.

devhost serves the whole app with telemetry on (the worker's Azure Monitor set-up, metrics
exported every 60 s as deployed), exporting to a local ingestion endpoint (devhost.ingestion)
on its own Azurite. Three phases, each ended when no span or log has arrived for 3 s:

- orders: `--orders` POST /api/orders, each carried into both read models;
- thumbnails: `--thumbnails` uploads of a 12 MP JPEG (POST /api/images, the PUT, make_thumbnail
  through the local event source, one status read); devhost's CPU per thumbnail is kept too;
- idle: `--idle-seconds` of nothing (the relay's minute timer, the metrics' export).

Bytes are each envelope as JSON, uncompressed (what Log Analytics bills is the stored size of
the columns, close to it: docs/cost.md says how close). Per order and per thumbnail count
requests, dependencies, logs and exceptions; metrics are per series and minute, not per
item, so they are counted in the idle minute only.

    .venv/bin/python -m bench.telemetry_volume [--orders 100] [--thumbnails 10]
        [--idle-seconds 60] [--ratios 1.0 0.1] [--record]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psutil

from bench.measured import record
from bench.telemetry import TELEMETRY_ON
from bench.thumbnails import photo_like
from devhost.azurite import running_azurite
from devhost.ingestion import IngestionSink
from tests.e2e.harness import ROOT, DevhostProcess, wait_for
from tests.e2e.images_client import upload

if TYPE_CHECKING:
    from collections.abc import Callable

JSON = {"Content-Type": "application/json"}
ORDER = json.dumps({"customer_id": "vol", "product_id": "p-1", "quantity": 2, "total_amount": 9})
QUIET_S = 3.0
WITHIN_S = 300


def _size(envelope: dict[str, Any]) -> int:
    return len(json.dumps(envelope, separators=(",", ":")).encode())


def _is_metric(envelope: dict[str, Any]) -> bool:
    return bool(envelope.get("data", {}).get("baseType") == "MetricData")


class Phase:
    """What arrived at the sink from `start` on, split into per-item telemetry and metrics."""

    def __init__(self, sink: IngestionSink) -> None:
        self.sink, self.start = sink, len(sink.items)

    def settled(self) -> dict[str, float]:
        """Once no span or log has arrived for QUIET_S seconds: bytes and envelope counts."""
        last = (-1, time.monotonic())

        def quiet() -> bool:
            nonlocal last
            count = sum(1 for e in self.sink.items[self.start :] if not _is_metric(e))
            if count != last[0]:
                last = (count, time.monotonic())
            return count > 0 and time.monotonic() - last[1] >= QUIET_S

        wait_for(quiet, WITHIN_S, interval=0.2)
        arrived = self.sink.items[self.start :]
        items = [e for e in arrived if not _is_metric(e)]
        metrics = [e for e in arrived if _is_metric(e)]
        return {
            "bytes": sum(map(_size, items)),
            "envelopes": len(items),
            "metric_bytes": sum(map(_size, metrics)),
        }


def _process(host: DevhostProcess) -> psutil.Process:
    assert host.process is not None
    return psutil.Process(host.process.pid)


def _cpu_s(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def _jpeg() -> bytes:
    out = io.BytesIO()
    photo_like((4000, 3000), "RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def _orders(host: DevhostProcess, count: int) -> None:
    for _ in range(count):
        response = host.call("POST", "/api/orders", body=ORDER.encode(), headers=JSON)
        assert response.status == 201, response.body


def _thumbnails(host: DevhostProcess, count: int, image: bytes) -> None:
    for index in range(count):
        name = f"vol-{uuid.uuid4().hex[:8]}/{index}.jpg"
        upload(host, name, image, "image/jpeg")
        wait_for(_ready(host, name), WITHIN_S, interval=0.2)


def _ready(host: DevhostProcess, name: str) -> Callable[[], bool]:
    """The status read a browser makes until its thumbnail is there."""
    return lambda: bool(host.call("GET", f"/api/images/{name}").json().get("status") == "ready")


def measure(ratio: float, args: argparse.Namespace, folder: Path) -> dict[str, float]:
    env = TELEMETRY_ON | {"OTEL_TRACES_SAMPLER_ARG": str(ratio), "OTEL_BSP_SCHEDULE_DELAY": "500"}
    image = _jpeg()
    with running_azurite(folder / f"azurite-{ratio}") as azurite, IngestionSink() as sink:
        env |= {"APPLICATIONINSIGHTS_CONNECTION_STRING": sink.connection_string}
        host = DevhostProcess(
            ROOT,
            azurite.connection_string,
            folder / f"host-{ratio}.log",
            extra_env=env | {"ORDER_SWEEP_SCHEDULE": "0 0 0 1 1 *"},
        )
        host.start()
        try:
            _orders(host, 10)  # warm-up: tables, queues, first imports
            _thumbnails(host, 1, image)
            Phase(sink).settled()
            orders = Phase(sink)
            _orders(host, args.orders)
            per_order = orders.settled()
            thumbnails, cpu = Phase(sink), _cpu_s(_process(host))
            _thumbnails(host, args.thumbnails, image)
            cpu_per_thumbnail = (_cpu_s(_process(host)) - cpu) / args.thumbnails
            per_thumbnail = thumbnails.settled()
            idle = Phase(sink)
            time.sleep(args.idle_seconds)
            idle_figures = idle.settled()
        finally:
            host.stop()
    return {
        "sampling_ratio": ratio,
        "bytes_per_order": per_order["bytes"] / args.orders,
        "envelopes_per_order": per_order["envelopes"] / args.orders,
        "bytes_per_thumbnail": per_thumbnail["bytes"] / args.thumbnails,
        "envelopes_per_thumbnail": per_thumbnail["envelopes"] / args.thumbnails,
        "idle_bytes_per_minute": (idle_figures["bytes"] + idle_figures["metric_bytes"])
        * 60
        / args.idle_seconds,
        "cpu_ms_per_thumbnail": cpu_per_thumbnail * 1000,
        "image_bytes": len(image),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument("--thumbnails", type=int, default=10)
    parser.add_argument("--idle-seconds", type=int, default=60)
    parser.add_argument("--ratios", type=float, nargs="+", default=[1.0, 0.1])
    parser.add_argument("--record", action="store_true", help="keep in bench/measured.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        runs = [measure(ratio, args, Path(folder)) for ratio in args.ratios]
    load = (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} CPUs; {args.orders} orders, {args.thumbnails} thumbnails, "
        f"idle {args.idle_seconds} s"
    )
    print(f"Telemetry volume ({load})\n")
    print(
        "| sampling | bytes/order | envelopes/order | bytes/thumbnail | envelopes/thumbnail "
        "| idle bytes/minute | devhost CPU ms/thumbnail |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for run in runs:
        print(
            f"| {run['sampling_ratio']:.0%} | {run['bytes_per_order']:,.0f} "
            f"| {run['envelopes_per_order']:.1f} | {run['bytes_per_thumbnail']:,.0f} "
            f"| {run['envelopes_per_thumbnail']:.1f} | {run['idle_bytes_per_minute']:,.0f} "
            f"| {run['cpu_ms_per_thumbnail']:.0f} |"
        )
    if args.record:
        record("telemetry_volume", {"measured": load, "runs": runs})


if __name__ == "__main__":
    main()
