"""The local event source's Event Grid advanced filters and queue subscriptions, without I/O:
which destination each BlobCreated event goes to, with the app's own configuration
([tool.devhost.event-grid] of pyproject.toml) and with made-up ones."""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path
from typing import Any

import pytest

from devhost.eventsource.delivery import EventDelivery, RetryPolicy
from devhost.eventsource.filters import FilterConfigError, matches, parse_filters
from devhost.eventsource.queues import queue_message
from devhost.eventsource.routing import Routes
from devhost.eventsource.subscriptions import CONFIG_KEY, subscriptions_for
from devhost.expressions import BindingExpressionError
from devhost.functions import FunctionSpec
from devhost.project import devhost_table

ROOT = Path(__file__).resolve().parents[3]
LIMIT = 1000
TRIGGER = {
    "type": "blobTrigger",
    "name": "upload",
    "path": "uploads/{name}",
    "connection": "UploadsStorage",
    "source": "EventGrid",
}


def event(length: int, api: str = "PutBlob") -> dict[str, Any]:
    return {
        "subject": "/blobServices/default/containers/uploads/blobs/a.png",
        "data": {"api": api, "contentLength": length, "eTag": "0x1"},
    }


class Destination(EventDelivery):
    """A destination that accepts every event, through the real delivery loop."""

    def __init__(self, name: str) -> None:
        super().__init__(
            name, "Host.Functions.make_thumbnail", policy=RetryPolicy(), stopping=asyncio.Event()
        )
        self.got: list[dict[str, Any]] = []

    async def _attempt(self, event: dict[str, Any]) -> int:
        self.got.append(event)
        return 202


def app_routes() -> tuple[Routes, Destination, list[Destination]]:
    """The app's own subscription of make_thumbnail, as pyproject.toml configures it."""
    spec = FunctionSpec("make_thumbnail", TRIGGER, (TRIGGER,), print, ROOT)
    config = devhost_table(ROOT)[CONFIG_KEY]
    (subscription,) = subscriptions_for([spec], {"THUMBNAIL_MAX_BYTES": str(LIMIT)}, config)
    webhook, queues = Destination("webhook"), [Destination(r.queue) for r in subscription.queues]
    pairs = tuple(zip(subscription.queues, queues, strict=True))
    return Routes(subscription, webhook, pairs, asyncio.Event()), webhook, queues


@pytest.mark.parametrize(
    ("length", "api", "to_webhook", "to_queues"),
    [
        (LIMIT, "PutBlob", True, 0),  # the limit itself is allowed
        (1, "PutBlockList", True, 0),
        (LIMIT + 1, "PutBlob", False, 1),  # one byte over
        (10, "CopyBlob", False, 1),
        (10, "putblob", True, 0),  # Event Grid compares strings without regard to case
        (LIMIT + 1, "CopyBlob", False, 2),  # both other subscriptions: the handler is idempotent
    ],
)
def test_the_apps_subscriptions_send_each_event_where_infra_does(
    length: int, api: str, to_webhook: bool, to_queues: int
) -> None:
    routes, webhook, queues = app_routes()

    chosen = routes.destinations(event(length, api))

    assert (webhook in chosen) is to_webhook
    assert sum(queue in chosen for queue in queues) == to_queues
    assert {route.queue for route in routes.subscription.queues} == {"uploads-rejected"}
    assert {route.connection for route in routes.subscription.queues} == {"UploadsStorage"}


async def test_every_chosen_destination_gets_the_event() -> None:
    routes, webhook, queues = app_routes()

    assert await routes.deliver(event(LIMIT + 1, "CopyBlob"))

    assert not webhook.got
    assert [len(queue.got) for queue in queues] == [1, 1]


def test_the_bound_is_the_app_setting_and_unset_is_refused_by_name() -> None:
    raw = [{"operatorType": "NumberLessThanOrEquals", "key": "data.contentLength",
            "value": "%THUMBNAIL_MAX_BYTES%"}]  # fmt: skip
    (bound,) = parse_filters(raw, {"THUMBNAIL_MAX_BYTES": "5"})
    assert matches((bound,), event(5)) and not matches((bound,), event(6))
    with pytest.raises(BindingExpressionError, match="THUMBNAIL_MAX_BYTES"):
        parse_filters(raw, {})


@pytest.mark.parametrize(
    "found",
    [{"subject": "s"}, {"data": {"contentLength": "5"}}, {"data": {"contentLength": True}}],
)
def test_a_missing_or_non_number_value_does_not_match(found: dict[str, Any]) -> None:
    raw = [{"operatorType": "NumberLessThan", "key": "data.contentLength", "value": "10"}]
    assert not matches(parse_filters(raw, {}), found)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([{"operatorType": "StringContains", "key": "subject", "values": ["x"]}], "StringContains"),
        ([{"operatorType": "NumberLessThan", "value": "1"}], "no key"),
        ([{"operatorType": "NumberLessThan", "key": "data.x", "value": "many"}], "not a number"),
        ([{"operatorType": "StringIn", "key": "data.api", "values": []}], "list of values"),
        ({"operatorType": "StringIn"}, "list of tables"),
    ],
)
def test_a_filter_the_source_cannot_apply_is_refused_at_start(raw: Any, message: str) -> None:
    with pytest.raises(FilterConfigError, match=message):
        parse_filters(raw, {})


def test_a_queue_subscription_must_name_its_queue() -> None:
    spec = FunctionSpec("make_thumbnail", TRIGGER, (TRIGGER,), print, ROOT)
    with pytest.raises(FilterConfigError, match="queue"):
        subscriptions_for([spec], {}, {"make_thumbnail": {"queues": [{"connection": "X"}]}})


def test_without_configuration_every_event_goes_to_the_webhook() -> None:
    spec = FunctionSpec("make_thumbnail", TRIGGER, (TRIGGER,), print, ROOT)
    (subscription,) = subscriptions_for([spec], {})
    assert (subscription.filters, subscription.queues) == ((), ())


def test_a_queue_message_is_the_event_base64_encoded_as_event_grid_writes_it() -> None:
    one = event(7)
    assert json.loads(base64.b64decode(queue_message(one))) == one
