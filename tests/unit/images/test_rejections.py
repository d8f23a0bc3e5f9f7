"""Refused uploads, from the rejection queue's events, over an in-memory store: recorded
`failed` with their reason and deleted, without their bytes ever being read (the fake store
has no bytes to read: only properties)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from shared.config import ThumbnailSettings
from shared.images.rejections import BlobCreated, UnreadableEvent, reject_upload
from shared.images.status import SourceVersion
from tests.unit.images.fakes import FakeImageStore

T0 = datetime(2026, 1, 1, tzinfo=UTC)
V1 = SourceVersion("0x1", T0)
V2 = SourceVersion("0x2", T0 + timedelta(seconds=5))
LIMIT = ThumbnailSettings(max_bytes=1000)


def event(
    name: str = "c/a b.png", *, etag: str = "0x1", length: int = 5000, api: str = "PutBlob"
) -> bytes:
    """A BlobCreated event as Event Grid writes it to a storage queue (Event Grid schema)."""
    return json.dumps(
        {
            "topic": "/subscriptions/x/resourceGroups/y/providers/Microsoft.Storage/x",
            "subject": f"/blobServices/default/containers/uploads/blobs/{name}",
            "eventType": "Microsoft.Storage.BlobCreated",
            "data": {"api": api, "eTag": etag, "contentLength": length, "blobType": "BlockBlob"},
        }
    ).encode()


async def reject(store: FakeImageStore, body: bytes) -> object:
    return await reject_upload(body, "uploads", store=store, settings=LIMIT)


async def test_an_oversized_upload_is_recorded_too_large_and_deleted() -> None:
    store = FakeImageStore(sources={"c/a b.png": V1})

    status = await reject(store, event(length=1001))

    assert store.statuses["c/a b.png"].state == "failed"
    assert store.statuses["c/a b.png"].reason == "too-large"
    assert store.statuses["c/a b.png"].source == V1
    assert status == store.statuses["c/a b.png"]
    assert store.deleted == ["c/a b.png"]


@pytest.mark.parametrize("api", ["CopyBlob", "PutBlobFromUrl", ""])
async def test_a_blob_not_made_by_an_upload_is_refused_whatever_its_size(api: str) -> None:
    store = FakeImageStore(sources={"c/a b.png": V1})

    await reject(store, event(length=10, api=api))

    assert store.statuses["c/a b.png"].reason == "upload-method-not-allowed"
    assert store.deleted == ["c/a b.png"]


async def test_an_event_within_the_limits_still_follows_the_filter() -> None:
    """The subscription's bound was lower than the setting: the event is here, so it is refused."""
    store = FakeImageStore(sources={"c/a b.png": V1})

    await reject(store, event(length=999, api="PutBlockList"))

    assert store.statuses["c/a b.png"].reason == "too-large"


async def test_a_newer_upload_under_the_name_is_neither_recorded_nor_deleted() -> None:
    store = FakeImageStore(sources={"c/a b.png": V2})

    assert await reject(store, event(etag="0x1")) is None
    assert not store.statuses
    assert not store.deleted


async def test_a_repeated_event_after_the_delete_does_nothing() -> None:
    store = FakeImageStore(sources={"c/a b.png": V1})
    await reject(store, event())
    recorded = dict(store.statuses)

    assert await reject(store, event()) is None
    assert store.statuses == recorded
    assert store.deleted == ["c/a b.png"]


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"subject": "/blobServices/default/containers/uploads/blobs/x"}',
        event().replace(b"containers/uploads/", b"containers/thumbnails/"),
        event(name=""),
        event().replace(b'"contentLength": 5000', b'"contentLength": "5000"'),
        event().replace(b'"contentLength": 5000', b'"contentLength": true'),
    ],
)
async def test_an_unreadable_message_is_dropped_without_touching_storage(body: bytes) -> None:
    store = FakeImageStore(sources={"x": V1, "c/a b.png": V1})

    assert await reject(store, body) is None
    assert not store.statuses
    assert not store.deleted


def test_the_event_names_the_blob_by_its_subject() -> None:
    parsed = BlobCreated.from_json(event(name="a/b/c.jpg", etag='"0x9"'), "uploads")

    assert parsed == BlobCreated("a/b/c.jpg", "0x9", 5000, "PutBlob")
    with pytest.raises(UnreadableEvent):
        BlobCreated.from_json(event(), "elsewhere")
