"""The first request of a new instance against the steady state, with and without the warmup
function, under each invoker, and against an older tree in the same run.

Each sample is a fresh devhost process (a new instance) on one shared Azurite that earlier
processes have already used (so storage is warm, as Azure's always is): the time from the
process's start to its readiness (`/admin/host/status` answers; devhost runs the warmup before
that), then the first request of one kind, then `--steady` more of that kind. Kinds:

- `create`: `POST /api/orders`, the latency the client sees;
- `read`: `GET /api/orders/{id}` of an order made earlier;
- `thumbnail`: a BlobCreated event posted to the blobs webhook for an uploaded image; the
  `make_thumbnail` invocation's own duration, as devhost logs it.

"with warmup" serves every function (devhost fires `warmup` before it admits traffic, as a
scaled-out instance's host does); "no warmup" serves all but `warmup`, as a restarted
instance, or one on a plan that runs no warmup, starts. `--baseline REV` runs the app at git
revision REV (`git archive`) on its own devhost code in the same run, before its warmup
existed. The worker invoker needs Python 3.13: run the benchmark with `.venvs/3.13/bin/python`.

    .venv/bin/python -m bench.first_request [--repeat 3] [--steady 15] [--baseline main]
    .venvs/3.13/bin/python -m bench.first_request --invokers inprocess worker [--baseline main]
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from azure.storage.blob import BlobServiceClient
from PIL import Image

from bench.stats import percentile
from bench.storage_requests import function_names
from bench.throughput import export_revision
from devhost.azurite import Azurite, running_azurite
from tests.e2e.harness import ROOT, DevhostProcess, wait_for

KINDS = ("create", "read", "thumbnail")
NEVER = "0 0 0 1 1 *"
WEBHOOK = "/runtime/webhooks/blobs?functionName=Host.Functions.make_thumbnail"
JSON = {"Content-Type": "application/json"}


@dataclass
class Sample:
    start_s: float
    first_ms: float
    steady_ms: list[float] = field(default_factory=list)

    @property
    def steady_p50(self) -> float:
        return percentile(self.steady_ms, 0.5)


@dataclass
class Config:
    tree: Path
    label: str
    invoker: str
    warmup: bool


class Client:
    """One keep-alive connection to a devhost, and what the kinds need."""

    def __init__(self, host: DevhostProcess, azurite: Azurite, images: list[bytes]) -> None:
        self.host, self.azurite, self.images = host, azurite, images
        self.conn = http.client.HTTPConnection("127.0.0.1", host.port, timeout=60)

    def timed(self, method: str, path: str, body: bytes | None = None) -> tuple[float, bytes]:
        started = time.perf_counter()
        self.conn.request(method, path, body, JSON if body else {})
        response = self.conn.getresponse()
        payload = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status < 300, (response.status, payload[:300])
        return elapsed, payload

    def create(self) -> float:
        body = {"customer_id": "bench-first", "product_id": "p", "quantity": 1, "total_amount": 3}
        return self.timed("POST", "/api/orders", json.dumps(body).encode())[0]

    def read(self, order_id: str) -> float:
        return self.timed("GET", f"/api/orders/{order_id}")[0]

    def thumbnail(self) -> float:
        """Upload an image, post its BlobCreated event, wait for the function's run: its
        duration as devhost logged it."""
        done = len(self.host.invocations("make_thumbnail"))
        name = f"bench-first/{uuid.uuid4().hex}.png"
        blobs = BlobServiceClient.from_connection_string(self.azurite.connection_string)
        client = blobs.get_blob_client("uploads", name)
        data = self.images[done % len(self.images)]
        client.upload_blob(data, overwrite=True)
        event = {
            "topic": "/subscriptions/0/resourceGroups/r/providers/Microsoft.Storage/a",
            "subject": f"/blobServices/default/containers/uploads/blobs/{name}",
            "eventType": "Microsoft.Storage.BlobCreated",
            "eventTime": datetime.now(UTC).isoformat(),
            "id": str(uuid.uuid4()),
            "dataVersion": "",
            "metadataVersion": "1",
            "data": {
                "api": "PutBlob",
                "eTag": client.get_blob_properties().etag,
                "contentType": "image/png",
                "contentLength": len(data),
                "blobType": "BlockBlob",
                "url": client.url,
            },
        }
        self.conn.request(
            "POST",
            WEBHOOK,
            json.dumps([event]).encode(),
            JSON | {"aeg-event-type": "Notification"},
        )
        answer = self.conn.getresponse()
        answer.read()
        assert answer.status == 202, answer.status
        runs = wait_for(lambda: self.host.invocations("make_thumbnail")[done:], 60)
        assert runs[0]["outcome"] == "succeeded", runs[0]
        return float(runs[0]["duration_ms"])

    def one(self, kind: str, order_ids: list[str], index: int) -> float:
        if kind == "create":
            return self.create()
        if kind == "read":
            return self.read(order_ids[index % len(order_ids)])
        return self.thumbnail()


def images() -> list[bytes]:
    """A few photo-sized PNGs (the thumbnail path decodes, resizes and encodes each)."""
    made = []
    for shade in range(4):
        picture = Image.new("RGB", (1200, 800), (40 * shade, 90, 160))
        out = io.BytesIO()
        picture.save(out, "PNG")
        made.append(out.getvalue())
    return made


def _host(config: Config, azurite: Azurite, log: Path) -> DevhostProcess:
    names = function_names(config.tree, {"ORDER_SWEEP_SCHEDULE": NEVER})
    served = names if config.warmup else [n for n in names if n.lower() != "warmup"]
    return DevhostProcess(
        config.tree,
        azurite.connection_string,
        log,
        extra_env={"ORDER_SWEEP_SCHEDULE": NEVER},
        extra_args=["--invoker", config.invoker, "--no-event-source", "--functions", *served],
        devhost_root=config.tree,
    )


def sample(
    config: Config, kind: str, azurite: Azurite, folder: Path, order_ids: list[str], steady: int
) -> Sample:
    """A new instance: start it, time its first request of `kind`, then `steady` more."""
    host = _host(config, azurite, folder / f"{uuid.uuid4().hex[:8]}.log")
    started = time.monotonic()
    host.start(timeout=180)
    result = Sample(time.monotonic() - started, 0.0)
    try:
        client = Client(host, azurite, images())
        result.first_ms = client.one(kind, order_ids, 0)
        result.steady_ms = [client.one(kind, order_ids, i) for i in range(1, steady + 1)]
    finally:
        host.stop()
    return result


def prepare(azurite: Azurite, folder: Path) -> list[str]:
    """Storage as a running app leaves it (tables, queues, containers, some orders), and
    Azurite's own first requests of each kind done: orders to read."""
    config = Config(ROOT, "prepare", "inprocess", warmup=True)
    host = _host(config, azurite, folder / "prepare.log")
    host.start(timeout=180)
    try:
        client = Client(host, azurite, images())
        order_ids = []
        for _ in range(20):
            _, payload = client.timed(
                "POST",
                "/api/orders",
                json.dumps(
                    {
                        "customer_id": "bench-first",
                        "product_id": "p",
                        "quantity": 1,
                        "total_amount": 3,
                    }
                ).encode(),
            )
            order_ids.append(json.loads(payload)["order_id"])
        for order_id in order_ids[:5]:
            client.read(order_id)
        for _ in range(3):
            client.thumbnail()
    finally:
        host.stop()
    return order_ids


