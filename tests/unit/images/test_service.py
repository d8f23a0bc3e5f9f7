"""The thumbnail use cases over an in-memory store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from shared.config import ThumbnailSettings
from shared.errors import InvalidInput, NotFound
from shared.images.service import Upload, create_upload, get_status, process_upload
from shared.images.status import ImageStatus, SourceVersion
from tests.support import BACK_OFFICE
from tests.unit.images import factories as f
from tests.unit.images.fakes import FakeImageStore

if TYPE_CHECKING:
    from shared.images.result import Thumbnail

T0 = datetime(2026, 1, 1, tzinfo=UTC)
V1 = SourceVersion("0x1", T0)
V2 = SourceVersion("0x2", T0 + timedelta(seconds=5))
PNG = f.encode(f.quadrants(), "PNG")
AB = SourceVersion("0xAB", T0)


async def deliver(
    store: FakeImageStore, data: bytes, version: SourceVersion | None
) -> ImageStatus | None:
    upload = Upload("a/b.png", lambda: data, version=version)
    return await process_upload(upload, store=store, settings=ThumbnailSettings())


async def test_ready_status_with_size_and_url() -> None:
    store = FakeImageStore(sources={"a/b.png": V1})

    status = await deliver(store, PNG, V1)

    assert status is not None
    assert (status.state, status.width, status.height) == ("ready", 200, 100)
    assert store.statuses["a/b.png"].thumbnail_url == "memory://thumbnails/a/b.png"


async def test_bad_bytes_are_a_recorded_failure_not_an_exception() -> None:
    store = FakeImageStore(sources={"a/b.png": V1})

    status = await deliver(store, b"garbage", V1)

    assert status is not None
    assert (status.state, status.reason) == ("failed", "not-an-image")
    assert not store.thumbnails


async def test_oversized_upload_fails_without_reading() -> None:
    store = FakeImageStore(sources={"a/b.png": V1})

    def never() -> bytes:
        raise AssertionError("read despite the size limit")

    upload = Upload("a/b.png", never, version=V1, length=10**9)
    status = await process_upload(upload, store=store, settings=ThumbnailSettings())

    assert status is not None
    assert status.reason == "too-large"


async def test_delivery_of_a_superseded_version_does_nothing() -> None:
    store = FakeImageStore(sources={"a/b.png": V2})

    assert await deliver(store, PNG, V1) is None
    assert not store.thumbnails
    assert not store.statuses


async def test_duplicate_delivery_writes_the_thumbnail_once() -> None:
    store = FakeImageStore(sources={"a/b.png": V1})

    await deliver(store, PNG, V1)
    await deliver(store, PNG, V1)

    assert store.writes == 1
    assert len(store.statuses) == 1


async def test_trigger_without_properties_uses_the_current_version() -> None:
    store = FakeImageStore(sources={"a/b.png": V2})

    status = await deliver(store, PNG, None)

    assert status is not None
    assert status.source == V2


async def status_of(store: FakeImageStore, name: str, **settings: Any) -> ImageStatus:
    return await get_status(
        name, store=store, settings=ThumbnailSettings(**settings), now=T0, caller=BACK_OFFICE
    )


async def test_status_is_pending_for_an_unprocessed_version_and_404_when_absent() -> None:
    store = FakeImageStore(sources={"a/b.png": V1})
    assert (await status_of(store, "a/b.png")).state == "pending"

    await deliver(store, PNG, V1)
    assert (await status_of(store, "a/b.png")).state == "ready"

    store.sources["a/b.png"] = V2
    assert (await status_of(store, "a/b.png")).state == "pending"
    with pytest.raises(NotFound):
        await status_of(store, "missing.png")


async def test_a_ready_status_carries_a_signed_thumbnail_url_that_expires() -> None:
    store = FakeImageStore(sources={"a/b.png": V1})
    await deliver(store, PNG, V1)

    status = await status_of(store, "a/b.png", url_ttl_seconds=90)

    assert status.thumbnail_url == "memory://thumbnails/a/b.png?sig"
    assert status.thumbnail_url_expires_at == T0 + timedelta(seconds=90)
    public = status.to_public()["thumbnail"]
    assert (public["url"], public["url_expires_at"]) == (
        status.thumbnail_url,
        "2026-01-01T00:01:30Z",
    )
    assert store.statuses["a/b.png"].thumbnail_url == "memory://thumbnails/a/b.png", "not stored"


async def test_only_a_ready_status_gets_a_thumbnail_url() -> None:
    store = FakeImageStore(sources={"a/b.png": V1})
    await deliver(store, b"not an image", V1)

    public = (await status_of(store, "a/b.png")).to_public()

    assert (public["status"], "thumbnail" in public) == ("failed", False)


async def test_the_pipeline_runs_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """While a (slow) thumbnail is made, the loop keeps serving other work: here the pipeline
    waits for a signal that only the loop can give, which would never come on the loop."""
    import asyncio
    import threading

    from shared.images import pipeline
    from shared.images.pipeline import create_thumbnail

    loop_signal = threading.Event()

    def slow_pipeline(data: bytes, settings: ThumbnailSettings) -> Thumbnail:
        assert loop_signal.wait(10), "the event loop was blocked while the pipeline ran"
        return create_thumbnail(data, settings)

    async def signal_from_the_loop() -> None:
        await asyncio.sleep(0)
        loop_signal.set()

    monkeypatch.setattr(pipeline, "create_thumbnail", slow_pipeline)
    store = FakeImageStore(sources={"a/b.png": V1})
    status, _ = await asyncio.gather(deliver(store, PNG, V1), signal_from_the_loop())
    assert status is not None and status.state == "ready"


@pytest.mark.parametrize(
    "payload",
    [
        {"name": "a/../b.png", "content_type": "image/png"},
        {"name": "tab\there.png", "content_type": "image/png"},
        {"name": "zero\u200bwidth.png", "content_type": "image/png"},
        {"name": "y" * 1025, "content_type": "image/png"},
        {"name": "dir/", "content_type": "image/png"},
        {"name": "/abs.png", "content_type": "image/png"},
        {"name": 5, "content_type": "image/png"},
        {"name": "ok.png", "content_type": "text/html"},
        "not an object",
    ],
)
async def test_create_upload_validates(payload: object) -> None:
    with pytest.raises(InvalidInput):
        await create_upload(payload, store=FakeImageStore(), now=T0, caller=BACK_OFFICE)


async def test_create_upload_accepts_nested_names() -> None:
    ticket = await create_upload(
        {"name": "x" * 1024, "content_type": "image/webp"},
        store=FakeImageStore(),
        now=T0,
        caller=BACK_OFFICE,
    )

    assert ticket.name == "x" * 1024


@pytest.mark.parametrize(
    ("properties", "expected"),
    [
        (
            {"ETag": '"0xAB"', "LastModified": "2026-01-01T00:00:00+00:00"},
            SourceVersion("0xAB", T0),
        ),
        (
            {"Etag": "0xAB", "LastModified": "Thu, 01 Jan 2026 00:00:00 GMT"},
            SourceVersion("0xAB", T0),
        ),
        ({"ETag": "0xAB"}, None),
        ({"ETag": "0xAB", "LastModified": "yesterday"}, None),
        (None, None),
    ],
)
def test_source_version_from_trigger_properties(
    properties: dict[str, str] | None, expected: SourceVersion | None
) -> None:
    assert SourceVersion.from_properties(properties) == expected
