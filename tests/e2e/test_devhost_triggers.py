"""Blob (polling and Event Grid), queue and timer triggers through devhost, against the real
Azurite.

Waits are for conditions, with a generous WAIT_S that only matters when something is broken:
a loaded CI machine makes things slower, never wrong. How fast devhost picks up a blob is
measured in bench/ (blob pick-up latency), not asserted here. An output binding is written
before the invocation's log line, so a test that reads the log waits for the line itself.
"""

from __future__ import annotations

import base64
import contextlib
import json
import uuid
from typing import TYPE_CHECKING, Any

import pytest
from azure.core.exceptions import ResourceExistsError
from azure.storage.blob import BlobServiceClient
from azure.storage.queue import QueueClient

from tests.e2e.harness import SAMPLE_EVENTS, wait_for

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.e2e.harness import DevhostProcess

WAIT_S = 60
JSON = {"Content-Type": "application/json"}  # the admin API runs functions only from JSON


@pytest.fixture(scope="module")
def blobs(sample_host: DevhostProcess) -> Iterator[BlobServiceClient]:
    with BlobServiceClient.from_connection_string(sample_host.connection_string) as service:
        for container in ("e2e-uploads", "e2e-results", SAMPLE_EVENTS):
            if not service.get_container_client(container).exists():
                service.create_container(container)
        yield service


def _queue(host: DevhostProcess, name: str) -> QueueClient:
    client = QueueClient.from_connection_string(host.connection_string, name)
    with contextlib.suppress(ResourceExistsError):
        client.create_queue()
    return client


def _messages(client: QueueClient) -> list[dict[str, Any]]:
    return [json.loads(base64.b64decode(m.content)) for m in client.peek_messages(max_messages=32)]


def _runs_for(host: DevhostProcess, blob: str) -> list[dict[str, str]]:
    return [i for i in host.invocations("on_upload") if i.get("blob") == f"e2e-uploads/{blob}"]


def _upload(service: BlobServiceClient, name: str, data: bytes) -> None:
    service.get_blob_client("e2e-uploads", name).upload_blob(data, overwrite=True)


def _scanned_since(host: DevhostProcess, service: BlobServiceClient) -> None:
    """Upload a fresh blob and wait until it has run: every blob listed before it has been
    seen by a scan since, so whatever that scan was going to start has started."""
    marker = f"marker/{uuid.uuid4()}.txt"
    _upload(service, marker, b"m")
    wait_for(lambda: _runs_for(host, marker), WAIT_S)


def test_uploaded_blob_runs_the_function(
    sample_host: DevhostProcess, blobs: BlobServiceClient
) -> None:
    name = f"nested/dir/{uuid.uuid4()}.txt"
    _upload(blobs, name, b"12345")
    result = blobs.get_blob_client("e2e-results", name)
    wait_for(result.exists, WAIT_S, interval=0.05)
    assert json.loads(result.download_blob().readall()) == {
        "name": f"e2e-uploads/{name}",
        "length": 5,
        "size": 5,
    }
    # The output blob is written before the invocation's log line: wait for that line too.
    runs = wait_for(lambda: _runs_for(sample_host, name), WAIT_S)
    assert [run["outcome"] for run in runs] == ["succeeded"]


def test_changed_blob_is_processed_again_unchanged_is_not(
    sample_host: DevhostProcess, blobs: BlobServiceClient
) -> None:
    name = f"change/{uuid.uuid4()}.txt"
    _upload(blobs, name, b"v1")
    wait_for(lambda: _runs_for(sample_host, name), WAIT_S)
    _scanned_since(sample_host, blobs)
    _scanned_since(sample_host, blobs)
    assert len(_runs_for(sample_host, name)) == 1
    _upload(blobs, name, b"version-2")
    wait_for(lambda: len(_runs_for(sample_host, name)) == 2, WAIT_S)
    result = blobs.get_blob_client("e2e-results", name).download_blob().readall()
    assert json.loads(result)["size"] == len(b"version-2")


