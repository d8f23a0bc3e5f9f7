"""Run the locustfile headless against the app on this machine, as `make loadtest` does: a fresh
Azurite, devhost with App Service authentication emulated (--easy-auth, as on Azure), tokens
from the local issuer (`python -m devhost.auth token`), then Locust with a CSV report."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from devhost.azurite import running_azurite
from loadtest.criteria import Stat, read_stats
from tests.e2e.harness import ROOT, DevhostProcess

__all__ = ["LONG", "SHORT", "Shape", "run_locally"]

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
NEVER = "0 0 0 1 1 *"  # the nightly sweep would only add noise to the run
BACKOFFICE_ROLE = "Orders.ReadWrite.All"


@dataclass(frozen=True)
class Shape:
    """How hard and how long: Locust's users, spawn rate and run time, and the factor the
    latency thresholds are multiplied by (1: the criteria as written)."""

    users: int
    spawn_rate: float
    run_time: str
    latency_headroom: float = 1.0


# The long form (`make loadtest`), whose figures docs/benchmarks.md holds, and the short form
# make test runs so that the file cannot rot: fewer users, looser latency (never flaky on a
# shared 2-core machine; the error criteria stay as written).
LONG = Shape(users=12, spawn_rate=4, run_time="90s")
SHORT = Shape(users=4, spawn_rate=4, run_time="20s", latency_headroom=2.0)


def mint(oid: str, *roles: str) -> str:
    """A token of the local issuer, through its command line (docs/security.md)."""
    command = [sys.executable, "-m", "devhost.auth", "token", "--oid", oid]
    command += [part for role in roles for part in ("--role", role)]
    done = subprocess.run(  # noqa: S603 - argv built here
        [*command, "--script-root", str(ROOT)], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def _locust(shape: Shape, host: str, prefix: Path, log: Path) -> int:
    customers = [mint(f"load-customer-{n}") for n in range(1, shape.users + 1)]
    env = os.environ | {
        "LOADTEST_CUSTOMER_TOKENS": ",".join(customers),
        "LOADTEST_BACKOFFICE_TOKEN": mint("load-backoffice", BACKOFFICE_ROLE),
    }
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless"]
    command += ["--host", host, "-u", str(shape.users), "-r", str(shape.spawn_rate)]
    command += [
        "-t",
        shape.run_time,
        "--csv",
        str(prefix),
        "--only-summary",
        "--stop-timeout",
        "30",
    ]
    with log.open("wb") as out:
        done = subprocess.run(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    return done.returncode


def run_locally(shape: Shape, out_dir: Path) -> dict[str, Stat]:
    """Start Azurite and devhost, run Locust, stop both; the run's statistics by request."""
    with (
        tempfile.TemporaryDirectory() as folder,
        running_azurite(Path(folder) / "azurite") as azurite,
    ):
        host = DevhostProcess(
            ROOT,
            azurite.connection_string,
            out_dir / "devhost.log",
            extra_env={"ORDER_SWEEP_SCHEDULE": NEVER},
            extra_args=["--easy-auth"],
        )
        host.start()
        try:
            code = _locust(shape, host.base_url, out_dir / "locust", out_dir / "locust.log")
        finally:
            host.stop()
    stats_file = out_dir / "locust_stats.csv"
    if not stats_file.exists():
        raise RuntimeError(
            f"Locust wrote no statistics (exit {code}); see {out_dir / 'locust.log'}"
        )
    return read_stats(stats_file)
