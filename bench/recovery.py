"""How long after a short storage outage every read model is exact again, against an older tree
in the same run.

Each run is tests/reliability/blip.py's scenario with the whole app served, the relay
included: `--clients` (16) clients create orders through devhost; once eight are
acknowledged, storage fails for `--down` seconds. `--cut storage` stalls all three services,
a dead network path (answers to requests already taken are lost too); `--cut queue` has the
queue service answer 503 (tests/reliability/blip.py says why both). Measured: the time from
storage's return until every customer's view and the daily report equal the orders store.
Who sent the events whose send failed is counted from devhost's log: the process that made
them (`order_event_resent`) or the relay. `--baseline REV` runs the app at git revision REV
(`git archive`, on its own devhost code) the same way, the runs taking turns.

    .venv/bin/python -m bench.recovery [--repeat 2] [--down 3] [--cut storage queue]
        [--clients 16] [--baseline main]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench.storage_requests import function_names
from bench.throughput import export_revision
from tests.e2e.harness import ROOT
from tests.reliability.blip import NEVER, BlipReport, run_blip
from tests.reliability.proxy import SERVICES

QUEUE_DOWN = ("unavailable", ("queue",))
GIVE_UP_S = 300.0  # a bound, not a figure: the relay's minute and its backoff fit well inside


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--down", type=float, default=3.0, help="seconds storage stays away")
    parser.add_argument("--cut", nargs="+", choices=["storage", "queue"], default=["storage"])
    parser.add_argument("--clients", type=int, default=16, help="creating orders at once")
    parser.add_argument("--baseline", help="git revision to measure too")
    args = parser.parse_args()
    results: dict[tuple[str, str], list[BlipReport]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"this tree": ROOT}
        if args.baseline:
            trees[args.baseline] = export_revision(args.baseline, Path(tmp) / "baseline")
        served = {
            label: function_names(tree, {"ORDER_SWEEP_SCHEDULE": NEVER})
            for label, tree in trees.items()
        }
        run = 0
        for _ in range(args.repeat):
            for cut in args.cut:
                fault, services = ("stalled", SERVICES) if cut == "storage" else QUEUE_DOWN
                for label, tree in trees.items():
                    run += 1
                    folder = Path(tmp) / f"run-{run}"
                    folder.mkdir()
                    report = run_blip(
                        folder,
                        served[label],
                        fault=fault,
                        services=services,
                        down_s=args.down,
                        within_s=GIVE_UP_S,
                        tree=tree,
                        clients=args.clients,
                    )
                    print(f"{label} {cut}: {report}", flush=True)
                    results.setdefault((label, cut), []).append(report)
    print(
        f"\n{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} CPUs; {args.down:.0f} s outage, {args.clients} clients, "
        f"{args.repeat} runs each\n"
    )
    print(
        "| tree | cut | runs | orders | sends deferred | resent by their process | relayed "
        "| read models exact after s (each run) | median s |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---|---:|")
    for (label, cut), reports in results.items():
        each = ", ".join(f"{r.exact_after_s:.1f}" for r in reports)
        print(
            f"| {label} | {cut} | {len(reports)} | {sum(r.orders for r in reports)} "
            f"| {sum(r.deferred for r in reports)} | {sum(r.resent for r in reports)} "
            f"| {sum(r.relayed for r in reports)} | {each} "
            f"| {statistics.median(r.exact_after_s for r in reports):.1f} |"
        )


if __name__ == "__main__":
    main()
