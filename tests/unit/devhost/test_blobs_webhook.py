"""The blobs extension's webhook: the handshake and the dispatch on `aeg-event-type`."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devhost.blobinput import BlobTriggerMessage
from devhost.webhooks import BlobsWebhook

FUNCTION = {"functionName": "Host.Functions.make_thumbnail"}
URL = "http://127.0.0.1:10000/devstoreaccount1/uploads/a/b.jpg"


def _event(url: str = URL, etag: str = "0x1") -> dict[str, object]:
    return {
        "id": "1",
        "eventType": "Microsoft.Storage.BlobCreated",
        "data": {"url": url, "eTag": etag, "blobType": "BlockBlob"},
    }


@pytest.fixture
def enqueued() -> list[BlobTriggerMessage]:
    return []


@pytest.fixture
def webhook(enqueued: list[BlobTriggerMessage]) -> BlobsWebhook:
    async def enqueue(message: BlobTriggerMessage) -> None:
        enqueued.append(message)

    return BlobsWebhook(enqueue)


async def _post(webhook: BlobsWebhook, kind: str | None, body: object) -> tuple[int, bytes]:
    headers = {} if kind is None else {"aeg-event-type": kind}
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    status, _, payload = await webhook.handle("POST", FUNCTION, headers, raw)
    return status, payload


async def test_subscription_validation_answers_200_with_the_code(
    webhook: BlobsWebhook, enqueued: list[BlobTriggerMessage]
) -> None:
    code = [{"data": {"validationCode": "c0de"}}]
    status, body = await _post(webhook, "SubscriptionValidation", code)

    assert (status, json.loads(body)) == (200, {"validationResponse": "c0de"})
    assert enqueued == []


async def test_the_event_type_header_is_read_without_regard_to_case(webhook: BlobsWebhook) -> None:
    status, _ = await _post(webhook, "subscriptionvalidation", [{"data": {"validationCode": "c"}}])
    assert status == 200


async def test_a_notification_array_enqueues_one_message_per_event_and_answers_202(
    webhook: BlobsWebhook, enqueued: list[BlobTriggerMessage]
) -> None:
    other = URL.replace("a/b.jpg", "c.png")
    status, _ = await _post(webhook, "Notification", [_event(), _event(other, '"0x2"')])

    assert status == 202
    assert enqueued == [
        BlobTriggerMessage("Host.Functions.make_thumbnail", "uploads", "a/b.jpg", '"0x1"'),
        BlobTriggerMessage("Host.Functions.make_thumbnail", "uploads", "c.png", '"0x2"'),
    ]


async def test_a_single_cloud_event_is_a_notification_too(
    webhook: BlobsWebhook, enqueued: list[BlobTriggerMessage]
) -> None:
    cloud_event = {
        "specversion": "1.0",
        "type": "Microsoft.Storage.BlobCreated",
        "source": "/subscriptions/0",
        "id": "1",
        "data": _event()["data"],
    }
    assert (await _post(webhook, "Notification", cloud_event))[0] == 202
    assert [m.name for m in enqueued] == ["a/b.jpg"]


async def test_unsubscribe_answers_202(
    webhook: BlobsWebhook, enqueued: list[BlobTriggerMessage]
) -> None:
    assert (await _post(webhook, "Unsubscribe", []))[0] == 202
    assert enqueued == []


@pytest.mark.parametrize("kind", [None, "", "SomethingElse", "Notifications"])
async def test_any_other_event_type_answers_400(
    webhook: BlobsWebhook, enqueued: list[BlobTriggerMessage], kind: str | None
) -> None:
    status, body = await _post(webhook, kind, [_event()])
    assert status == 400
    assert "aeg-event-type" in json.loads(body)["error"]
    assert enqueued == []


@pytest.mark.parametrize(
    "body", [b"not json", [_event(), {"data": {}}], [{"data": {"url": "http://x/onlycontainer"}}]]
)
async def test_a_bad_notification_answers_400_and_enqueues_nothing(
    webhook: BlobsWebhook, enqueued: list[BlobTriggerMessage], body: object
) -> None:
    assert (await _post(webhook, "Notification", body))[0] == 400
    assert enqueued == []


async def test_a_notification_needs_the_function_name(
    webhook: BlobsWebhook, enqueued: list[BlobTriggerMessage]
) -> None:
    status, _, _ = await webhook.handle(
        "POST", {}, {"aeg-event-type": "Notification"}, json.dumps([_event()]).encode()
    )
    assert status == 400
    assert enqueued == []


async def test_only_post_is_served(webhook: BlobsWebhook) -> None:
    answer = await webhook.handle("GET", FUNCTION, {"aeg-event-type": "Notification"}, b"")
    assert answer[0] == 405


async def test_a_delivery_that_cannot_be_enqueued_answers_500_so_event_grid_retries() -> None:
    """Served on the event loop: the enqueue's storage failure reaches the HTTP answer."""
    from aiohttp.test_utils import make_mocked_request
    from azure.core.exceptions import ServiceRequestError

    from devhost.frontend import AdminApi, CorsPolicy, ExtensionWebhooks, Frontend, HttpFunctions

    async def unreachable(message: BlobTriggerMessage) -> None:
        raise ServiceRequestError("storage unreachable")

    frontend = Frontend(
        HttpFunctions([], None, None, route_prefix="api", cors=CorsPolicy()),  # type: ignore[arg-type]
        AdminApi(lambda *_: None, dict),
        ExtensionWebhooks(BlobsWebhook(unreachable)),
    )
    request = make_mocked_request(
        "POST",
        "/runtime/webhooks/blobs?functionName=Host.Functions.make_thumbnail",
        headers={
            "aeg-event-type": "Notification",
            "Host": "127.0.0.1:7071",
            "Content-Type": "application/json",
        },
    )
    response = await frontend.handle(request, json.dumps([_event()]).encode())
    assert response.status == 500


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,  # nested past Python's limit: RecursionError
        b"\xff\xfe[]",  # not UTF-8
        [{"data": {"url": "http://[::1/devstoreaccount1/uploads/a.jpg"}}],  # unbalanced [
        [{"data": {"url": "http://127.0.0.1:port/devstoreaccount1/uploads/a.jpg"}}],
    ],
)
async def test_a_body_python_cannot_read_is_a_400_not_a_500(
    webhook: BlobsWebhook, enqueued: list[BlobTriggerMessage], body: object
) -> None:
    status, payload = await _post(webhook, "Notification", body)
    assert status == 400, payload
    assert "error" in json.loads(payload)
    assert enqueued == []


