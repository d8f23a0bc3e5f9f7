"""Event Grid payloads, both schemas: what the blobs webhook reads and what the source writes."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

import pytest

from devhost.blobinput import BlobTriggerMessage, MessageFormatError
from devhost.eventgrid import (
    BlobEventTarget,
    ListedBlob,
    WebhookPayloadError,
    blob_created_event,
    blob_target,
    notification_events,
    validation_code,
)

AZURITE = "http://127.0.0.1:10000/devstoreaccount1"
# The documented example (learn.microsoft.com/azure/event-grid/event-schema-blob-storage).
EVENT_GRID_EVENT = {
    "topic": "/subscriptions/s/resourceGroups/Storage/providers/Microsoft.Storage/"
    "storageAccounts/my-storage-account",
    "subject": "/blobServices/default/containers/test-container/blobs/new-file.txt",
    "eventType": "Microsoft.Storage.BlobCreated",
    "eventTime": "2017-06-26T18:41:00.9584103Z",
    "id": "831e1650-001e-001b-66ab-eeb76e069631",
    "data": {
        "api": "PutBlockList",
        "eTag": '"0x8D4BCC2E4835CD0"',
        "contentType": "text/plain",
        "contentLength": 524288,
        "blobType": "BlockBlob",
        "url": "https://my-storage-account.blob.core.windows.net/testcontainer/new-file.txt",
        "sequencer": "00000000000004420000000000028963",
    },
    "dataVersion": "",
    "metadataVersion": "1",
}
CLOUD_EVENT = {
    "source": EVENT_GRID_EVENT["topic"],
    "subject": EVENT_GRID_EVENT["subject"],
    "type": "Microsoft.Storage.BlobCreated",
    "time": "2017-06-26T18:41:00.9584103Z",
    "id": "831e1650-001e-001b-66ab-eeb76e069631",
    "data": EVENT_GRID_EVENT["data"],
    "specversion": "1.0",
}


def _bytes(document: object) -> bytes:
    return json.dumps(document).encode()


# --- the handshake ----------------------------------------------------------------------------
def test_validation_code_from_an_event_grid_array() -> None:
    body = [
        {
            "id": "1",
            "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
            "data": {"validationCode": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6"},
        }
    ]
    assert validation_code(_bytes(body)) == "512d38b6-c7b8-40c8-89fe-f46f9e9622b6"


def test_validation_code_from_a_cloud_event_whose_data_is_json_text() -> None:
    # The extension parses `data` again: it arrives double-encoded in the CloudEvents schema.
    body = {
        "id": "1",
        "type": "Microsoft.EventGrid.SubscriptionValidationEvent",
        "data": json.dumps({"validationCode": "abc"}),
        "specversion": "1.0",
    }
    assert validation_code(_bytes(body)) == "abc"


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b"42", _bytes([{"data": {}}]), _bytes({"data": "{}"}), _bytes([1])],
)
def test_validation_without_a_code_is_refused(body: bytes) -> None:
    with pytest.raises(WebhookPayloadError):
        validation_code(body)


# --- notifications ----------------------------------------------------------------------------
def test_a_notification_is_an_array_of_events_or_one_cloud_event() -> None:
    assert notification_events(_bytes([EVENT_GRID_EVENT, EVENT_GRID_EVENT])) == [
        EVENT_GRID_EVENT,
        EVENT_GRID_EVENT,
    ]
    assert notification_events(_bytes(CLOUD_EVENT)) == [CLOUD_EVENT]


@pytest.mark.parametrize("body", [b"{", _bytes([EVENT_GRID_EVENT, "x"]), _bytes("text")])
def test_a_notification_that_is_not_events_is_refused(body: bytes) -> None:
    with pytest.raises(WebhookPayloadError):
        notification_events(body)


@pytest.mark.parametrize("event", [EVENT_GRID_EVENT, CLOUD_EVENT])
def test_both_schemas_name_the_same_blob(event: dict[str, object]) -> None:
    assert blob_target(event) == BlobEventTarget(
        "testcontainer", "new-file.txt", '"0x8D4BCC2E4835CD0"', "BlockBlob"
    )


@pytest.mark.parametrize(
    ("url", "container", "name"),
    [
        (f"{AZURITE}/uploads/a/b%20c.jpg", "uploads", "a/b c.jpg"),
        ("http://localhost:10000/devstoreaccount1/uploads/x.png", "uploads", "x.png"),
        ("http://azurite:10000/devstoreaccount1/uploads/x.png", "uploads", "x.png"),
        ("https://acct.blob.core.windows.net/uploads/2024/x.png", "uploads", "2024/x.png"),
    ],
)
def test_container_and_name_come_from_data_url(url: str, container: str, name: str) -> None:
    target = blob_target({"data": {"url": url, "eTag": "0x1"}})
    assert (target.container, target.name, target.etag) == (container, name, '"0x1"')


@pytest.mark.parametrize(
    "event", [{}, {"data": "x"}, {"data": {}}, {"data": {"url": f"{AZURITE}/uploads"}}]
)
def test_an_event_without_a_blob_url_is_refused(event: dict[str, object]) -> None:
    with pytest.raises(WebhookPayloadError):
        blob_target(event)


# --- events the local source writes -----------------------------------------------------------
BLOB = ListedBlob(
    "holiday/beach #1.jpg",
    "0x8DC0FFEE",
    datetime(2024, 5, 1, 12, 0, 5, tzinfo=UTC),
    "image/jpeg",
    1234,
    "BlockBlob",
)
AT = {"container_url": AZURITE + "/uploads", "container": "uploads"}


def test_blob_created_in_the_event_grid_schema_carries_what_azure_sends() -> None:
    event = blob_created_event(BLOB, **AT, topic="/subscriptions/0/x", schema="eventgrid")

    assert event["eventType"] == "Microsoft.Storage.BlobCreated"
    assert event["subject"] == "/blobServices/default/containers/uploads/blobs/holiday/beach #1.jpg"
    assert event["topic"] == "/subscriptions/0/x"
    assert event["eventTime"] == "2024-05-01T12:00:05Z"
    assert (event["dataVersion"], event["metadataVersion"]) == ("", "1")
    assert event["id"] != blob_created_event(BLOB, **AT, topic="t", schema="eventgrid")["id"]
    data = event["data"]
    assert {k: data[k] for k in ("api", "eTag", "contentType", "contentLength", "blobType")} == {
        "api": "PutBlob",
        "eTag": "0x8DC0FFEE",
        "contentType": "image/jpeg",
        "contentLength": 1234,
        "blobType": "BlockBlob",
    }
    assert data["url"] == f"{AZURITE}/uploads/holiday/beach%20%231.jpg"
    # What the source writes, the webhook reads back to the same blob.
    assert blob_target(event) == BlobEventTarget(
        "uploads", "holiday/beach #1.jpg", '"0x8DC0FFEE"', "BlockBlob"
    )


def test_blob_created_in_the_cloud_events_schema() -> None:
    event = blob_created_event(BLOB, **AT, topic="/subscriptions/0/x", schema="cloudevents")

    assert (event["type"], event["source"], event["specversion"]) == (
        "Microsoft.Storage.BlobCreated",
        "/subscriptions/0/x",
        "1.0",
    )
    assert event["time"] == "2024-05-01T12:00:05Z"
    assert "eventType" not in event and "topic" not in event
    assert notification_events(_bytes(event)) == [event]


def test_sequencers_of_one_blob_order_as_strings() -> None:
    later = dataclasses.replace(BLOB, last_modified=datetime(2024, 5, 1, 12, 0, 6, tzinfo=UTC))
    first = blob_created_event(BLOB, **AT, topic="t", schema="eventgrid")["data"]["sequencer"]
    second = blob_created_event(later, **AT, topic="t", schema="eventgrid")["data"]["sequencer"]
    assert first < second


# --- the host's queue message -----------------------------------------------------------------
def test_blob_trigger_message_has_the_extensions_shape_and_round_trips() -> None:
    message = BlobTriggerMessage("Host.Functions.make_thumbnail", "uploads", "a/b.jpg", '"0x1"')

    assert json.loads(message.to_json()) == {
        "Type": "BlobTrigger",
        "FunctionId": "Host.Functions.make_thumbnail",
        "BlobType": "BlockBlob",
        "ContainerName": "uploads",
        "BlobName": "a/b.jpg",
        "ETag": '"0x1"',
    }
    assert BlobTriggerMessage.from_json(message.to_json().encode()) == message
    assert message.encode("none") == message.to_json()
    assert message.encode("base64") != message.to_json()


@pytest.mark.parametrize("body", [b"", b"{}", b"[1]", b'{"FunctionId": "x"}'])
def test_a_queue_message_that_is_not_a_blob_trigger_message_is_refused(body: bytes) -> None:
    with pytest.raises(MessageFormatError):
        BlobTriggerMessage.from_json(body)
