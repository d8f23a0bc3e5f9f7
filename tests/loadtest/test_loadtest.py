"""The load test's short form, as make test runs it: `python -m loadtest --short` starts Azurite
and devhost --easy-auth, runs loadtest/locustfile.py with Locust (every journey, tokens from
the local issuer) and applies azure-load-test.yaml's criteria. It must pass here; and the same
run's statistics must fail once a criterion is tightened below what the run measured."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from loadtest.__main__ import CONFIG
from loadtest.criteria import read_stats

ROOT = Path(__file__).resolve().parents[2]
JOURNEYS = {
    "create_order",
    "get_order",
    "list_orders",
    "update_order",
    "create_image_upload",
    "blob_put",
    "get_image_status",
    "image_ready",
}


def loadtest(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "loadtest", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def tightened(tmp_path: Path, request: str, p95_ms: float) -> Path:
    """azure-load-test.yaml with `request`'s p95 threshold set to `p95_ms`."""
    document = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    document["failureCriteria"] = [
        {request: f"p95(response_time_ms) > {p95_ms:g}"}
        if isinstance(entry, dict) and request in entry
        else entry
        for entry in document["failureCriteria"]
    ]
    path = tmp_path / "tightened.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_the_short_form_passes_and_fails_once_a_criterion_is_tightened(tmp_path: Path) -> None:
    out = tmp_path / "run"
    done = loadtest("--short", "--out", out)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "FAILED" not in done.stdout
    stats = read_stats(out / "locust_stats.csv")
    assert {name for name, stat in stats.items() if stat.requests} >= JOURNEYS

    # The same run, judged by the YAML with create_order's p95 threshold below what it measured
    # (the short form doubles latency thresholds: halve the figure to land below it).
    measured = stats["create_order"].times_ms["p95"]
    assert loadtest("--short", "--judge", out).returncode == 0
    judged = loadtest(
        "--short", "--judge", out, "--config", tightened(tmp_path, "create_order", measured / 2 - 1)
    )
    assert judged.returncode == 1, judged.stdout
    failed = [line for line in judged.stdout.splitlines() if line.startswith("FAILED")]
    assert len(failed) == 1 and failed[0].startswith("FAILED create_order: p95(response_time_ms)")
