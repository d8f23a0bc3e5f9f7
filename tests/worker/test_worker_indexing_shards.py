"""The worker library indexes the app with its event queues sharded (ORDER_EVENT_QUEUES=4):
one queue-triggered function per queue, each validated, and devhost reads the same metadata.
The number of queues is an app setting the worker sees in its environment when it imports
the app; the checks of tests/worker/test_worker_indexing.py are run on that app too."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.worker.test_worker_indexing import (
    ROOT,
    _trigger,
    by_name,
    describe,
    pytestmark,
    test_devhost_derives_the_metadata_the_worker_reports,
    test_the_worker_indexes_every_function,
)

if TYPE_CHECKING:
    import pytest

__all__ = ["pytestmark"]


def test_the_worker_indexes_one_consumer_per_event_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDER_EVENT_QUEUES", "4")
    worker, devhost = describe("worker", ROOT), describe("devhost", ROOT)
    test_the_worker_indexes_every_function((ROOT, worker, devhost))
    test_devhost_derives_the_metadata_the_worker_reports((ROOT, worker, devhost))
    queues = {
        name: _trigger(function["bindings"])["queueName"]
        for name, function in by_name(worker).items()
        if _trigger(function["bindings"])["type"] == "queueTrigger"
    }
    assert queues == {f"process_order_event_{i}": f"order-events-{i}" for i in range(4)}
