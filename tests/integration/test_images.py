"""The registered thumbnail functions against a real Azurite."""

from __future__ import annotations

import asyncio
import io
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from azure.storage.blob.aio import BlobServiceClient
from PIL import Image

from devhost.azurite import free_port
from shared import bootstrap
from shared.api_docs import openapi_document
from shared.azurite import UPLOADS_ACCOUNT
from shared.bootstrap import IMAGE_STATUS_TABLE
from shared.errors import StorageUnavailable
from shared.images import signing
from shared.images.status import SourceVersion, status_keys
from shared.images.store import AzureImageStore
from tests.integration.uploads import http_status, make_thumbnail, upload
from tests.sas import NoNetworkCredential, azurite_delegation_key, delegation_key, query
from tests.support import (
    call_http,
    json_of,
    point_app_at,
    upload_blobs,
    uploads_table,
)
from tests.unit.images import factories as f

if TYPE_CHECKING:
    from devhost.azurite import Azurite


@pytest.fixture
async def storage(storage_env: Azurite) -> Azurite:
    if not await upload_blobs().get_container_client("uploads").exists():
        await upload_blobs().create_container("uploads")
    return storage_env


async def thumbnail(name: str) -> tuple[Any, bytes]:
    client = upload_blobs().get_blob_client("thumbnails", name)
    return await client.get_blob_properties(), await (await client.download_blob()).readall()


async def status(name: str) -> tuple[int, dict[str, Any]]:
    response = await call_http("get_image_status", "GET", route_params={"name": name})
    return response.status_code, json_of(response)


def fetch(url: str) -> tuple[int, str | None, bytes]:
    """GET `url` with no credential but its own, as a browser's <img> would (blocking)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return int(answer.status), answer.headers["Content-Type"], answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def cache_control(url: str) -> str | None:
    """The Cache-Control storage answers a GET of `url` with (blocking)."""
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.headers["Cache-Control"]


async def status_rows(name: str) -> list[Any]:
    partition, row = status_keys(name)
    query = "PartitionKey eq @partition and RowKey eq @row"
    rows = (await uploads_table(IMAGE_STATUS_TABLE)).query_entities(
        query, parameters={"partition": partition, "row": row}
    )
    return [entity async for entity in rows]


async def test_upload_becomes_thumbnail_with_metadata_and_ready_status(storage: Azurite) -> None:
    name = "album/2024/portrait #1.jpg"
    stream = await upload(name, f.oriented_jpeg(6))
    source_etag = stream.etag.strip('"')

    await make_thumbnail(stream)

    props, data = await thumbnail(name)
    assert props.content_settings.content_type == "image/jpeg"
    assert props.content_settings.cache_control == "private, no-cache"
    assert props.metadata["source_etag"] == source_etag
    assert (props.metadata["width"], props.metadata["height"]) == ("200", "100")
    assert Image.open(io.BytesIO(data)).size == (200, 100)
    code, body = await status(name)
    assert code == 200
    assert body["status"] == "ready"
    assert body["source_etag"] == source_etag
    assert body["thumbnail"]["width"] == 200
    assert body["thumbnail"]["content_type"] == "image/jpeg"
    url = urlsplit(body["thumbnail"]["url"])
    assert url.path.endswith("/thumbnails/album/2024/portrait%20%231.jpg")
    documented = openapi_document()["components"]["schemas"]["ImageStatus"]["properties"]
    assert set(body["thumbnail"]) == set(documented["thumbnail"]["required"])


async def test_the_ready_status_url_fetches_the_thumbnail_until_it_expires(
    storage: Azurite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No key, no header: the URL alone reads the thumbnail, with its media type, until
    `url_expires_at` (THUMBNAIL_URL_TTL_SECONDS, short here); then storage refuses it."""
    monkeypatch.setenv("THUMBNAIL_URL_TTL_SECONDS", "4")
    await bootstrap.reset()
    name = "shared/sunset #2.jpg"
    await make_thumbnail(await upload(name, f.oriented_jpeg(6)))

    asked = datetime.now(UTC)
    _, body = await status(name)

    url = body["thumbnail"]["url"]
    expires = datetime.fromisoformat(body["thumbnail"]["url_expires_at"])
    assert asked + timedelta(seconds=3) <= expires <= datetime.now(UTC) + timedelta(seconds=4)
    assert (query(url)["sp"], query(url)["sr"]) == ("r", "b")
    code, media_type, data = await asyncio.to_thread(fetch, url)
    assert (code, media_type) == (200, "image/jpeg")
    assert data == (await thumbnail(name))[1]
    assert Image.open(io.BytesIO(data)).size == (200, 100)
    # Served private (no shared cache keeps it), for no longer than the link lasts: the link's
    # own override, which storage honours, not the blob's stored `private, no-cache`.
    lifetime = (expires - asked).total_seconds()
    served = await asyncio.to_thread(cache_control, url)
    assert served is not None and served.startswith("private, max-age="), served
    assert 0 < int(served.rsplit("=", 1)[1]) <= lifetime
    write = urllib.request.Request(
        url, data=b"x", method="PUT", headers={"x-ms-blob-type": "BlockBlob"}
    )
    assert await asyncio.to_thread(http_status, write) == 403, "read only"

    await asyncio.sleep((expires - datetime.now(UTC)).total_seconds() + 1.5)
    assert (await asyncio.to_thread(fetch, url))[0] == 403


