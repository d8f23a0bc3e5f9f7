"""docs/capacity.md and docs/cost.md are generated from bench/measured.json (the measured
figures) and bench/prices.json: regenerating them must change nothing. Also that the cost
model's deployment figures are infra/main.bicep's defaults, and that a changed figure would
show (so the staleness check can fail)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from bench import capacity, cost
from bench.cost_model import MID
from bench.measured import load

ROOT = Path(__file__).resolve().parents[2]
MAIN_BICEP = ROOT / "infra" / "main.bicep"


def _generated(path: Path, begin: str, end: str) -> str:
    text = path.read_text("utf-8")
    return text[text.index(begin) : text.index(end) + len(end)] + "\n"


def test_docs_capacity_is_generated_from_the_measured_figures() -> None:
    expected = capacity.generate(load())
    assert _generated(ROOT / "docs" / "capacity.md", capacity.BEGIN, capacity.END) == expected


def test_docs_cost_is_generated_from_the_measured_figures_and_the_prices() -> None:
    prices = json.loads(cost.PRICES.read_text("utf-8"))
    expected = cost.generate(load(), prices)
    assert _generated(ROOT / "docs" / "cost.md", cost.BEGIN, cost.END) == expected


@pytest.mark.parametrize(
    ("section", "path"),
    [
        (
            "storage_requests",
            ("trees", "this tree", "create-keyed", "counts", "queue POST order-events messages"),
        ),
        ("telemetry_volume", ("runs", 0, "bytes_per_order")),
    ],
)
def test_a_changed_measurement_changes_both_documents(
    section: str, path: tuple[str | int, ...]
) -> None:
    measured = copy.deepcopy(load())
    node = measured[section]
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] *= 2
    prices = json.loads(cost.PRICES.read_text("utf-8"))
    assert cost.generate(measured, prices) != cost.generate(load(), prices)
    if section == "storage_requests":
        assert capacity.generate(measured) != capacity.generate(load())


def test_every_price_names_its_page_and_how_sure_it_is() -> None:
    prices = json.loads(cost.PRICES.read_text("utf-8"))
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", prices["read"])
    for name, price in prices["prices"].items():
        assert price["page"].startswith("https://"), name
        assert price["usd"] > 0 and price["unit"] and price["source"], name


def test_the_cost_model_prices_the_deployment_main_bicep_makes() -> None:
    text = MAIN_BICEP.read_text("utf-8")
    memory = int(re.search(r"param instanceMemoryMB int = (\d+)", text).group(1))  # type: ignore[union-attr]
    concurrency = int(re.search(r"param httpPerInstanceConcurrency int = (\d+)", text).group(1))  # type: ignore[union-attr]
    assert (MID.flex_memory_gb * 1024, MID.http_concurrency) == (memory, concurrency)
