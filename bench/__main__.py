"""Run every benchmark in bench/ with its defaults: `python -m bench` (or `make bench`)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

HELPERS = {"stats", "__main__"}


def main() -> None:
    folder = Path(__file__).parent
    for module in sorted(m.name for m in pkgutil.iter_modules([str(folder)])):
        if module in HELPERS or module.startswith("_"):
            continue
        benchmark = importlib.import_module(f"bench.{module}")
        if not hasattr(benchmark, "main"):
            continue
        print(f"\n## bench.{module}\n", flush=True)
        sys.argv = [f"bench.{module}"]
        benchmark.main()


if __name__ == "__main__":
    main()