def test_failing_blob_is_tried_poison_blob_threshold_times_then_poisoned(
    sample_host: DevhostProcess, blobs: BlobServiceClient
) -> None:
    poison = _queue(sample_host, "webjobs-blobtrigger-poison")
    name = f"fail/{uuid.uuid4()}.txt"
    _upload(blobs, name, b"x")
    found = wait_for(
        lambda: [m for m in _messages(poison) if m["BlobName"] == name], WAIT_S, interval=0.2
    )
    assert found[0]["ContainerName"] == "e2e-uploads"
    assert found[0]["FunctionId"] == "Host.Functions.on_upload"
    assert found[0]["Type"] == "BlobTrigger"
    runs = _runs_for(sample_host, name)
    # host.json extensions.blobs.poisonBlobThreshold is 4 (queues.maxDequeueCount is 5).
    assert [run["outcome"] for run in runs] == ["failed"] * 4
    assert [run["attempt"] for run in runs] == ["1", "2", "3", "4"]


def test_failing_message_lands_in_the_poison_queue_after_five_dequeues(
    sample_host: DevhostProcess,
) -> None:
    work, poison = _queue(sample_host, "e2e-work"), _queue(sample_host, "e2e-work-poison")
    poison.clear_messages()
    sent = work.send_message(base64.b64encode(b"fail").decode())
    wait_for(lambda: list(poison.peek_messages()), WAIT_S, interval=0.2)
    [moved] = poison.peek_messages()
    assert base64.b64decode(moved.content) == b"fail"
    runs = [i for i in sample_host.invocations("on_message") if i["message_id"] == sent.id]
    assert [run["dequeue_count"] for run in runs] == ["1", "2", "3", "4", "5"]
    assert {run["outcome"] for run in runs} == {"failed"}
    assert not list(work.peek_messages())


def test_queue_message_is_decoded_and_output_binding_written(
    sample_host: DevhostProcess,
) -> None:
    work, done = _queue(sample_host, "e2e-work"), _queue(sample_host, "e2e-done")
    marker = str(uuid.uuid4())
    work.send_message(base64.b64encode(marker.encode()).decode())
    found = wait_for(lambda: [m for m in _messages(done) if m["body"] == marker], WAIT_S)
    assert found[0]["dequeue_count"] == 1


def test_message_that_is_not_base64_goes_straight_to_poison(
    sample_host: DevhostProcess,
) -> None:
    work, poison = _queue(sample_host, "e2e-work"), _queue(sample_host, "e2e-work-poison")
    poison.clear_messages()
    work.send_message("not base64 !!")
    wait_for(lambda: list(poison.peek_messages()), WAIT_S)
    assert [m.content for m in poison.peek_messages()] == ["not base64 !!"]


def test_timer_fires_through_the_admin_endpoint(sample_host: DevhostProcess) -> None:
    ticks = _queue(sample_host, "e2e-ticks")
    ticks.clear_messages()
    before = len(sample_host.invocations("tick"))
    response = sample_host.call(
        "POST", "/admin/functions/tick", body=b'{"input": ""}', headers=JSON
    )
    assert response.status == 202
    assert wait_for(lambda: _messages(ticks), WAIT_S) == [{"past_due": False}]
    # The queue output is written before the invocation's log line: wait for the line too.
    runs = wait_for(lambda: sample_host.invocations("tick")[before:], WAIT_S)
    assert [run["trigger"] for run in runs] == ["timerTrigger"]


def test_restart_does_not_process_blobs_again(
    sample_host: DevhostProcess, blobs: BlobServiceClient
) -> None:
    name = f"restart/{uuid.uuid4()}.txt"
    _upload(blobs, name, b"once")
    wait_for(lambda: _runs_for(sample_host, name), WAIT_S)
    sample_host.restart()
    _scanned_since(sample_host, blobs)  # the restarted host has listed `name` and passed it
    _scanned_since(sample_host, blobs)  # and a run it had started would have been logged
    assert len(_runs_for(sample_host, name)) == 1


def test_shutdown_finishes_in_flight_work_and_it_is_not_repeated(
    sample_host: DevhostProcess, blobs: BlobServiceClient
) -> None:
    name = f"slow/{uuid.uuid4()}.txt"
    _upload(blobs, name, b"slow")
    started = f"slow_blob_started name=e2e-uploads/{name}"
    wait_for(lambda: started in sample_host.log_text(), WAIT_S)
    assert sample_host.stop() == 0  # SIGINT while the 3 s invocation runs
    assert [run["outcome"] for run in _runs_for(sample_host, name)] == ["succeeded"]
    assert blobs.get_blob_client("e2e-results", name).exists()
    sample_host.start()
    _scanned_since(sample_host, blobs)
    _scanned_since(sample_host, blobs)
    assert len(_runs_for(sample_host, name)) == 1


