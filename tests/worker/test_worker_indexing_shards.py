"""The worker library indexes the app with its event queues sharded (ORDER_EVENT_QUEUES=4, over
three accounts): one queue-triggered function per queue, bound to its account's connection,
each validated, and devhost reads the same metadata.
The number of queues is an app setting the worker sees in its environment when it imports
the app; the checks of tests/worker/test_worker_indexing.py are run on that app too."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.worker import test_worker_indexing as indexing
from tests.worker.test_worker_indexing import ROOT, _trigger, by_name, describe, pytestmark

if TYPE_CHECKING:
    import pytest

__all__ = ["pytestmark"]


def test_the_worker_indexes_one_consumer_per_event_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDER_EVENT_QUEUES", "4")
    monkeypatch.setenv(
        "ORDER_STORAGE_CONNECTIONS", "AzureWebJobsStorage,OrdersStorage1,OrdersStorage2"
    )
    worker, devhost = describe("worker", ROOT), describe("devhost", ROOT)
    # The checks of test_worker_indexing.py, on the app indexed with four queues.
    indexing.test_the_worker_indexes_every_function((ROOT, worker, devhost))
    indexing.test_devhost_derives_the_metadata_the_worker_reports((ROOT, worker, devhost))
    queues = {
        name: (
            _trigger(function["bindings"])["queueName"],
            _trigger(function["bindings"])["connection"],
        )
        for name, function in by_name(worker).items()
        if name.startswith("process_order_event")  # the change feed's (not reject_upload)
    }
    accounts = ["AzureWebJobsStorage", "OrdersStorage1", "OrdersStorage2", "AzureWebJobsStorage"]
    assert queues == {
        f"process_order_event_{i}": (f"order-events-{i}", accounts[i]) for i in range(4)
    }
