"""The reliability suite's short form, run by `make test` (CI). `make reliability` runs the long
form (1000 orders per fault, a 60 s outage, 20,000 fuzz cases) and prints the figures kept in
docs/reliability.md. Each scenario starts its own Azurite and devhost."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.reliability.faults import FAULTS, run_load_with_fault
from tests.reliability.image_fuzz import run_image_fuzz
from tests.reliability.outage import ANSWER_WITHIN_S, expected_statuses, run_storage_outage

if TYPE_CHECKING:
    from pathlib import Path

ORDERS = 300
OUTAGE_S = 30.0  # CI form; the long form holds storage down for 60 s
FUZZ_CASES = 800
# Each scenario starts its own Azurite and devhost and waits for the read models to converge
# (the outbox relay runs once a minute): minutes, not the 300 s default of one test.
pytestmark = pytest.mark.timeout(1200)


@pytest.mark.parametrize("fault", FAULTS)
def test_load_with_a_fault_loses_nothing_and_converges(fault: str, tmp_path: Path) -> None:
    report = run_load_with_fault(fault, ORDERS, tmp_path)
    print(report)  # noqa: T201 - the figures, for the record
    assert report.acknowledged == ORDERS
    assert (report.lost, report.duplicated_keys, report.unexpected_orders) == (0, 0, 0)
    assert report.unexpected == {}  # 201, and only RETRY_ANSWERS while the fault was on
    assert report.retries > 0, "the fault must have been felt, or it proved nothing"
    assert report.poisoned == []


def test_storage_outage_answers_503_within_15_s_and_recovers_alone(tmp_path: Path) -> None:
    report = run_storage_outage(OUTAGE_S, tmp_path)
    print(report)  # noqa: T201
    # Every kind of request was made during the outage, and each answered only 503 (an upload
    # URL, which needs no storage once the process has signed one, only 200).
    assert {label: set(answers) for label, answers in report.statuses_by_request.items()} == (
        expected_statuses()
    )
    assert report.missing_retry_after == 0 and report.timed_out == 0
    assert report.max_s <= ANSWER_WITHIN_S
    # Health and the change feed came back within their deadlines (run_storage_outage raises
    # past them), in the same devhost process: recovered, not restarted.
    assert not report.host_restarted
    assert report.poisoned == []


def test_mutated_images_end_ready_or_with_a_known_reason() -> None:
    report = run_image_fuzz(FUZZ_CASES, seed=11)
    print(report)  # noqa: T201
    assert report.cases == FUZZ_CASES
    assert report.escaped == []
    assert report.memory_limit_hit == 0
    assert report.outcomes["ready"] > 0 and report.outcomes["failed:corrupt"] > 0
