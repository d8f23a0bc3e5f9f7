"""Thumbnails through devhost, as a browser uses them: ask the app for an upload URL over HTTP,
PUT the bytes straight to storage with that SAS URL, then poll the status endpoint. The blob
trigger, the status table and the thumbnail are the whole app's, against the real Azurite.

Names carry a per-run prefix: the session's Azurite is shared with other tests, and devhost
also processes whatever earlier tests left in `uploads`. How soon an upload is ready is
measured in bench/ and docs/reliability.md; here every wait is for the condition, with a
generous WAIT_S that only matters when something is broken.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob import BlobServiceClient
from azure.storage.queue import QueueClient
from PIL import Image

from tests.e2e.harness import request, wait_for
from tests.unit.images import factories as f

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.e2e.harness import DevhostProcess

JSON = {"Content-Type": "application/json"}
WAIT_S = 60
BOX = 200  # THUMBNAIL_SIZE is not set for the host: the default box
POISON_QUEUE = "webjobs-blobtrigger-poison"


@dataclass(frozen=True)
class Uploaded:
    name: str
    etag: str  # as the PUT answered it, unquoted


@pytest.fixture(scope="module")
def blobs(app_host: DevhostProcess) -> Iterator[BlobServiceClient]:
    with BlobServiceClient.from_connection_string(app_host.connection_string) as service:
        yield service


@pytest.fixture
def run_id() -> str:
    return f"e2e-{uuid.uuid4().hex[:8]}"


def upload(host: DevhostProcess, name: str, data: bytes, content_type: str) -> Uploaded:
    """POST /api/images, then PUT to the returned URL with plain HTTP, as a browser would."""
    body = json.dumps({"name": name, "content_type": content_type}).encode()
    ticket = host.call("POST", "/api/images", body=body, headers=JSON)
    assert ticket.status == 200, ticket.body
    assert ticket.json()["name"] == name
    put = request(
        "PUT", ticket.json()["upload_url"], body=data,
        headers={"x-ms-blob-type": "BlockBlob", "Content-Type": content_type},
    )  # fmt: skip
    assert put.status == 201, put.body
    return Uploaded(name, put.headers["ETag"].strip('"'))


def status_of(host: DevhostProcess, name: str) -> dict[str, Any]:
    response = host.call("GET", f"/api/images/{quote(name, safe='/')}")
    assert response.status == 200, (response.status, response.body)
    body: dict[str, Any] = response.json()
    return body


def settled(host: DevhostProcess, uploaded: Uploaded) -> dict[str, Any]:
    """The status once it leaves `pending`."""

    def done() -> dict[str, Any] | None:
        body = status_of(host, uploaded.name)
        return None if body["status"] == "pending" else body

    body: dict[str, Any] = wait_for(done, WAIT_S, interval=0.1)
    assert body["source_etag"] == uploaded.etag
    return body


def thumbnail(blobs: BlobServiceClient, name: str) -> tuple[Any, Image.Image, bytes]:
    client = blobs.get_blob_client("thumbnails", name)
    data = client.download_blob().readall()
    image = Image.open(io.BytesIO(data))
    image.load()
    return client.get_blob_properties(), image, data


def assert_thumbnail_matches(
    blobs: BlobServiceClient, uploaded: Uploaded, status: dict[str, Any], content_type: str
) -> Image.Image:
    props, image, data = thumbnail(blobs, uploaded.name)
    assert max(image.size) <= BOX
    assert image.size == (status["thumbnail"]["width"], status["thumbnail"]["height"])
    assert props.content_settings.content_type == content_type
    assert status["thumbnail"]["content_type"] == content_type
    assert props.content_settings.cache_control == "public, max-age=3600"
    assert props.metadata["source_etag"] == uploaded.etag
    assert (props.metadata["width"], props.metadata["height"]) == tuple(map(str, image.size))
    assert status["thumbnail"]["url"].endswith(f"/thumbnails/{quote(uploaded.name, safe='/')}")
    assert b"Exif" not in data
    return image


def test_jpeg_uploaded_with_the_sas_url_becomes_an_upright_thumbnail(
    app_host: DevhostProcess, blobs: BlobServiceClient, run_id: str
) -> None:
    # Upright 2000x3000, stored sideways as 3000x2000 pixels with EXIF orientation 6.
    uploaded = upload(app_host, f"{run_id}/photo.jpg", f.oriented_jpeg(6, (2000, 3000)),
                      "image/jpeg")  # fmt: skip

    status = settled(app_host, uploaded)

    assert status["status"] == "ready", status
    image = assert_thumbnail_matches(blobs, uploaded, status, "image/jpeg")
    assert image.format == "JPEG"
    assert image.size == (133, 200)
    top_left, bottom_right = image.getpixel((10, 10)), image.getpixel((120, 190))
    assert _near(top_left, f.QUADRANTS[0]) and _near(bottom_right, f.QUADRANTS[3])


def test_png_with_a_nested_name_keeps_its_transparency(
    app_host: DevhostProcess, blobs: BlobServiceClient, run_id: str
) -> None:
    name = f"{run_id}/a/b/c.png"
    uploaded = upload(app_host, name, f.encode(f.half_transparent_rgba((1200, 800)), "PNG"),
                      "image/png")  # fmt: skip

    status = settled(app_host, uploaded)

    assert status["status"] == "ready", status
    assert status["name"] == name
    image = assert_thumbnail_matches(blobs, uploaded, status, "image/png")
    assert (image.format, image.mode, image.size) == ("PNG", "RGBA", (200, 133))
    assert image.getchannel("A").getpixel((20, 60)) == 255
    assert image.getchannel("A").getpixel((180, 60)) == 0


def test_garbage_named_jpg_is_failed_once_and_never_poisoned(
    app_host: DevhostProcess, blobs: BlobServiceClient, run_id: str
) -> None:
    uploaded = upload(app_host, f"{run_id}/garbage.jpg", b"\x00garbage, not a JPEG" * 64,
                      "image/jpeg")  # fmt: skip

    status = settled(app_host, uploaded)

    assert (status["status"], status["reason"]) == ("failed", "not-an-image")
    assert not blobs.get_blob_client("thumbnails", uploaded.name).exists()
    # One successful delivery means the host wrote its receipt: it will not retry this
    # version, so no poison message can follow later. Check both, and the queue itself.
    runs = wait_for(lambda: _runs_for(app_host, uploaded.name), WAIT_S, interval=0.1)
    assert [(run["outcome"], run["attempt"]) for run in runs] == [("succeeded", "1")]
    assert uploaded.name not in _poisoned_blob_names(app_host)


def test_truncated_jpeg_is_failed_as_corrupt(app_host: DevhostProcess, run_id: str) -> None:
    data = f.oriented_jpeg(1, (1200, 800))
    uploaded = upload(app_host, f"{run_id}/cut.jpg", data[: len(data) // 3], "image/jpeg")

    status = settled(app_host, uploaded)

    assert (status["status"], status["reason"]) == ("failed", "corrupt")
    assert uploaded.name not in _poisoned_blob_names(app_host)


def test_status_is_404_before_any_upload_and_bad_names_are_refused(
    app_host: DevhostProcess, run_id: str
) -> None:
    assert app_host.call("GET", f"/api/images/{run_id}/never.png").status == 404
    body = json.dumps({"name": "../escape.png", "content_type": "image/png"}).encode()
    refused = app_host.call("POST", "/api/images", body=body, headers=JSON)
    assert refused.status == 422
    assert refused.headers["Content-Type"].startswith("application/problem+json")


def _runs_for(host: DevhostProcess, name: str) -> list[dict[str, str]]:
    return [
        run for run in host.invocations("make_thumbnail") if run.get("blob") == f"uploads/{name}"
    ]


def _poisoned_blob_names(host: DevhostProcess) -> set[str]:
    """BlobName of every message in the blob trigger's poison queue (none if it is absent)."""
    queue = QueueClient.from_connection_string(host.connection_string, POISON_QUEUE)
    with contextlib.suppress(ResourceNotFoundError):
        messages = list(queue.peek_messages(max_messages=32))
        return {json.loads(base64.b64decode(m.content))["BlobName"] for m in messages}
    return set()


def _near(actual: Any, expected: tuple[int, int, int], tolerance: int = 12) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))
