"""Cold start: `import function_app` against `import azure.functions` alone.

Each sample is a fresh interpreter timing only its import, so interpreter start-up is not in
the figure. A third variant imports every SDK eagerly, to show what lazy imports save.

    .venv/bin/python -m bench.cold_start [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = {
    "azure.functions alone (baseline)": "import azure.functions",
    "function_app (this app)": "import function_app",
    "function_app + all SDKs eagerly": (
        "import function_app, azure.data.tables, azure.storage.blob, azure.storage.queue, "
        "azure.identity, PIL.Image"
    ),
}


def time_import(statement: str) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return float(result.stdout)


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


if __name__ == "__main__":
    main()
