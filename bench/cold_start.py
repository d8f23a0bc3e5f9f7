"""Cold start: `import function_app` against `import azure.functions` alone.

Each sample is a fresh interpreter timing only its import, so interpreter start-up is not in
the figure. A third variant imports every SDK eagerly, to show what lazy imports save. The
fourth is what the Python worker does before importing the app when App Insights is
configured (PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY=true): import the Azure Monitor distro
and call `configure_azure_monitor()` (here with a connection string to a closed loopback port,
and statsbeat and the SDK's control plane off, so no sample waits on the network).

`--baseline REV` also imports the app as it was at git revision REV (exported with `git
archive`), interleaved with the others. `--instructions` counts instructions with valgrind's
callgrind instead of timing: one sample per variant, the same count whatever else the machine
is doing, less the interpreter's own start (`pass`). Wall-clock medians on a shared 2-core
machine moved by 10-20% between runs; instruction counts do not, so small changes to the
app's import are measured with them.

    .venv/bin/python -m bench.cold_start [--runs 15] [--baseline 93694f6] [--instructions]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.throughput import export_revision

ROOT = Path(__file__).resolve().parent.parent
CONFIGURED = "function_app, App Insights configured (the worker's set-up first)"
VARIANTS = {
    "azure.functions alone (baseline)": "import azure.functions",
    "function_app (this app)": "import function_app",
    "function_app + all SDKs eagerly": (
        "import function_app, azure.data.tables, azure.storage.blob, azure.storage.queue, "
        "azure.identity, PIL.Image"
    ),
    CONFIGURED: (
        "from azure.monitor.opentelemetry import configure_azure_monitor; "
        "configure_azure_monitor(connection_string="
        "'InstrumentationKey=00000000-0000-0000-0000-000000000000;"
        "IngestionEndpoint=http://127.0.0.1:9/', logger_name=''); import function_app"
    ),
}
# What the worker's environment holds on Azure, minus the calls to Microsoft's endpoints.
ENVIRONMENT = {
    "FUNCTIONS_WORKER_RUNTIME": "python",
    "OTEL_EXPERIMENTAL_RESOURCE_DETECTORS": "azure_functions",
    "APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL": "true",
    "APPLICATIONINSIGHTS_CONTROLPLANE_DISABLED": "true",
}


PYTHON = (sys.executable, "-c")
BASELINE = "azure.functions alone (baseline)"
APP = "function_app (this app)"


def time_import(statement: str, tree: Path = ROOT) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **ENVIRONMENT},
    )
    return float(result.stdout.splitlines()[-1])


def count_instructions(statement: str, tree: Path = ROOT) -> float:
    time_import(statement, tree)  # writes the bytecode caches, so no count includes compiling
    result = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *PYTHON, statement],
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **ENVIRONMENT},
    )
    found = re.search(r"Collected : (\d+)", result.stderr)
    if found is None:
        raise RuntimeError(f"callgrind reported no count: {result.stderr[-500:]}")
    return float(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--baseline", help="git revision whose app to import too")
    parser.add_argument("--instructions", action="store_true", help="count, not time")
    args = parser.parse_args()
    if args.instructions and shutil.which("valgrind") is None:
        parser.error("--instructions needs valgrind (apt-get install valgrind)")
    with tempfile.TemporaryDirectory() as folder:
        variants = {name: (statement, ROOT) for name, statement in VARIANTS.items()}
        if args.baseline:
            tree = export_revision(args.baseline, Path(folder) / "baseline")
            variants[f"function_app at {args.baseline}"] = ("import function_app", tree)
        if args.instructions:
            report_instructions(variants)
        else:
            report_times(variants, args.runs)


def report_instructions(variants: dict[str, tuple[str, Path]]) -> None:
    start = count_instructions("pass")
    counts = {
        name: count_instructions(code, tree) - start for name, (code, tree) in variants.items()
    }
    print("cold start, instructions counted by callgrind, less the interpreter's start\n")
    print("| import | million instructions | ratio to baseline |")
    print("|---|---:|---:|")
    for name, count in counts.items():
        print(f"| {name} | {count / 1e6:.1f} | {count / counts[BASELINE]:.3f}x |")


def report_times(variants: dict[str, tuple[str, Path]], runs: int) -> None:
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(runs):  # interleaved, so drift on a noisy machine hits every variant alike
        for name, (statement, tree) in variants.items():
            samples[name].append(time_import(statement, tree))
    baseline = statistics.median(samples[BASELINE])
    print(f"cold start, median of {runs} fresh processes each\n")
    print("| import | median ms | ratio to baseline |")
    print("|---|---:|---:|")
    for name, values in samples.items():
        median = statistics.median(values)
        print(f"| {name} | {median * 1000:.1f} | {median / baseline:.2f}x |")
    app = statistics.median(samples[APP])
    configured = statistics.median(samples[CONFIGURED])
    print(f"\nadded by the worker's Azure Monitor set-up: {(configured - app) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
