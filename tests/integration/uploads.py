"""Blob-trigger deliveries for the integration tests: a version of uploads/<name> as written,
and the registered make_thumbnail run on it the way the host hands a blob over."""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass

import azure.functions as func

from tests.support import invoke, upload_blobs


@dataclass(frozen=True)
class Delivery:
    """One version of uploads/<name>, deliverable to the blob trigger as often as needed."""

    name: str
    data: bytes
    etag: str
    last_modified: str
    uri: str

    def stream(self) -> func.InputStream:
        """A fresh InputStream, as the host builds one per delivery."""
        return func.blob.InputStream(
            data=self.data,
            name=f"uploads/{self.name}",
            uri=self.uri,
            length=len(self.data),
            blob_properties={"ETag": self.etag, "LastModified": self.last_modified},
        )


async def upload(name: str, data: bytes) -> Delivery:
    """Write uploads/<name>; the returned delivery carries the version the upload answered
    with, which is the one the host would see."""
    client = upload_blobs().get_blob_client("uploads", name)
    written = await client.upload_blob(data, overwrite=True)
    return Delivery(name, data, written["etag"], written["last_modified"].isoformat(), client.url)


async def make_thumbnail(delivery: Delivery) -> None:
    await invoke("make_thumbnail", delivery.stream())


async def stored(name: str) -> Delivery:
    """The version of uploads/<name> in storage now, however it was written (a browser's PUT
    to a SAS URL, say), as the host would deliver it."""
    client = upload_blobs().get_blob_client("uploads", name)
    props = await client.get_blob_properties()
    data = await (await client.download_blob()).readall()
    return Delivery(name, data, props.etag, props.last_modified.isoformat(), client.url)


def http_status(request: urllib.request.Request | str) -> int:
    """The status of one plain HTTP call (urllib raises for error statuses)."""
    try:
        with urllib.request.urlopen(request) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return error.code
