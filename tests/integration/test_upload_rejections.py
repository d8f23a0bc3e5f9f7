"""The registered `reject_upload` function against a real Azurite: an event of the rejection
queue makes the upload `failed` with its reason and deletes it, reading its properties only;
a newer upload under the same name is never deleted."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import azure.functions as func
import pytest

from shared import bootstrap
from shared.api_docs import openapi_document
from tests.support import call_http, invoke, json_of, upload_blobs

if TYPE_CHECKING:
    from devhost.azurite import Azurite


@pytest.fixture
async def uploads(storage_env: Azurite) -> Azurite:
    container = upload_blobs().get_container_client("uploads")
    if not await container.exists():
        await container.create_container()
    return storage_env


async def put(name: str, data: bytes) -> str:
    client = upload_blobs().get_blob_client("uploads", name)
    answer = await client.upload_blob(data, overwrite=True)
    return str(answer["etag"]).strip('"')


def blob_created(name: str, etag: str, length: int, api: str = "PutBlob") -> func.QueueMessage:
    """The queue message Event Grid writes for a BlobCreated event (its body, decoded)."""
    event = {
        "subject": f"/blobServices/default/containers/uploads/blobs/{name}",
        "eventType": "Microsoft.Storage.BlobCreated",
        "data": {"api": api, "eTag": etag, "contentLength": length, "blobType": "BlockBlob"},
    }
    return func.QueueMessage(id="m-1", body=json.dumps(event).encode())


async def status(name: str) -> tuple[int, dict[str, Any]]:
    response = await call_http("get_image_status", "GET", route_params={"name": name})
    return response.status_code, json_of(response)


async def test_an_oversized_upload_ends_failed_and_is_deleted(
    uploads: Azurite, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THUMBNAIL_MAX_BYTES", "100")
    await bootstrap.reset()
    etag = await put("big/one.png", b"x" * 101)

    await invoke("reject_upload", blob_created("big/one.png", etag, 101))

    assert await status("big/one.png") == (
        200,
        {"name": "big/one.png", "status": "failed", "reason": "too-large", "source_etag": etag},
    )
    assert not await upload_blobs().get_blob_client("uploads", "big/one.png").exists()
    documented = openapi_document()["components"]["schemas"]["ImageStatus"]["properties"]
    assert {"too-large", "upload-method-not-allowed"} <= set(documented["reason"]["enum"])


async def test_a_copied_blob_ends_failed_whatever_its_size(uploads: Azurite) -> None:
    etag = await put("copied.png", b"small")

    await invoke("reject_upload", blob_created("copied.png", etag, 5, api="CopyBlob"))

    assert (await status("copied.png"))[1]["reason"] == "upload-method-not-allowed"


async def test_a_newer_upload_under_the_name_is_left_alone(uploads: Azurite) -> None:
    old = await put("again.png", b"x" * 10)
    await put("again.png", b"y" * 10)  # replaced before the rejection ran

    await invoke("reject_upload", blob_created("again.png", old, 10, api="CopyBlob"))

    assert (await status("again.png"))[1]["status"] == "pending"
    store = await bootstrap.image_store()
    await store.delete_upload("again.png", old)  # If-Match: never the newer version
    assert await upload_blobs().get_blob_client("uploads", "again.png").exists()
