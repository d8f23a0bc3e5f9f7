"""The one JSON of measured figures the generated docs are made from (bench/measured.json).

Each benchmark that feeds docs/capacity.md or docs/cost.md writes its `--json` output into its
own section with `--record`; `bench.capacity` and `bench.cost` read only this file, and
tests/unit/test_generated_docs.py regenerates both documents from it and fails when either
is stale. To bring a figure up to date: rerun its benchmark with `--record`, then
`python -m bench.capacity --write docs/capacity.md` and `python -m bench.cost --write
docs/cost.md`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["MEASURED", "load", "record"]

MEASURED = Path(__file__).with_name("measured.json")


def load(path: Path = MEASURED) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


def record(section: str, figures: dict[str, Any], path: Path = MEASURED) -> None:
    """Replace one benchmark's section, keeping the others."""
    data = load(path) if path.exists() else {}
    data[section] = figures
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", "utf-8")
