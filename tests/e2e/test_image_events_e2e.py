"""make_thumbnail on the Event Grid source, through devhost over real HTTP with real Azurite.

Uploads reach the function with no hand-posted event (devhost's in-process event source posts
them to the blobs webhook); events posted by hand here play Event Grid's part where a test
needs a duplicate, late, reordered or dangling delivery. Event Grid delivers at least once
and in no order, and the host writes no blob receipts on this path, so the app itself must
make repeats harmless.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any

from azure.storage.blob import BlobServiceClient, ContentSettings

from tests.e2e.harness import wait_for
from tests.e2e.images_client import (
    WAIT_S,
    recorded,
    runs_for,
    settled,
    status_of,
    thumbnail,
    upload,
)
from tests.unit.images import factories as f

if TYPE_CHECKING:
    from tests.e2e.harness import DevhostProcess, Response

WEBHOOK = "/runtime/webhooks/blobs?functionName=Host.Functions.make_thumbnail"


def blob_created(blobs: BlobServiceClient, name: str, etag: str) -> dict[str, Any]:
    """A BlobCreated event as Event Grid delivers it (Event Grid schema), written by hand."""
    url = blobs.get_blob_client("uploads", name).url
    return {
        "topic": "/subscriptions/0/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/a",
        "subject": f"/blobServices/default/containers/uploads/blobs/{name}",
        "eventType": "Microsoft.Storage.BlobCreated",
        "eventTime": "2024-05-01T12:00:00Z",
        "id": str(uuid.uuid4()),
        "dataVersion": "",
        "metadataVersion": "1",
        "data": {
            "api": "PutBlob",
            "eTag": etag,
            "contentType": "image/jpeg",
            "contentLength": 1,
            "blobType": "BlockBlob",
            "url": url,
        },
    }


def post(host: DevhostProcess, kind: str, body: object) -> Response:
    return host.call(
        "POST",
        WEBHOOK,
        body=json.dumps(body).encode(),
        headers={"aeg-event-type": kind, "Content-Type": "application/json"},
    )


def runs_settled(host: DevhostProcess, name: str, count: int) -> list[dict[str, str]]:
    return wait_for(lambda: len(runs_for(host, name)) >= count and runs_for(host, name), WAIT_S)


def test_a_sas_upload_becomes_ready_through_the_event_path_alone(
    app_host: DevhostProcess, run_id: str
) -> None:
    uploaded = upload(app_host, f"{run_id}/photo.jpg", f.oriented_jpeg(1, (900, 600)), "image/jpeg")

    assert settled(app_host, uploaded)["status"] == "ready"
    [run] = runs_for(app_host, uploaded.name)
    assert (run["outcome"], run["attempt"]) == ("succeeded", "1")
    assert run["message_id"]  # taken off the host blob trigger queue, fed by the webhook


def test_the_webhook_answers_the_handshake_and_dispatches_on_the_event_type(
    app_host: DevhostProcess,
) -> None:
    validation = post(
        app_host,
        "SubscriptionValidation",
        [
            {
                "id": "1",
                "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
                "data": {"validationCode": "0c0d3-e2e", "validationUrl": "https://example.invalid"},
            }
        ],
    )
    assert validation.status == 200
    assert validation.headers["Content-Type"].startswith("application/json")
    assert validation.json() == {"validationResponse": "0c0d3-e2e"}

    cloud = post(
        app_host,
        "SubscriptionValidation",
        {
            "specversion": "1.0",
            "id": "2",
            "type": "Microsoft.EventGrid.SubscriptionValidationEvent",
            "data": json.dumps({"validationCode": "cloud-code"}),
        },
    )
    assert cloud.json() == {"validationResponse": "cloud-code"}
    assert post(app_host, "Unsubscribe", []).status == 202
    assert post(app_host, "SomethingElse", []).status == 400
    assert post(app_host, "Notification", {"no": "data"}).status == 400
    json_type = {"Content-Type": "application/json"}
    assert (
        app_host.call("POST", "/runtime/webhooks/nosuch", body=b"[]", headers=json_type).status
        == 404
    )


def test_duplicate_notifications_give_one_thumbnail_and_one_final_status(
    app_host: DevhostProcess, app_blobs: BlobServiceClient, run_id: str
) -> None:
    uploaded = upload(app_host, f"{run_id}/dup.jpg", f.oriented_jpeg(1, (1200, 800)), "image/jpeg")
    final = settled(app_host, uploaded)
    first_thumbnail, _, _ = thumbnail(app_blobs, uploaded.name)
    event = blob_created(app_blobs, uploaded.name, uploaded.etag)

    # Event Grid repeating itself: the same event three times at once, then twice in one POST.
    threads = [
        threading.Thread(target=post, args=(app_host, "Notification", [event])) for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert post(app_host, "Notification", [event, event]).status == 202
    runs = runs_settled(app_host, uploaded.name, 6)

    assert [run["outcome"] for run in runs] == ["succeeded"] * 6
    again, _, _ = thumbnail(app_blobs, uploaded.name)
    assert again.etag == first_thumbnail.etag  # written once, never rewritten
    assert recorded(status_of(app_host, uploaded.name)) == recorded(final)


def test_late_and_reordered_events_never_bring_back_an_older_version(
    app_host: DevhostProcess, app_blobs: BlobServiceClient, run_id: str
) -> None:
    name = f"{run_id}/versions.jpg"
    first = upload(app_host, name, f.oriented_jpeg(1, (1200, 600)), "image/jpeg")
    settled(app_host, first)
    second = upload(app_host, name, f.oriented_jpeg(1, (600, 1200)), "image/jpeg")
    final = settled(app_host, second)
    assert (final["thumbnail"]["width"], final["thumbnail"]["height"]) == (100, 200)
    runs_settled(app_host, name, 2)  # one run per upload, from the source's own events

    newer, older = (blob_created(app_blobs, name, v.etag) for v in (second, first))
    # The newer event first, then the older one, then the older one again much later.
    assert post(app_host, "Notification", [newer]).status == 202
    assert post(app_host, "Notification", [older]).status == 202
    time.sleep(0.5)
    assert post(app_host, "Notification", [older]).status == 202
    runs_settled(app_host, name, 2 + 3)

    assert recorded(status_of(app_host, name)) == recorded(final)
    props, image, _ = thumbnail(app_blobs, name)
    assert props.metadata["source_etag"] == second.etag
    assert image.size == (100, 200)


def test_an_event_for_a_missing_blob_is_skipped_and_the_host_stays_healthy(
    app_host: DevhostProcess, app_blobs: BlobServiceClient, run_id: str
) -> None:
    missing = f"{run_id}/never-uploaded.jpg"

    assert post(app_host, "Notification", [blob_created(app_blobs, missing, "0x1")]).status == 202

    wait_for(
        lambda: (
            f"blob_trigger_blob_not_found function=make_thumbnail blob=uploads/"
            f"{missing}" in app_host.log_text()
        ),
        WAIT_S,
    )
    assert runs_for(app_host, missing) == []
    assert app_host.call("GET", f"/api/images/{missing}").status == 404
    assert app_host.call("GET", "/api/health").status == 200
    later = upload(
        app_host,
        f"{run_id}/after.png",
        f.encode(f.half_transparent_rgba((300, 200)), "PNG"),
        "image/png",
    )
    assert settled(app_host, later)["status"] == "ready"


def test_a_blob_uploaded_while_devhost_was_stopped_is_processed_after_it_starts(
    app_host: DevhostProcess, app_blobs: BlobServiceClient, run_id: str
) -> None:
    before = upload(app_host, f"{run_id}/before.jpg", f.oriented_jpeg(1, (640, 480)), "image/jpeg")
    settled(app_host, before)  # the source has delivered, and saved its checkpoint, since
    name = f"{run_id}/while-stopped.jpg"

    app_host.stop()
    app_blobs.get_blob_client("uploads", name).upload_blob(
        f.oriented_jpeg(1, (640, 480)), content_settings=ContentSettings("image/jpeg")
    )
    app_host.start()

    status = wait_for(
        lambda: status_of(app_host, name)["status"] != "pending" and status_of(app_host, name),
        WAIT_S,
    )
    assert status["status"] == "ready"
    # How soon is measured in bench/, not asserted; the log line follows the status row.
    runs = wait_for(lambda: runs_for(app_host, name), WAIT_S)
    assert [run["outcome"] for run in runs] == ["succeeded"]
