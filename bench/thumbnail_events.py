"""Upload-to-ready latency of thumbnails through devhost: the Event Grid path against the
polling path, in one run.

Event Grid path: the app as it is (devhost's in-process event source lists `uploads`, posts
BlobCreated to /runtime/webhooks/blobs, the host queue runs make_thumbnail). Polling path (the
baseline): the same three handlers, taken from the app's registered functions, on a
`LogsAndContainerScan` blob trigger, which devhost serves by listing the container every
second. Each path has its own devhost and its own Azurite (so neither processes the other's
uploads); both run for the whole measurement, and uploads alternate between them. The Event
Grid devhost runs only the three thumbnail functions (`--functions`), as the polling app has.

Each upload is what the README does: POST /api/images, PUT the JPEG to the SAS URL; latency
runs from the PUT's 201 to GET /api/images/<name> answering `ready` (polled every --poll-ms).
Before each upload the benchmark waits a random 0-1 s (not counted): both paths scan once a
second, and uploads that follow each other's completion would otherwise fall at the same
point of that second every time, which biases either path's figures.

    .venv/bin/python -m bench.thumbnail_events [--uploads 50] [--poll-ms 20]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

from bench.stats import summary_ms
from devhost.azurite import running_azurite
from tests.e2e.harness import ROOT, DevhostProcess, request
from tests.unit.images import factories as f

JSON = {"Content-Type": "application/json"}
THUMBNAIL_FUNCTIONS = ("make_thumbnail", "get_image_status", "create_image_upload")
POLLING_APP = '''"""Bench-only: the app's thumbnail handlers on the polling blob trigger."""
import azure.functions as func

from blueprints import images


def _handlers():
    real = func.FunctionApp()
    real.register_functions(images.bp)
    return {fn.get_function_name(): fn.get_user_function() for fn in real.get_functions()}


HANDLERS = _handlers()
app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)


@app.route(route="images/{*name}", methods=["GET", "OPTIONS"])
def get_image_status(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    return HANDLERS["get_image_status"](req, context=context)


@app.route(route="images", methods=["POST", "OPTIONS"])
def create_image_upload(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    return HANDLERS["create_image_upload"](req, context=context)


@app.blob_trigger(arg_name="upload", path="uploads/{name}", connection="AzureWebJobsStorage")
def make_thumbnail(upload: func.InputStream) -> None:
    HANDLERS["make_thumbnail"](upload)
'''


def polling_app(folder: Path) -> Path:
    """A script root holding the polling variant, with the app's host.json and settings."""
    folder.mkdir()
    (folder / "function_app.py").write_text(POLLING_APP, encoding="utf-8")
    for name in ("host.json", "local.settings.json.example"):
        shutil.copyfile(ROOT / name, folder / name)
    return folder


def upload_to_ready(host: DevhostProcess, image: bytes, poll_s: float) -> float:
    name = f"bench/{uuid.uuid4().hex}.jpg"
    body = json.dumps({"name": name, "content_type": "image/jpeg"}).encode()
    ticket = host.call("POST", "/api/images", body=body, headers=JSON).json()
    headers = {"x-ms-blob-type": "BlockBlob", "Content-Type": "image/jpeg"}
    put = request("PUT", ticket["upload_url"], body=image, headers=headers)
    assert put.status == 201, put.body
    uploaded = time.perf_counter()
    while time.perf_counter() - uploaded < 60:
        status = host.call("GET", f"/api/images/{name}").json()["status"]
        if status != "pending":
            assert status == "ready", status
            return time.perf_counter() - uploaded
        time.sleep(poll_s)
    raise TimeoutError(f"{name} not ready within 60 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=50, help="per path")
    parser.add_argument("--poll-ms", type=float, default=20)
    args = parser.parse_args()
    image = f.oriented_jpeg(1, (1600, 1200))
    samples: dict[str, list[float]] = {"Event Grid": [], "polling": []}
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        base = Path(folder)
        hosts = {}
        for label, root in (("Event Grid", ROOT), ("polling", polling_app(base / "polling"))):
            azurite = stack.enter_context(running_azurite(base / f"azurite-{label[0]}"))
            host = DevhostProcess(
                root,
                azurite.connection_string,
                base / f"{label[0]}.log",
                extra_args=["--functions", *THUMBNAIL_FUNCTIONS],
            )
            host.start()
            stack.callback(host.stop)
            hosts[label] = host
        for host in hosts.values():  # warm-up: clients, containers, Pillow
            upload_to_ready(host, image, args.poll_ms / 1000)
        for _ in range(args.uploads):
            for label, host in hosts.items():
                time.sleep(random.uniform(0, 1))  # decorrelates uploads from the scans
                samples[label].append(upload_to_ready(host, image, args.poll_ms / 1000))
    load = f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    print(f"{args.uploads} uploads per path of a {len(image) // 1024} KB 1600x1200 JPEG; {load}")
    print("\n| path | p50 ms | p95 ms | mean ms |\n|---|---:|---:|---:|")
    for label, values in samples.items():
        s = summary_ms(values)
        print(f"| {label} | {s['p50']:.0f} | {s['p95']:.0f} | {s['mean']:.0f} |")
    events, polling = summary_ms(samples["Event Grid"]), summary_ms(samples["polling"])
    print(
        f"\nEvent Grid / polling: p50 {events['p50'] / polling['p50']:.2f}x, "
        f"p95 {events['p95'] / polling['p95']:.2f}x"
    )


if __name__ == "__main__":
    main()
