"""The thumbnail feature as a browser and an operator see it, for the e2e tests: ask the app
for an upload URL, PUT the bytes to storage with it, read the status; read the thumbnail
and the host's invocation log."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from PIL import Image

from tests.e2e.harness import request, wait_for

if TYPE_CHECKING:
    from azure.storage.blob import BlobServiceClient

    from tests.e2e.harness import DevhostProcess

JSON = {"Content-Type": "application/json"}
WAIT_S = 60  # a bound for giving up, not a speed: latency is measured in bench/


@dataclass(frozen=True)
class Uploaded:
    name: str
    etag: str  # as the PUT answered it, unquoted


def upload(host: DevhostProcess, name: str, data: bytes, content_type: str) -> Uploaded:
    """POST /api/images, then PUT to the returned URL with plain HTTP, as a browser would."""
    body = json.dumps({"name": name, "content_type": content_type}).encode()
    ticket = host.call("POST", "/api/images", body=body, headers=JSON)
    assert ticket.status == 200, ticket.body  # 200: nothing exists before the PUT
    assert ticket.json()["name"] == name
    put = request(
        "PUT",
        ticket.json()["upload_url"],
        body=data,
        headers={"x-ms-blob-type": "BlockBlob", "Content-Type": content_type},
    )
    assert put.status == 201, put.body
    return Uploaded(name, put.headers["ETag"].strip('"'))


def status_of(host: DevhostProcess, name: str) -> dict[str, Any]:
    response = host.call("GET", f"/api/images/{quote(name, safe='/')}")
    assert response.status == 200, (response.status, response.body)
    body: dict[str, Any] = response.json()
    return body


def recorded(status: dict[str, Any]) -> dict[str, Any]:
    """A status without its thumbnail's read URL, which is signed afresh on every read: what
    the app recorded, for comparing two reads."""
    thumbnail = {
        key: value
        for key, value in status.get("thumbnail", {}).items()
        if key not in ("url", "url_expires_at")
    }
    return status | ({"thumbnail": thumbnail} if thumbnail else {})


def settled(host: DevhostProcess, uploaded: Uploaded) -> dict[str, Any]:
    """The status once it leaves `pending` for this version (how soon: bench/, not here)."""

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


def runs_for(host: DevhostProcess, name: str) -> list[dict[str, str]]:
    """make_thumbnail's invocation lines for uploads/<name>."""
    return [
        run for run in host.invocations("make_thumbnail") if run.get("blob") == f"uploads/{name}"
    ]
