"""What the local Event Grid source costs while nothing is uploaded, with an empty `uploads`
and with 10,000 blobs in it, against the same source without its pace rule.

One Azurite; the standalone source (`python -m devhost.eventsource`, the one `make run`
starts beside `func start`) posts to a stand-in host in this process that accepts every
event. CPU is read from /proc for the source process and for Azurite (whose share is most of
the cost: every List Blobs is a pass over the whole container). Phases, in one run:

1. Azurite alone, idle (its own background CPU, subtracted below);
2. the source idle over an empty `uploads`;
3. `uploads` filled with --blobs small blobs while the source runs (it delivers them all:
   its catch-up rate), then idle for --long-seconds (a few of its now widely spaced scans);
4. the same blobs, a second source with `--busy 1` (it lists back to back, at least every
   second): the cost the pace rule avoids, and the cost of one listing at that size.

    .venv/bin/python -m bench.event_source_idle [--blobs 10000] [--seconds 60] [--long-seconds 180]
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from azure.storage.blob import BlobServiceClient

from devhost.azurite import Azurite, free_port, running_azurite
from tests.e2e.harness import ROOT, wait_for

_SCAN = re.compile(
    r"^(\S+ \S+) DEBUG \S+ event_source_scan .* blobs=(\d+) listing_s=([\d.]+) .* next_s=([\d.]+)"
)


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class StandIn:
    """Answers /admin/host/status and accepts every webhook delivery, counting them."""

    def __init__(self) -> None:
        self.events = 0
        counter = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                counter.events += 1
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@dataclass
class Window:
    label: str
    blobs: int
    seconds: float
    source_cpu: float  # share of one core
    azurite_cpu: float
    scans: int
    listing_s: float  # mean wall time of a listing
    pause_s: float  # the pause the source chose after its last scan


def start_source(azurite: Azurite, target: str, log: Path, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "AzureWebJobsStorage": azurite.connection_string, "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable,
        "-m",
        "devhost.eventsource",
        "--target",
        target,
        "--script-root",
        str(ROOT),
        "--log-level",
        "DEBUG",
        *extra,
    ]
    with open(log, "ab") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    process.wait(60)


def measure(
    label: str,
    blobs: int,
    azurite: Azurite,
    source: subprocess.Popen[bytes] | None,
    log: Path | None,
    seconds: float,
) -> Window:
    pids = [azurite.process.pid] + ([source.pid] if source else [])
    before = [cpu_seconds(pid) for pid in pids]
    started, wall = time.strftime("%Y-%m-%d %H:%M:%S"), time.perf_counter()
    time.sleep(seconds)
    elapsed = time.perf_counter() - wall
    used = [(cpu_seconds(pid) - b) / elapsed for pid, b in zip(pids, before, strict=True)]
    scans = [m for m in map(_SCAN.match, log.read_text().splitlines() if log else []) if m]
    window = [m for m in scans if m.group(1) >= started]
    listing = sum(float(m.group(3)) for m in window) / len(window) if window else 0.0
    pause = float(scans[-1].group(4)) if scans else 0.0
    return Window(
        label, blobs, elapsed, used[1] if source else 0.0, used[0], len(window), listing, pause
    )


def fill(service: BlobServiceClient, count: int) -> float:
    container = service.get_container_client("uploads")
    started = time.perf_counter()
    with ThreadPoolExecutor(16) as pool:
        list(
            pool.map(lambda i: container.upload_blob(f"fill/{i:06d}.jpg", b"x" * 512), range(count))
        )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blobs", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--long-seconds", type=float, default=180)
    args = parser.parse_args()
    stand_in = StandIn()
    with tempfile.TemporaryDirectory() as folder, running_azurite(Path(folder) / "a") as azurite:
        base = Path(folder)
        service = BlobServiceClient.from_connection_string(azurite.connection_string)
        service.create_container("uploads")
        windows = [measure("Azurite alone", 0, azurite, None, None, args.seconds)]
        paced = start_source(azurite, stand_in.url, base / "paced.log")
        wait_for(lambda: "event_source_scan" in (base / "paced.log").read_text(), 60)
        windows.append(
            measure("source, paced", 0, azurite, paced, base / "paced.log", args.seconds)
        )
        filled = fill(service, args.blobs)
        caught_up = time.perf_counter()
        wait_for(lambda: stand_in.events >= args.blobs, 3600, interval=0.5)
        catch_up = time.perf_counter() - caught_up
        windows.append(
            measure(
                "source, paced", args.blobs, azurite, paced, base / "paced.log", args.long_seconds
            )
        )
        stop(paced)
        eager = start_source(azurite, stand_in.url, base / "eager.log", "--busy", "1")
        wait_for(lambda: "event_source_scan" in (base / "eager.log").read_text(), 600)
        windows.append(
            measure(
                "source, --busy 1 (no pace rule)",
                args.blobs,
                azurite,
                eager,
                base / "eager.log",
                args.seconds,
            )
        )
        stop(eager)
        pace = [line for line in (base / "paced.log").read_text().splitlines() if "pace" in line]
    report(args, windows, filled, catch_up, pace)


def report(
    args: argparse.Namespace, windows: list[Window], filled: float, catch_up: float, pace: list[str]
) -> None:
    load = f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    print(
        f"{args.blobs} blobs uploaded in {filled:.0f} s; the source had delivered them all "
        f"{catch_up:.1f} s after the last upload; {load}"
    )
    idle_azurite = windows[0].azurite_cpu
    print(
        "\n| phase | blobs in uploads | window s | source CPU | Azurite CPU above idle | "
        "scans | listing s (mean) | pause after a scan s |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|"
    )
    for w in windows:
        print(
            f"| {w.label} | {w.blobs} | {w.seconds:.0f} | {w.source_cpu:.1%} | "
            f"{max(w.azurite_cpu - idle_azurite, 0):.1%} | {w.scans} | {w.listing_s:.3f} | "
            f"{w.pause_s:.1f} |"
        )
    eager = windows[-1]
    if eager.scans:
        share = eager.azurite_cpu - idle_azurite + eager.source_cpu
        per_scan = share * eager.seconds / eager.scans
        print(
            f"\nOne listing of {eager.blobs} blobs: {per_scan:.2f} s of CPU (Azurite and source, "
            f"from the unpaced phase); at the paced pause of {windows[2].pause_s:.0f} s that is "
            f"{per_scan / max(windows[2].pause_s, 1e-9):.1%} of a core."
        )
    print(f"Azurite alone: {idle_azurite:.1%} of a core. Pace log lines:")
    for line in pace:
        print(f"    {line.split(' ', 3)[-1]}")


if __name__ == "__main__":
    main()