async def test_a_cloud_event_validation_is_read_whatever_its_data_text_holds(
    webhook: BlobsWebhook,
) -> None:
    body = {"data": '{"validationCode": "\ud800"}', "type": "validation"}
    status, _ = await _post(webhook, "SubscriptionValidation", json.dumps(body).encode())
    assert status == 200  # JSON allows the escape: the code is read, not refused with a 500
    status, _ = await _post(webhook, "SubscriptionValidation", {"data": "[" * 100_000})
    assert status == 400


_KINDS = st.sampled_from(["Notification", "SubscriptionValidation", "Unsubscribe", "x", None])
_JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=12,
)
# Characters that mean something in a URL, so hosts, ports and paths come out odd.
_URL_TEXT = st.text(alphabet=st.sampled_from("[]:@/.?#%a1\u00e9\x00"), max_size=12)
_URLS = st.builds("http://{}/{}".format, _URL_TEXT, _URL_TEXT) | _URL_TEXT | _JSONISH
_EVENTS = st.lists(
    st.fixed_dictionaries({"data": st.fixed_dictionaries({"url": _URLS})}), min_size=1, max_size=2
)


async def _answer(kind: str | None, body: bytes) -> int:
    async def enqueue(message: BlobTriggerMessage) -> None:
        pass

    headers = {} if kind is None else {"aeg-event-type": kind}
    status, _, _ = await BlobsWebhook(enqueue).handle("POST", FUNCTION, headers, body)
    return status


# Whatever a client posts, the answer is the webhook's own (2xx, or 4xx with a reason): only
# storage failing to take a message may answer 500 (Event Grid then retries).


@settings(max_examples=150, derandomize=True, deadline=None, database=None)
@given(kind=_KINDS, body=st.binary(max_size=64) | _JSONISH.map(lambda v: json.dumps(v).encode()))
async def test_no_body_makes_the_webhook_answer_500(kind: str | None, body: bytes) -> None:
    assert await _answer(kind, body) < 500


@settings(max_examples=150, derandomize=True, deadline=None, database=None)
@given(events=_EVENTS)
async def test_no_event_makes_the_webhook_answer_500(events: list[object]) -> None:
    assert await _answer("Notification", json.dumps(events).encode()) < 500
