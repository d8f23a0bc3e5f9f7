"""Trigger latency through devhost, against the one baseline a polling trigger has, its poll
interval (devhost lists a container every second): from a blob's upload to the function having
run (tests/e2e/sample_app writes a result blob), and from an image's PUT to its status leaving
`pending` (the whole app: blob trigger, Pillow, status row). The e2e tests wait for these
conditions; how fast they happen is measured here, not asserted there.

    .venv/bin/python -m bench.trigger_latency [--samples 20]
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import os
import random
import tempfile
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from azure.storage.blob import BlobServiceClient

from bench.stats import percentile
from devhost.azurite import running_azurite
from tests.e2e.harness import ROOT, SAMPLE_APP, DevhostProcess, request

if TYPE_CHECKING:
    from collections.abc import Callable

POLL_INTERVAL_S = 1.0  # devhost's blob scan (devhost/blobs.py)
JSON = {"Content-Type": "application/json"}


def _until(condition: Callable[[], bool], timeout: float = 60) -> float:
    started = time.perf_counter()
    while not condition():
        if time.perf_counter() - started > timeout:
            raise TimeoutError("not reached within 60 s")
        time.sleep(0.02)
    return time.perf_counter() - started


def blob_pickup(service: BlobServiceClient, samples: int) -> list[float]:
    service.create_container("e2e-uploads")
    service.create_container("e2e-results")
    times = []
    for _ in range(samples):
        time.sleep(random.uniform(0, POLL_INTERVAL_S))  # land anywhere in the scan cycle
        name = f"bench/{uuid.uuid4()}.txt"
        service.get_blob_client("e2e-uploads", name).upload_blob(b"x")
        times.append(_until(service.get_blob_client("e2e-results", name).exists))
    return times


def image_ready(host: DevhostProcess, samples: int) -> list[float]:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (1600, 1200), (40, 120, 200)).save(out, "JPEG", quality=85)
    times = []
    for _ in range(samples):
        time.sleep(random.uniform(0, POLL_INTERVAL_S))
        name = f"bench/{uuid.uuid4().hex}.jpg"
        body = json.dumps({"name": name, "content_type": "image/jpeg"}).encode()
        ticket = request("POST", f"{host.base_url}/api/images", body=body, headers=JSON).json()
        request(
            "PUT",
            ticket["upload_url"],
            body=out.getvalue(),
            headers={"x-ms-blob-type": "BlockBlob", "Content-Type": "image/jpeg"},
        )
        times.append(_until(functools.partial(_processed, f"{host.base_url}/api/images/{name}")))
    return times


def _processed(status_url: str) -> bool:
    return bool(request("GET", status_url).json()["status"] != "pending")


def _row(label: str, times: list[float]) -> str:
    p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
    return (
        f"| {label} | {p50 * 1000:.0f} | {p95 * 1000:.0f} | {max(times) * 1000:.0f} | "
        f"{p50 / POLL_INTERVAL_S:.2f}x |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=20)
    samples = parser.parse_args().samples
    with tempfile.TemporaryDirectory() as folder, running_azurite(Path(folder) / "a") as azurite:
        sample = DevhostProcess(
            SAMPLE_APP,
            azurite.connection_string,
            Path(folder) / "s.log",
            extra_env={"TICK_SCHEDULE": "0 0 0 1 1 *"},
        )
        app = DevhostProcess(ROOT, azurite.connection_string, Path(folder) / "app.log")
        sample.start()
        app.start()
        try:
            with BlobServiceClient.from_connection_string(azurite.connection_string) as service:
                pickup = blob_pickup(service, samples)
            ready = image_ready(app, samples)
        finally:
            sample.stop()
            app.stop()
    print(
        f"{samples} samples each, sequential; load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} CPUs\n"
    )
    print("| measure | p50 ms | p95 ms | max ms | p50 / poll interval (1 s) |")
    print("|---|---:|---:|---:|---:|")
    print(_row("blob upload -> function ran (sample app)", pickup))
    print(_row("image PUT -> status ready (1600x1200 JPEG)", ready))


if __name__ == "__main__":
    main()
