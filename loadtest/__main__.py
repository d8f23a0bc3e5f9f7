"""`python -m loadtest [--short]` (`make loadtest`): the load test against the app on this
machine, judged by azure-load-test.yaml's failure criteria; exits 1 when one fails.
`--judge DIR` judges a kept run (`--out DIR`) again, without running, e.g. after changing the
criteria."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from loadtest.criteria import WHOLE_TEST, Outcome, Stat, evaluate, load_criteria, read_stats
from loadtest.local import LONG, SHORT, run_locally

CONFIG = Path(__file__).with_name("azure-load-test.yaml")


def report(stats: dict[str, Stat], outcomes: list[Outcome]) -> str:
    lines = ["| request | requests | failures | req/s | p50 ms | p95 ms | p99 ms | max ms |"]
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name in sorted(stats, key=lambda n: (n == WHOLE_TEST, n)):
        s = stats[name]
        times = s.times_ms
        lines.append(
            f"| {name} | {s.requests} | {s.failures} | {s.rps:.1f} | {times['p50']:.0f} | "
            f"{times['p95']:.0f} | {times['p99']:.0f} | {times['max']:.0f} |"
        )
    lines.append("")
    for outcome in outcomes:
        actual = "never ran" if outcome.actual is None else f"{outcome.actual:.1f}"
        verdict = "FAILED" if outcome.failed else "ok"
        lines.append(
            f"{verdict:6} {outcome.criterion} (applied: {outcome.threshold:g}; run: {actual})"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtest", description=__doc__)
    parser.add_argument("--short", action="store_true", help="make test's short form")
    parser.add_argument("--config", type=Path, default=CONFIG, help="the criteria's YAML")
    parser.add_argument("--out", type=Path, help="keep Locust's CSV and logs here")
    parser.add_argument("--judge", type=Path, metavar="DIR", help="judge a kept run instead")
    args = parser.parse_args(argv)
    shape = SHORT if args.short else LONG
    criteria = load_criteria(args.config)  # unreadable criteria fail before the run
    if args.judge:
        stats = read_stats(args.judge / "locust_stats.csv")
    else:
        with tempfile.TemporaryDirectory() as scratch:
            out = args.out or Path(scratch)
            out.mkdir(parents=True, exist_ok=True)
            stats = run_locally(shape, out)
    outcomes = evaluate(criteria, stats, latency_headroom=shape.latency_headroom)
    sys.stdout.write(f"{shape}\n{report(stats, outcomes)}\n")
    return 1 if any(o.failed for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
