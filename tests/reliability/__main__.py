"""`python -m tests.reliability` (`make reliability`): the long form of the reliability suite,
printed as the tables of docs/reliability.md. Exits 1 if any scenario broke its rule."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from tests.reliability.faults import FAULTS, LoadReport, run_load_with_fault
from tests.reliability.image_fuzz import FuzzReport, run_image_fuzz
from tests.reliability.outage import OutageReport, run_storage_outage
from tests.reliability.sharded_load import ShardedReport, run_sharded_load


def _load_rows(reports: list[LoadReport]) -> list[str]:
    rows = [
        "| fault | orders | acknowledged | lost | keys with 2 orders | unexpected answers | "
        "retries (creates retried) | p50 / p99 / max latency s | fault lasted s | "
        "converged after s | poison |",
        "|---|---:|---:|---:|---:|---|---|---|---:|---:|---:|",
    ]
    for r in reports:
        rows.append(
            f"| {r.fault} | {r.orders} | {r.acknowledged} | {r.lost} | {r.duplicated_keys} | "
            f"{r.unexpected or 0} | {r.retries} ({r.creates_retried}) | "
            f"{r.p50_s:.2f} / {r.p99_s:.2f} / {r.max_s:.2f} | {r.fault_s:.1f} | "
            f"{r.convergence_s:.1f} | {len(r.poisoned)} |"
        )
    return rows


def _outage_rows(o: OutageReport) -> list[str]:
    return [
        "| outage s | requests | statuses | without Retry-After | unanswered | slowest s | "
        "health back after s | change feed back after s | poison |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|",
        f"| {o.outage_s:.0f} | {o.requests} | {dict(o.statuses)} | {o.missing_retry_after} | "
        f"{o.timed_out} | {o.max_s:.2f} | {o.recovery_s:.2f} | {o.feed_recovery_s:.2f} | "
        f"{len(o.poisoned)} |",
        "",
        "slowest answer per request: "
        + ", ".join(
            f"{label} {seconds:.1f} s" for label, seconds in sorted(o.slowest_by_request.items())
        ),
    ]


def _sharded_rows(r: ShardedReport) -> list[str]:
    return [
        "| orders (created, updated) | acknowledged | updated | orders per version | lost | "
        "keys with 2 orders | "
        "reports exact | orders per account | unexpected answers | retries | p50 / p99 create s | "
        "restart lasted s | converged after s | poison |",
        "|---:|---:|---:|---|---:|---:|---|---|---|---:|---|---:|---:|---:|",
        f"| {r.orders} | {r.acknowledged} | {r.updated} | {r.versions} | {r.lost} | "
        f"{r.duplicated_keys} | "
        f"{r.reports_exact} | {r.per_account} ({r.spread:.1%} off even) | {r.unexpected or 0} | "
        f"{r.retries} | {r.p50_s:.2f} / {r.p99_s:.2f} | {r.fault_s:.1f} | "
        f"{r.convergence_s:.1f} | {len(r.poisoned)} |",
    ]


def _fuzz_rows(f: FuzzReport) -> list[str]:
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(f.outcomes.items()))
    return [
        "| cases | seconds | outcomes | escaped | memory limit hit | slowest case s | "
        "peak RSS MB |",
        "|---:|---:|---|---:|---:|---:|---:|",
        f"| {f.cases} | {f.seconds:.1f} | {outcomes} | {len(f.escaped)} | "
        f"{f.memory_limit_hit} | {f.slowest_case_s:.2f} | {f.peak_rss_mb:.0f} |",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--outage-seconds", type=float, default=60.0)
    parser.add_argument("--fuzz-cases", type=int, default=20_000)
    parser.add_argument("--only", choices=["load", "sharded", "outage", "fuzz"], nargs="*")
    args = parser.parse_args(argv)
    only = set(args.only or ["load", "sharded", "outage", "fuzz"])
    ok, out = True, [f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"]
    with tempfile.TemporaryDirectory() as folder:
        if "load" in only:
            reports = []
            for fault in FAULTS:
                (Path(folder) / fault).mkdir()
                reports.append(run_load_with_fault(fault, args.orders, Path(folder) / fault))
            ok &= all(report.ok for report in reports)
            out += ["", *_load_rows(reports)]
        if "sharded" in only:  # 4 event queues, 3 storage accounts, Azurite restarted
            (Path(folder) / "sharded").mkdir()
            sharded = run_sharded_load(args.orders, Path(folder) / "sharded")
            ok &= sharded.ok
            out += ["", *_sharded_rows(sharded)]
        if "outage" in only:
            (Path(folder) / "outage").mkdir()
            outage = run_storage_outage(args.outage_seconds, Path(folder) / "outage")
            ok &= outage.ok
            out += ["", *_outage_rows(outage)]
    if "fuzz" in only:
        fuzz = run_image_fuzz(args.fuzz_cases, seed=1)
        ok &= fuzz.ok
        out += ["", *_fuzz_rows(fuzz)]
    sys.stdout.write("\n".join(out) + ("\n\nall rules held\n" if ok else "\n\nA RULE BROKE\n"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
