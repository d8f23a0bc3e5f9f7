"""The app's metrics: one table of instruments (name, kind, unit, allowed attributes), and
`record` to count or measure on one of them.

Names follow OpenTelemetry's conventions (lower case, dot-separated, no unit in the name; units
in UCUM, `{thing}` for counts). Attributes are few and low-cardinality on purpose (an outcome,
a reason code, an event type): identifiers such as order ids belong on spans and logs, where
they cost nothing per series. docs/operations.md lists every instrument with example KQL.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from shared.telemetry.switch import enabled

if TYPE_CHECKING:
    from collections.abc import Mapping

    from opentelemetry.metrics import Meter

__all__ = [
    "FEED_EVENTS",
    "FEED_LAG",
    "FEED_POISON",
    "INSTRUMENTS",
    "METER_NAME",
    "ORDERS_CREATED",
    "ORDERS_DELETED",
    "ORDERS_REJECTED",
    "ORDERS_UPDATED",
    "OUTBOX_RELAYED",
    "SWEEP_EXPIRED",
    "THUMBNAILS",
    "THUMBNAIL_DURATION",
    "Instrument",
    "Recorder",
    "record",
]

METER_NAME = "orders-app"
# Seconds, from a fast local hop to the five-minute function timeout; used by OTLP backends
# (Application Insights keeps count, sum, min and max of each histogram, not its buckets).
SECONDS_BUCKETS = (
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
    60.0,
    120.0,
    300.0,
)


@dataclass(frozen=True, slots=True)
class Instrument:
    name: str
    kind: Literal["counter", "histogram"]
    unit: str
    description: str
    attributes: frozenset[str] = frozenset()


ORDERS_CREATED = Instrument(
    "orders.created",
    "counter",
    "{order}",
    "Orders created (idempotent replays are not counted).",
)
ORDERS_UPDATED = Instrument(
    "orders.updated",
    "counter",
    "{order}",
    "Orders changed through PATCH, by the status they now have.",
    frozenset({"order.status"}),
)
ORDERS_DELETED = Instrument("orders.deleted", "counter", "{order}", "Orders deleted.")
ORDERS_REJECTED = Instrument(
    "orders.rejected",
    "counter",
    "{request}",
    "Order writes refused with a problem (4xx), by operation and problem type.",
    frozenset({"operation", "problem.type"}),
)
FEED_LAG = Instrument(
    "orders.feed.lag",
    "histogram",
    "s",
    "Time from an order change to its event applied to the read models, by event type and "
    "queue (a queue that falls behind shows on its own).",
    frozenset({"event.type", "queue"}),
)
FEED_EVENTS = Instrument(
    "orders.feed.events",
    "counter",
    "{event}",
    "Order events taken off the queue, by outcome: applied, duplicate (that version was "
    "applied before) or outdated (a newer version was).",
    frozenset({"outcome"}),
)
FEED_POISON = Instrument(
    "orders.feed.poison",
    "counter",
    "{message}",
    "Messages that end in a poison queue, by reason: malformed (parked by the app) or "
    "retries_exhausted (its last attempt failed; the host moves it), and by the queue they "
    "came from (its poison queue is `<queue>-poison`).",
    frozenset({"reason", "queue"}),
)
THUMBNAILS = Instrument(
    "thumbnails.processed",
    "counter",
    "{image}",
    "Uploads handled by make_thumbnail, by outcome (ready, failed, skipped) and failure reason.",
    frozenset({"outcome", "reason"}),
)
THUMBNAIL_DURATION = Instrument(
    "thumbnails.duration",
    "histogram",
    "s",
    "Time make_thumbnail spends on one upload, by outcome.",
    frozenset({"outcome"}),
)
SWEEP_EXPIRED = Instrument(
    "orders.sweep.expired", "counter", "{order}", "Stale PENDING orders the sweep expired."
)
OUTBOX_RELAYED = Instrument(
    "orders.outbox.relayed",
    "counter",
    "{event}",
    "Outbox events the relay sent after their send after commit had failed, by outcome: sent "
    "or failed.",
    frozenset({"outcome"}),
)

INSTRUMENTS = (
    ORDERS_CREATED,
    ORDERS_UPDATED,
    ORDERS_DELETED,
    ORDERS_REJECTED,
    FEED_LAG,
    FEED_EVENTS,
    FEED_POISON,
    THUMBNAILS,
    THUMBNAIL_DURATION,
    SWEEP_EXPIRED,
    OUTBOX_RELAYED,
)


class Recorder:
    """Creates each instrument once, on first use, on one meter."""

    def __init__(self, meter: Meter) -> None:
        self._meter = meter
        self._made: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _instrument(self, instrument: Instrument) -> Any:
        made = self._made.get(instrument.name)
        if made is None:
            with self._lock:
                made = self._made.get(instrument.name)
                if made is None:
                    made = self._made[instrument.name] = self._create(instrument)
        return made

    def _create(self, instrument: Instrument) -> Any:
        if instrument.kind == "counter":
            return self._meter.create_counter(
                instrument.name, unit=instrument.unit, description=instrument.description
            )
        return self._meter.create_histogram(
            instrument.name,
            unit=instrument.unit,
            description=instrument.description,
            explicit_bucket_boundaries_advisory=list(SECONDS_BUCKETS),
        )

    def record(self, instrument: Instrument, value: float, attributes: Mapping[str, str]) -> None:
        made = self._instrument(instrument)
        if instrument.kind == "counter":
            made.add(value, dict(attributes))
        else:
            made.record(value, dict(attributes))


_recorder: Recorder | None = None


def _check(instrument: Instrument, attributes: Mapping[str, str]) -> None:
    unknown = sorted(set(attributes) - instrument.attributes)
    if unknown or not all(isinstance(value, str) for value in attributes.values()):
        allowed = sorted(instrument.attributes)
        raise ValueError(
            f"{instrument.name} takes string attributes {allowed}, not {dict(attributes)}"
        )


def record(
    instrument: Instrument, value: float = 1, *, attributes: Mapping[str, str] | None = None
) -> None:
    """Add `value` to a counter, or one measurement to a histogram. The attributes are checked
    even with telemetry off, so every test that passes a call site checks its attributes."""
    global _recorder
    attributes = attributes or {}
    _check(instrument, attributes)
    if not enabled():
        return
    if _recorder is None:
        from opentelemetry import metrics

        _recorder = Recorder(metrics.get_meter(METER_NAME))
    _recorder.record(instrument, value, attributes)