def configs(args: argparse.Namespace, folder: Path) -> list[Config]:
    made = []
    baseline = export_revision(args.baseline, folder / "baseline") if args.baseline else None
    for invoker in args.invokers:
        made += [
            Config(ROOT, "this tree", invoker, warmup=True),
            Config(ROOT, "this tree", invoker, warmup=False),
        ]
        if baseline is not None:
            made.append(Config(baseline, args.baseline, invoker, warmup=False))
    return made


def report(results: dict[tuple[int, str], list[Sample]], runs: list[Config], load: str) -> None:
    print(f"{load}\n")
    print(
        "| tree | invoker | warmup | kind | start to ready s | first ms | steady p50 ms "
        "| first / steady |"
    )
    print("|---|---|---|---|---:|---:|---:|---:|")
    for index, config in enumerate(runs):
        for kind in KINDS:
            samples = results[(index, kind)]
            start = statistics.median(s.start_s for s in samples)
            first = statistics.median(s.first_ms for s in samples)
            steady = statistics.median(s.steady_p50 for s in samples)
            warm = "yes" if config.warmup else "no"
            print(
                f"| {config.label} | {config.invoker} | {warm} | {kind} | {start:.2f} "
                f"| {first:.1f} | {steady:.1f} | {first / steady:.2f}x |"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="new instances per cell")
    parser.add_argument("--steady", type=int, default=15, help="requests after the first")
    parser.add_argument("--invokers", nargs="+", default=["inprocess"])
    parser.add_argument("--baseline", help="git revision to measure too")
    args = parser.parse_args()
    if "worker" in args.invokers and sys.version_info < (3, 13):
        parser.error("the worker invoker needs Python 3.13: run with .venvs/3.13/bin/python")
    os.environ.pop("DEVHOST_INVOKER", None)
    with tempfile.TemporaryDirectory() as tmp, running_azurite(Path(tmp) / "azurite") as azurite:
        folder = Path(tmp)
        order_ids = prepare(azurite, folder)
        runs = configs(args, folder)
        results: dict[tuple[int, str], list[Sample]] = {}
        # Rounds interleave the configurations, so a change in the machine's load falls on all.
        for _ in range(args.repeat):
            for index, config in enumerate(runs):
                for kind in KINDS:
                    got = sample(config, kind, azurite, folder, order_ids, args.steady)
                    results.setdefault((index, kind), []).append(got)
    load = (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} CPUs, Python {sys.version_info.major}.{sys.version_info.minor}; "
        f"median of {args.repeat} new instances per cell, {args.steady} steady requests each"
    )
    report(results, runs, load)


if __name__ == "__main__":
    main()
