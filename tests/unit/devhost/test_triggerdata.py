"""What devhost sends for each trigger, as the Functions host builds it (devhost/triggerdata)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import pytest

from devhost.triggerdata import ScheduleStatus, blob_trigger, http_trigger, queue_trigger
from devhost.triggerdata.blob import as_reference
from devhost.triggerdata.dotnet import iso
from devhost.triggerdata.timer import timer_trigger


def _json(value: Any) -> Any:
    assert value.kind == "json"
    return json.loads(value.value)


def test_dates_are_rendered_as_newtonsoft_renders_a_datetimeoffset() -> None:
    moment = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)
    assert iso(moment) == "2024-05-01T10:00:00+00:00"
    assert iso(moment.replace(microsecond=120000)) == "2024-05-01T10:00:00.12+00:00"
    assert iso(moment.astimezone(timezone(timedelta(hours=-5, minutes=-30)))) == (
        "2024-05-01T04:30:00-05:30"
    )


def test_an_http_request_is_the_hosts_rpc_http() -> None:
    trigger = http_trigger(
        "POST",
        "http://localhost:7071/api/echo/1?x=1&x=2&y=&code=k",
        [("X-Probe", "a"), ("x-probe", "b"), ("Content-Type", "application/json")],
        [("x", "1"), ("x", "2"), ("y", ""), ("code", "k")],
        {"id": "1"},
        b'{"order": "o-1", "total": 5, "ok": true, "items": [1], "nested": {"a": 1}}',
    )
    request = trigger.data.value
    assert trigger.data.kind == "http"
    assert request.headers == {"x-probe": "a,b", "content-type": "application/json"}
    assert request.query == {"x": "1,2", "code": "k"}  # `y=` has no value: left out
    assert request.params == {"id": "1"}
    assert (request.body.kind, request.body.value) == ("bytes", trigger_body(trigger))
    metadata = trigger.metadata
    # The binding data: body properties (arrays left out), query (last value, not `code`),
    # route values, and Query/Headers as JSON.
    assert {k: v.value for k, v in metadata.items() if v.kind == "string"} == {
        "order": "o-1",
        "total": "5",
        "ok": "True",
        "x": "2",
        "y": "",
        "id": "1",
    }
    assert _json(metadata["nested"]) == {"a": 1}
    assert _json(metadata["Query"]) == {"x": "2", "y": "", "code": "k"}
    assert _json(metadata["Headers"]) == {"X-Probe": "a,b", "Content-Type": "application/json"}


def trigger_body(trigger: Any) -> bytes:
    return bytes(trigger.data.value.body.value)


def test_a_request_without_a_body_sends_none() -> None:
    trigger = http_trigger("GET", "http://h/api/x", [], [], {}, b"")
    assert trigger.data.value.body is None
    assert set(trigger.metadata) == {"Query", "Headers"}


def _body_metadata(body: bytes) -> dict[str, Any]:
    trigger = http_trigger("POST", "http://h/api/x", [], [], {}, body)
    assert trigger_body(trigger) == body  # the request itself always goes on, whole
    return {k: v.value for k, v in trigger.metadata.items() if k not in ("Query", "Headers")}


def _nested(depth: int) -> bytes:
    """A JSON object `depth` containers deep: {"a": {"a": ... 1}}."""
    return b'{"a":' * depth + b"1" + b"}" * depth


@pytest.mark.parametrize(
    "body",
    [
        _nested(65),  # past Newtonsoft's MaxDepth of 64: the host reads no binding data
        _nested(100_000),  # past Python's own limit: RecursionError, not a 500
        b'{"a": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}",
        b'{"a": ' + b"9" * 5000 + b"}",  # over Python's 4300-digit limit for int()
        b'{"a": "\xff"}',  # not UTF-8
        b'{"a": 1,}',  # not JSON
        b"[1, 2]",  # JSON, but not an object
    ],
)
def test_a_body_the_host_cannot_read_gives_no_binding_data(body: bytes) -> None:
    assert _body_metadata(body) == {}


def test_a_body_64_deep_still_gives_its_properties() -> None:
    assert set(_body_metadata(_nested(64))) == {"a"}


def test_numbers_past_a_double_and_lone_surrogates_are_sent_as_the_host_sends_them() -> None:
    """1e999999 reads as infinity (.NET's double.Parse too); a lone surrogate, which JSON may
    escape but UTF-8 cannot carry, reaches the worker as U+FFFD (the host's protobuf writes
    strings with Encoding.UTF8), so the worker invoker can build its message."""
    found = _body_metadata(b'{"n": 1e999999, "s": "x\\ud800", "\\udc00": {"k": "\\ud83d"}}')
    assert found == {"n": "Infinity", "s": "x\ufffd", "\ufffd": '{"k":"\ufffd"}'}
    for text in found:
        text.encode()  # would raise UnicodeEncodeError on a surrogate


def test_a_queue_message_carries_the_extensions_binding_data() -> None:
    inserted = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)
    trigger = queue_trigger(
        "m-1",
        b"hello",
        dequeue_count=3,
        inserted_on=inserted,
        expires_on=inserted + timedelta(days=7),
        next_visible_on=inserted + timedelta(seconds=30),
        pop_receipt="pr",
    )
    assert (trigger.data.kind, trigger.data.value) == ("string", "hello")
    metadata = trigger.metadata
    assert (metadata["Id"].kind, metadata["Id"].value) == ("string", "m-1")
    assert metadata["QueueTrigger"].value == "hello"
    assert metadata["PopReceipt"].value == "pr"
    assert _json(metadata["DequeueCount"]) == 3
    assert _json(metadata["InsertionTime"]) == "2024-05-01T10:00:00+00:00"
    assert _json(metadata["ExpirationTime"]) == "2024-05-08T10:00:00+00:00"
    assert _json(metadata["NextVisibleTime"]) == "2024-05-01T10:00:30+00:00"
    binary = queue_trigger("m-2", b"\x00", dequeue_count=1, data_type="binary")
    assert (binary.data.kind, binary.data.value) == ("bytes", b"\x00")
    assert "PopReceipt" not in binary.metadata  # a null is not sent


def _properties() -> Any:
    return SimpleNamespace(
        last_modified=datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC),
        creation_time=None,
        metadata={"owner": "me"},
        blob_type="BlockBlob",
        size=5,
        content_settings=SimpleNamespace(
            content_type="text/plain",
            content_md5=None,
            content_encoding=None,
            content_disposition=None,
            content_language=None,
            cache_control=None,
        ),
        etag='"0x1"',
        lease=SimpleNamespace(state="available", status="unlocked"),
        server_encrypted=True,
        version_id=None,
    )


def test_a_blob_carries_its_path_uri_properties_and_metadata() -> None:
    trigger = blob_trigger(
        "uploads",
        "a/b.png",
        url="http://127.0.0.1:10000/devstoreaccount1/uploads/a/b.png",
        content=b"12345",
        properties=_properties(),
        path_values={"name": "a/b.png"},
    )
    assert (trigger.data.kind, trigger.data.value) == ("bytes", b"12345")
    metadata = trigger.metadata
    assert metadata["BlobTrigger"].value == "uploads/a/b.png"
    assert metadata["name"].value == "a/b.png"
    assert _json(metadata["Uri"]).endswith("/uploads/a/b.png")
    assert _json(metadata["Metadata"]) == {"owner": "me"}
    properties = _json(metadata["Properties"])
    assert properties["ContentLength"] == 5
    assert properties["LastModified"] == "2024-05-01T10:00:00+00:00"
    assert properties["ETag"] == {}  # Azure.ETag has no public property for Newtonsoft
    assert (properties["BlobType"], properties["LeaseState"], properties["LeaseStatus"]) == (
        0,
        0,
        1,
    )
    reference = as_reference(trigger, "AzureWebJobsStorage")
    assert reference.data.kind == "model_binding_data"
    assert reference.data.value.source == "AzureStorageBlobs"
    assert json.loads(reference.data.value.content) == {
        "Connection": "AzureWebJobsStorage",
        "ContainerName": "uploads",
        "BlobName": "a/b.png",
    }
    assert reference.metadata is trigger.metadata


def test_a_timer_is_the_extensions_timer_info() -> None:
    moment = datetime(2024, 5, 1, 2, 0, 0, tzinfo=UTC)
    status = ScheduleStatus(moment - timedelta(days=1), moment, moment - timedelta(days=1))
    trigger = timer_trigger(past_due=True, status=status, adjust_for_dst=True)
    assert _json(trigger.data) == {
        "Schedule": {"AdjustForDST": True},
        "ScheduleStatus": {
            "Last": "2024-04-30T02:00:00+00:00",
            "Next": "2024-05-01T02:00:00+00:00",
            "LastUpdated": "2024-04-30T02:00:00+00:00",
        },
        "IsPastDue": True,
    }
    without_monitor = timer_trigger(past_due=False, status=None, adjust_for_dst=False)
    assert _json(without_monitor.data)["ScheduleStatus"] is None
    assert list(without_monitor.metadata) == ["TimerTrigger"]