async def test_an_identity_signed_thumbnail_url_is_a_delegation_sas_azurite_accepts(
    storage: Azurite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No account key (identity-only settings): the store signs with a user delegation key.
    Azurite validates such a SAS against the key it would have issued (tests/sas.py); one
    signed with any other key, or moved to another blob, is refused."""
    name = "identity/beach.jpg"
    await make_thumbnail(await upload(name, f.oriented_jpeg(6)))
    # The SDK sends a token credential over HTTPS only, and the scheme is not signed: sign for
    # https, then GET over Azurite's plain HTTP.
    https = upload_blobs().url.replace("http://", "https://", 1)
    # A fake token credential, with only what signing uses (tests/sas.py).
    identity = BlobServiceClient(https, credential=NoNetworkCredential())  # type: ignore[arg-type]
    monkeypatch.setattr(identity, "get_user_delegation_key", azurite_delegation_key)
    now, ttl = datetime.now(UTC), timedelta(minutes=5)
    # Signed for HTTPS, the link is HTTPS-only (spr=https): Azurite refuses it over HTTP.
    images = AzureImageStore(identity, statuses=None)  # type: ignore[arg-type]
    https_only = await images.thumbnail_url(name, now=now, ttl=ttl)
    plain = https_only.url.replace("https://", "http://", 1)
    assert (await asyncio.to_thread(fetch, plain))[0] == 403
    # Azurite speaks HTTP only: sign as for an HTTP endpoint to check the signature itself.
    monkeypatch.setattr(signing, "sas_protocol", lambda endpoint: None)

    signed = await AzureImageStore(identity, statuses=None).thumbnail_url(name, now=now, ttl=ttl)  # type: ignore[arg-type]

    url = signed.url.replace("https://", "http://", 1)
    assert "skoid" in query(url) and "sig" in query(url)
    code, media_type, data = await asyncio.to_thread(fetch, url)
    assert (code, media_type, data) == (200, "image/jpeg", (await thumbnail(name))[1])

    async def unrelated_key(start: datetime, expiry: datetime, **_: Any) -> Any:
        return delegation_key(start, expiry)

    monkeypatch.setattr(identity, "get_user_delegation_key", unrelated_key)
    other = await AzureImageStore(identity, statuses=None).thumbnail_url(name, now=now, ttl=ttl)  # type: ignore[arg-type]
    moved = url.replace("/identity/beach.jpg", "/identity/other.jpg")
    for refused in (other.url.replace("https://", "http://", 1), moved):
        assert (await asyncio.to_thread(fetch, refused))[0] == 403, refused
    await identity.close()


async def test_bad_upload_is_recorded_as_failed_without_raising(storage: Azurite) -> None:
    name = "notes.jpg"

    await make_thumbnail(await upload(name, b"this is not a picture"))

    code, body = await status(name)
    assert (code, body["status"], body["reason"]) == (200, "failed", "not-an-image")
    assert not await upload_blobs().get_blob_client("thumbnails", name).exists()


async def test_duplicate_delivery_writes_once_and_keeps_one_status(storage: Azurite) -> None:
    name = "twice.png"
    stream = await upload(name, f.encode(f.quadrants(), "PNG"))
    await make_thumbnail(stream)
    first, _ = await thumbnail(name)

    await make_thumbnail(stream)

    second, _ = await thumbnail(name)
    assert second.etag == first.etag  # not rewritten
    assert len(await status_rows(name)) == 1
    assert (await status(name))[1]["status"] == "ready"


async def test_older_delivery_never_replaces_newer_thumbnail(storage: Azurite) -> None:
    name = "changing.png"
    old = await upload(name, f.encode(f.solid("RGB", (400, 400), (255, 0, 0)), "PNG"))
    new = await upload(name, f.encode(f.solid("RGB", (400, 400), (0, 0, 255)), "PNG"))
    await make_thumbnail(new)

    await make_thumbnail(old)  # a late or repeated delivery of the first version

    _, data = await thumbnail(name)
    assert Image.open(io.BytesIO(data)).convert("RGB").getpixel((5, 5)) == (0, 0, 255)
    assert (await status(name))[1]["source_etag"] == new.etag.strip('"')


async def test_store_refuses_older_source_version_even_when_racing(storage: Azurite) -> None:
    from datetime import timedelta

    from shared.config import ThumbnailSettings
    from shared.images.pipeline import create_thumbnail
    from shared.images.status import ImageStatus

    name = "race.png"
    stream = await upload(name, f.encode(f.quadrants(), "PNG"))
    await make_thumbnail(stream)
    store = await bootstrap.image_store()
    current = await store.source_version(name)
    assert current is not None
    older = SourceVersion("0xOLDER", current.last_modified - timedelta(seconds=10))
    thumb = create_thumbnail(f.encode(f.quadrants(), "PNG"), ThumbnailSettings())

    assert await store.save_thumbnail(name, thumb, older) is None
    assert await store.save_status(ImageStatus(name, "failed", older, reason="corrupt")) is False
    assert (await status(name))[1]["status"] == "ready"


async def test_transient_storage_failure_raises_then_a_retry_succeeds(
    storage: Azurite, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = "retry.jpg"
    stream = await upload(name, f.encode(f.quadrants(), "JPEG"))
    uploads = storage.connection_string_of(UPLOADS_ACCOUNT)
    dead = uploads.replace(str(storage.blob_port), str(free_port()))
    # blob retries are bounded in STORAGE_CLIENT_OPTIONS
    await point_app_at(monkeypatch, storage.connection_string, uploads=dead)

    with pytest.raises(StorageUnavailable):
        await make_thumbnail(stream)

    await point_app_at(monkeypatch, storage.connection_string, uploads=uploads)
    await make_thumbnail(stream)  # the host's retry
    assert (await status(name))[1]["status"] == "ready"


async def test_status_is_pending_until_processed_and_404_when_never_uploaded(
    storage: Azurite,
) -> None:
    uploaded = await upload("waiting.gif", f.encode(f.quadrants().convert("P"), "GIF"))

    assert await status("waiting.gif") == (
        200,
        {"name": "waiting.gif", "status": "pending", "source_etag": uploaded.etag.strip('"')},
    )
    assert (await status("never/uploaded.png"))[0] == 404


async def test_new_version_shows_pending_until_it_is_processed(storage: Azurite) -> None:
    name = "again.png"
    await make_thumbnail(await upload(name, f.encode(f.quadrants(), "PNG")))

    await upload(name, f.encode(f.quadrants((400, 400)), "PNG"))

    assert (await status(name))[1]["status"] == "pending"


async def test_post_returns_a_write_only_upload_url_that_works(storage: Azurite) -> None:
    response = await call_http(
        "create_image_upload", "POST", body={"name": "direct/cat.png", "content_type": "image/png"}
    )
    assert response.status_code == 200  # nothing is created before the PUT
    assert "Location" not in response.headers
    ticket = json_of(response)
    assert ticket["name"] == "direct/cat.png"
    assert ticket["expires_at"].endswith("Z")
    data = f.encode(f.quadrants(), "PNG")

    put = urllib.request.Request(
        ticket["upload_url"],
        data=data,
        method="PUT",
        headers={"x-ms-blob-type": "BlockBlob", "Content-Type": "image/png"},
    )
    assert await asyncio.to_thread(http_status, put) == 201  # a browser's PUT, off the loop
    assert await asyncio.to_thread(http_status, ticket["upload_url"]) == 403  # no reading
    assert await upload_blobs().get_blob_client("uploads", "direct/cat.png").exists()


@pytest.mark.parametrize(
    "body",
    [
        {"name": "../escape.png", "content_type": "image/png"},
        {"name": "bad\x07name.png", "content_type": "image/png"},
        {"name": "x" * 1025, "content_type": "image/png"},
        {"name": "", "content_type": "image/png"},
        {"name": "ok.tiff", "content_type": "image/tiff"},
        {"name": "ok.png"},
        ["not", "an", "object"],
    ],
)
async def test_post_rejects_bad_requests(storage: Azurite, body: object) -> None:
    response = await call_http("create_image_upload", "POST", body=body)

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
