"""Thumbnails through devhost, as a browser uses them: ask the app for an upload URL over HTTP,
PUT the bytes straight to storage with that SAS URL, then poll the status endpoint. The blob
trigger, the status table and the thumbnail are the whole app's, against the real Azurite.

Names carry a per-run prefix: the session's Azurite is shared with other tests, and devhost
also processes whatever earlier tests left in `uploads`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from azure.storage.blob import BlobServiceClient

from tests.e2e.harness import request, wait_for
from tests.e2e.images_client import (
    JSON,
    WAIT_S,
    Uploaded,
    runs_for,
    settled,
    thumbnail,
    upload,
)
from tests.unit.images import factories as f

if TYPE_CHECKING:
    from PIL import Image

    from tests.e2e.harness import DevhostProcess

BOX = 200  # THUMBNAIL_SIZE is not set for the host: the default box


def assert_thumbnail_matches(
    app_blobs: BlobServiceClient, uploaded: Uploaded, status: dict[str, Any], content_type: str
) -> Image.Image:
    props, image, data = thumbnail(app_blobs, uploaded.name)
    assert max(image.size) <= BOX
    assert image.size == (status["thumbnail"]["width"], status["thumbnail"]["height"])
    assert props.content_settings.content_type == content_type
    assert status["thumbnail"]["content_type"] == content_type
    assert props.content_settings.cache_control == "private, no-cache"
    assert props.metadata["source_etag"] == uploaded.etag
    assert (props.metadata["width"], props.metadata["height"]) == tuple(map(str, image.size))
    url = status["thumbnail"]["url"]
    assert urlsplit(url).path.endswith(f"/thumbnails/{quote(uploaded.name, safe='/')}")
    fetched = request("GET", url)  # the status's read URL, with no other credential
    assert (fetched.status, fetched.headers["Content-Type"]) == (200, content_type)
    assert fetched.headers["Cache-Control"].startswith("private, max-age="), fetched.headers
    assert fetched.body == data
    assert b"Exif" not in data
    return image


def test_jpeg_uploaded_with_the_sas_url_becomes_an_upright_thumbnail(
    app_host: DevhostProcess, app_blobs: BlobServiceClient, run_id: str
) -> None:
    # Upright 2000x3000, stored sideways as 3000x2000 pixels with EXIF orientation 6.
    uploaded = upload(
        app_host, f"{run_id}/photo.jpg", f.oriented_jpeg(6, (2000, 3000)), "image/jpeg"
    )

    status = settled(app_host, uploaded)

    assert status["status"] == "ready", status
    image = assert_thumbnail_matches(app_blobs, uploaded, status, "image/jpeg")
    assert image.format == "JPEG"
    assert image.size == (133, 200)
    top_left, bottom_right = image.getpixel((10, 10)), image.getpixel((120, 190))
    assert _near(top_left, f.QUADRANTS[0]) and _near(bottom_right, f.QUADRANTS[3])


def test_png_with_a_nested_name_keeps_its_transparency(
    app_host: DevhostProcess, app_blobs: BlobServiceClient, run_id: str
) -> None:
    name = f"{run_id}/a/b/c.png"
    uploaded = upload(
        app_host, name, f.encode(f.half_transparent_rgba((1200, 800)), "PNG"), "image/png"
    )

    status = settled(app_host, uploaded)

    assert status["status"] == "ready", status
    assert status["name"] == name
    image = assert_thumbnail_matches(app_blobs, uploaded, status, "image/png")
    assert (image.format, image.mode, image.size) == ("PNG", "RGBA", (200, 133))
    assert image.getchannel("A").getpixel((20, 60)) == 255
    assert image.getchannel("A").getpixel((180, 60)) == 0


def test_garbage_named_jpg_is_failed_once_and_never_poisoned(
    app_host: DevhostProcess, app_blobs: BlobServiceClient, run_id: str
) -> None:
    uploaded = upload(
        app_host, f"{run_id}/garbage.jpg", b"\x00garbage, not a JPEG" * 64, "image/jpeg"
    )

    status = settled(app_host, uploaded)

    assert (status["status"], status["reason"]) == ("failed", "not-an-image")
    assert not app_blobs.get_blob_client("thumbnails", uploaded.name).exists()
    assert_ran_once_and_succeeded(app_host, uploaded)


def assert_ran_once_and_succeeded(host: DevhostProcess, uploaded: Uploaded) -> None:
    """The trigger's one run returned normally, so the host completed its queue message: no
    retry, and so no poison message, can follow. (The poison queue itself, read as soon as
    the status settles, would be empty either way: a message lands there only after every
    retry has failed.)"""
    runs = wait_for(lambda: runs_for(host, uploaded.name), WAIT_S, interval=0.1)
    assert [(run["outcome"], run["attempt"]) for run in runs] == [("succeeded", "1")]


def test_truncated_jpeg_is_failed_as_corrupt_once_and_never_poisoned(
    app_host: DevhostProcess, run_id: str
) -> None:
    data = f.oriented_jpeg(1, (1200, 800))
    uploaded = upload(app_host, f"{run_id}/cut.jpg", data[: len(data) // 3], "image/jpeg")

    status = settled(app_host, uploaded)

    assert (status["status"], status["reason"]) == ("failed", "corrupt")
    assert_ran_once_and_succeeded(app_host, uploaded)


def test_status_is_404_before_any_upload_and_bad_names_are_refused(
    app_host: DevhostProcess, run_id: str
) -> None:
    assert app_host.call("GET", f"/api/images/{run_id}/never.png").status == 404
    body = json.dumps({"name": "../escape.png", "content_type": "image/png"}).encode()
    refused = app_host.call("POST", "/api/images", body=body, headers=JSON)
    assert refused.status == 422
    assert refused.headers["Content-Type"].startswith("application/problem+json")


def _near(actual: Any, expected: tuple[int, int, int], tolerance: int = 12) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))
