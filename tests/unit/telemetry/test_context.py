"""W3C trace context values: what an event may carry, and what is dropped as untrusted."""

from __future__ import annotations

import pytest

from shared.telemetry import TraceContext

PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def test_a_valid_traceparent_parses_with_its_state() -> None:
    context = TraceContext.parse(PARENT, "congo=t61rcWkgMzE")
    assert context == TraceContext(PARENT, "congo=t61rcWkgMzE")
    assert context.trace_id == "0af7651916cd43dd8448eb211c80319c"
    assert context.sampled


def test_fields_round_trip_and_omit_an_empty_state() -> None:
    assert TraceContext(PARENT).to_fields() == {"traceparent": PARENT}
    fields = TraceContext(PARENT, "a=1").to_fields()
    assert fields == {"traceparent": PARENT, "tracestate": "a=1"}
    assert TraceContext.from_fields(fields) == TraceContext(PARENT, "a=1")


@pytest.mark.parametrize(
    "value",
    [
        None,
        42,
        "",
        "garbage",
        PARENT.replace("-01", ""),
        PARENT.upper() + "x",
        "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",  # version ff is invalid
        "00-00000000000000000000000000000000-b7ad6b7169203331-01",  # all-zero trace id
        "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",  # all-zero parent id
        PARENT + "-extra",  # version 00 has exactly four fields
    ],
)
def test_anything_else_is_dropped(value: object) -> None:
    assert TraceContext.parse(value) is None


def test_a_later_version_is_read_and_passed_on_as_version_00() -> None:
    later = "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00-future"
    context = TraceContext.parse(later)
    assert context == TraceContext("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00")
    assert context is not None and not context.sampled


def test_an_oversized_or_odd_tracestate_is_dropped_not_the_context() -> None:
    assert TraceContext.parse(PARENT, "a=" + "x" * 600) == TraceContext(PARENT)
    assert TraceContext.parse(PARENT, 7) == TraceContext(PARENT)
