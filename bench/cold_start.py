"""Cold start: `import function_app` against `import azure.functions` alone.

Each sample is a fresh interpreter timing only its import, so interpreter start-up is not in
the figure. A third variant imports every SDK eagerly, to show what lazy imports save. The
fourth is what the Python worker does before importing the app when App Insights is
configured (PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY=true): import the Azure Monitor distro
and call `configure_azure_monitor()` (here with a connection string to a closed loopback port,
and statsbeat and the SDK's control plane off, so no sample waits on the network).

    .venv/bin/python -m bench.cold_start [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

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


def time_import(statement: str) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **ENVIRONMENT},
    )
    return float(result.stdout.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    samples: dict[str, list[float]] = {name: [] for name in VARIANTS}
    for _ in range(runs):  # interleaved, so drift on a noisy machine hits every variant alike
        for name, statement in VARIANTS.items():
            samples[name].append(time_import(statement))
    baseline = statistics.median(samples["azure.functions alone (baseline)"])
    print(f"cold start, median of {runs} fresh processes each\n")
    print("| import | median ms | ratio to baseline |")
    print("|---|---:|---:|")
    for name, values in samples.items():
        median = statistics.median(values)
        print(f"| {name} | {median * 1000:.1f} | {median / baseline:.2f}x |")
    app = statistics.median(samples["function_app (this app)"])
    configured = statistics.median(samples[CONFIGURED])
    print(f"\nadded by the worker's Azure Monitor set-up: {(configured - app) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