def test_timer_missed_while_stopped_fires_past_due_on_start(
    sample_host: DevhostProcess, blobs: BlobServiceClient
) -> None:
    from datetime import UTC, datetime, timedelta

    from devhost.runtime import derive_host_id

    ticks = _queue(sample_host, "e2e-ticks")
    sample_host.stop()
    ticks.clear_messages()
    path = f"timers/{derive_host_id(sample_host.script_root, None)}/Host.Functions.tick/status"
    missed = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    status = {"Last": None, "Next": missed, "LastUpdated": missed}
    with contextlib.suppress(ResourceExistsError):
        blobs.create_container("azure-webjobs-hosts")
    blobs.get_blob_client("azure-webjobs-hosts", path).upload_blob(
        json.dumps(status).encode(), overwrite=True
    )
    sample_host.start()
    assert wait_for(lambda: _messages(ticks), WAIT_S) == [{"past_due": True}]
    status_blob = blobs.get_blob_client("azure-webjobs-hosts", path)

    def next_run() -> datetime:
        return datetime.fromisoformat(json.loads(status_blob.download_blob().readall())["Next"])

    wait_for(lambda: next_run() > datetime.now(UTC), WAIT_S)  # the schedule moved on


# --- source="EventGrid": the in-process event source, the webhook and the host blob queue -----
def _event_runs(host: DevhostProcess, blob: str) -> list[dict[str, str]]:
    return [i for i in host.invocations("on_event") if i.get("blob") == f"{SAMPLE_EVENTS}/{blob}"]


def test_event_grid_blob_trigger_runs_from_an_upload_through_the_host_queue(
    sample_host: DevhostProcess, blobs: BlobServiceClient
) -> None:
    name = f"nested/{uuid.uuid4()}.txt"
    blobs.get_blob_client(SAMPLE_EVENTS, name).upload_blob(b"event")
    result = blobs.get_blob_client("e2e-results", f"events/{name}")
    wait_for(result.exists, WAIT_S, interval=0.1)

    # The host serialises the extension's BlobProperties with Newtonsoft.Json: .NET names, and
    # Azure.ETag, a struct without public properties, as {} (devhost/triggerdata/blob.py).
    assert json.loads(result.download_blob().readall()) == {
        "name": f"{SAMPLE_EVENTS}/{name}",
        "size": 5,
        "etag": {},
        "length": 5,
    }
    # The output blob is written before the invocation's log line: wait for that line too.
    [run] = wait_for(lambda: _event_runs(sample_host, name), WAIT_S)
    assert (run["outcome"], run["attempt"]) == ("succeeded", "1")
    assert run["message_id"]  # it came off the host queue, not from a scan


def test_failing_event_grid_function_ends_in_the_poison_queue_after_the_threshold(
    sample_host: DevhostProcess, blobs: BlobServiceClient
) -> None:
    poison = _queue(sample_host, "webjobs-blobtrigger-poison")
    name = f"fail/{uuid.uuid4()}.txt"
    uploaded = blobs.get_blob_client(SAMPLE_EVENTS, name).upload_blob(b"x")

    [message] = wait_for(
        lambda: [m for m in _messages(poison) if m["BlobName"] == name], WAIT_S, interval=0.2
    )

    assert message == {
        "Type": "BlobTrigger",
        "FunctionId": "Host.Functions.on_event",
        "BlobType": "BlockBlob",
        "ContainerName": SAMPLE_EVENTS,
        "BlobName": name,
        "ETag": uploaded["etag"],
    }
    runs = _event_runs(sample_host, name)
    assert [(run["outcome"], run["attempt"]) for run in runs] == [
        ("failed", "1"),
        ("failed", "2"),
        ("failed", "3"),
        ("failed", "4"),
    ]
    assert len({run["message_id"] for run in runs}) == 1  # one message, dequeued four times
    host_queue = _queue(sample_host, _host_queue_name(sample_host))
    assert not [m for m in _messages(host_queue) if m["BlobName"] == name]


def _host_queue_name(host: DevhostProcess) -> str:
    from devhost.runtime import derive_host_id

    return f"azure-webjobs-blobtrigger-{derive_host_id(host.script_root, None)}"
