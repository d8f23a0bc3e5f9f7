"""Queue poison hygiene: after a run, every message in a poison queue must be one a test put
there on purpose. Anything else is a failure nobody looked at: a handler that raised on data
it should have recorded as a permanent failure, or a transient fault retried into the poison
queue. The session's Azurite is checked when the suite ends (tests/conftest.py), and every
reliability scenario checks its own.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["EXPLAINED", "unexplained_poison"]


def _json(content: str) -> Any:
    try:
        return json.loads(base64.b64decode(content, validate=True))
    except (binascii.Error, ValueError):
        return None


def _text(content: str) -> str:
    try:
        return base64.b64decode(content, validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return content


# queue -> (the test that poisons on purpose, how to recognise its message)
EXPLAINED: dict[str, list[tuple[str, Callable[[str], bool]]]] = {
    "order-events-poison": [
        (
            "tests/e2e/test_change_feed_e2e.py::test_a_message_that_keeps_failing_ends_in_the_poison_queue",
            lambda c: (
                ((_json(c) or {}).get("new_image") or {}).get("customer_id") == "bad/customer"
            ),
        ),
    ],
    "webjobs-blobtrigger-poison": [
        (
            "tests/e2e/test_devhost_triggers.py::test_failing_blob_is_tried_poison_blob_threshold_times_then_poisoned"
            " and ::test_failing_event_grid_function_ends_in_the_poison_queue_after_the_threshold",
            lambda c: str((_json(c) or {}).get("BlobName", "")).startswith("fail/"),
        ),
    ],
    "e2e-work-poison": [
        (
            "tests/e2e/test_devhost_triggers.py::test_failing_message_lands_in_the_poison_queue_after_five_dequeues",
            lambda c: _text(c) == "fail",
        ),
        (
            "tests/e2e/test_devhost_triggers.py::test_message_that_is_not_base64_goes_straight_to_poison",
            lambda c: c == "not base64 !!",
        ),
    ],
}


def _contents(service: Any, queue: str) -> list[str]:
    """Every message's content: received (not deleted) page by page, since peek stops at 32."""
    client = service.get_queue_client(queue)
    seen: list[str] = []
    while True:
        batch = list(
            client.receive_messages(messages_per_page=32, visibility_timeout=300, max_messages=32)
        )
        if not batch:
            return seen
        seen += [str(message.content) for message in batch]


def unexplained_poison(connection_string: str) -> list[str]:
    """`queue: content` for each poison message no test explains (empty when all is well)."""
    from azure.storage.queue import QueueServiceClient

    with QueueServiceClient.from_connection_string(connection_string) as service:
        queues = [q.name for q in service.list_queues() if q.name.endswith("-poison")]
        found = []
        for queue in queues:
            explanations = EXPLAINED.get(queue, [])
            for content in _contents(service, queue):
                if not any(matches(content) for _, matches in explanations):
                    found.append(f"{queue}: {_text(content)[:200]}")
    return found
