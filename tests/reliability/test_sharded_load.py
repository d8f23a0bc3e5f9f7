"""The sharded app under load with a storage restart (tests/reliability/sharded_load.py): four
event queues, three storage accounts on one Azurite, 1,000 orders of 1,000 customers created
and updated by 16 clients, Azurite stopped with SIGINT and started again a third of the way.
Orders go where their customer goes, so each account must hold exactly the orders of its
customers, and many customers keep the accounts even."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.reliability.sharded_load import run_sharded_load

if TYPE_CHECKING:
    from pathlib import Path

ORDERS = 1000
pytestmark = pytest.mark.timeout(1500)


def test_sharded_load_with_a_storage_restart_loses_nothing_and_stays_exact(
    tmp_path: Path,
) -> None:
    report = run_sharded_load(ORDERS, tmp_path)
    print(report)  # noqa: T201 - the figures, for the record
    assert report.acknowledged == ORDERS
    assert (report.lost, report.duplicated_keys, report.unexpected_orders) == (0, 0, 0)
    assert report.updated == ORDERS  # every update applied...
    assert report.versions == {2: ORDERS}  # ...once: created (1), changed once (2)
    assert report.reports_exact  # and every customer view equals the store (polled)
    assert report.unexpected == {}  # every answer a success or a 503
    assert report.retries > 0, "the restart must have been felt, or it proved nothing"
    assert sum(report.per_account) == ORDERS and report.misplaced == 0
    assert report.per_account == report.expected_per_account  # placed by customer, exactly
    assert report.spread <= 0.10, report.per_account
    assert report.poisoned == []
    assert report.ok  # the long form's verdict (make reliability) agrees
