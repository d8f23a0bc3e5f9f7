"""Each upload handled is one `make thumbnail` span with the blob name (as its pseudonym) and
the outcome, and is counted with its duration."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from opentelemetry import trace

from shared.config import ThumbnailSettings
from shared.images import service
from shared.images.service import Upload, process_upload
from shared.images.status import SourceVersion
from shared.telemetry.pseudonyms import blob_name
from tests.otel import attributes_of, counter_points
from tests.unit.images import factories as f
from tests.unit.images.fakes import FakeImageStore

if TYPE_CHECKING:
    from tests.otel import Sdk

T0 = datetime(2026, 1, 1, tzinfo=UTC)
V1 = SourceVersion("0x1", T0)
PNG = f.encode(f.quadrants(), "PNG")


async def _deliver(data: bytes, version: SourceVersion | None = V1) -> None:
    store = FakeImageStore(sources={"a/b.png": V1})
    upload = Upload("a/b.png", lambda: data, version=version)
    await process_upload(upload, store=store, settings=ThumbnailSettings())


def _span(otel: Sdk) -> dict[str, object]:
    (span,) = [s for s in otel.finished() if s.name == service.SPAN_NAME]
    return dict(span.attributes or {})


def _count(otel: Sdk, **attributes: str) -> float:
    metric = otel.metric("thumbnails.processed")
    points = counter_points(metric) if metric else []
    return sum(p.value for p in points if attributes_of(p) == attributes)


@pytest.mark.parametrize(
    ("data", "version", "outcome", "reason"),
    [
        (PNG, V1, "ready", None),
        (b"garbage", V1, "failed", "not-an-image"),
        (PNG, SourceVersion("0x0", T0), "skipped", None),  # superseded by 0x1
    ],
)
async def test_the_outcome_is_on_the_span_and_in_the_counters(
    otel: Sdk, data: bytes, version: SourceVersion, outcome: str, reason: str | None
) -> None:
    labels = {"outcome": outcome} | ({"reason": reason} if reason else {})
    before = _count(otel, **labels)
    await _deliver(data, version)
    expected = {"blob.name": blob_name("a/b.png"), "thumbnail.outcome": outcome}
    assert _span(otel) == expected | ({"thumbnail.reason": reason} if reason else {})
    assert _count(otel, **labels) == before + 1
    duration = otel.metric("thumbnails.duration")
    assert duration is not None and duration.unit == "s"


async def test_a_storage_error_is_an_error_outcome_and_still_raises(
    otel: Sdk, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def unreachable(name: str) -> SourceVersion | None:
        raise ConnectionError("storage down")

    store = FakeImageStore(sources={"a/b.png": V1})
    monkeypatch.setattr(store, "source_version", unreachable)
    with pytest.raises(ConnectionError):
        await process_upload(
            Upload("a/b.png", lambda: PNG, version=V1), store=store, settings=ThumbnailSettings()
        )
    (span,) = [s for s in otel.finished() if s.name == service.SPAN_NAME]
    assert span.attributes is not None and span.attributes["thumbnail.outcome"] == "error"
    assert span.attributes["thumbnail.reason"] == "ConnectionError"
    assert span.status.status_code is trace.StatusCode.ERROR


async def test_neither_span_nor_log_lines_carry_the_file_name(
    otel: Sdk, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="shared.images")
    await _deliver(PNG)
    await _deliver(b"garbage")
    assert "b.png" not in str(_spans_attributes(otel))
    assert caplog.records and not [r for r in caplog.records if "b.png" in r.getMessage()]


def _spans_attributes(otel: Sdk) -> list[dict[str, object]]:
    return [dict(s.attributes or {}) for s in otel.finished()]
