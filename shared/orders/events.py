"""Change events: what the outbox stores and the change feed delivers.

Each write attempt gets a fresh event id, which lets a retried write recognise its own earlier
success; the per-order version orders events and lets consumers drop duplicates. An event also
carries the trace context of the write that made it (`traceparent`/`tracestate`, as the
CloudEvents distributed tracing extension names them), stored with it in the outbox.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from shared.jsoncodec import decode_json, encode_json
from shared.telemetry import TraceContext, current_trace_context

if TYPE_CHECKING:
    from shared.orders.model import Order

__all__ = ["EventType", "OrderEvent"]


class EventType(StrEnum):
    INSERT = "INSERT"
    MODIFY = "MODIFY"
    REMOVE = "REMOVE"


@dataclass(frozen=True, slots=True)
class OrderEvent:
    event_id: str
    type: EventType
    order_id: str
    version: int
    occurred_at: str
    new_image: dict[str, Any] | None
    old_image: dict[str, Any] | None = None
    # The W3C trace context of the write that made the event, so its consumer continues that
    # trace (docs/operations.md). None with telemetry off, and in events written before it.
    trace: TraceContext | None = None

    @classmethod
    def for_change(cls, old: Order | None, new: Order | None, *, now: str) -> OrderEvent:
        current = new or old
        assert current is not None
        kind = EventType.INSERT if old is None else EventType.MODIFY if new else EventType.REMOVE
        version = new.version if new else current.version + 1
        return cls(
            event_id=str(uuid.uuid4()),
            type=kind,
            order_id=current.order_id,
            version=version,
            occurred_at=now,
            new_image=new.to_public() if new else None,
            old_image=old.to_public() if old and kind is EventType.REMOVE else None,
            trace=current_trace_context(),
        )

    def to_json(self) -> str:
        fields = self.trace.to_fields() if self.trace else {}
        return encode_json(
            {
                "event_id": self.event_id,
                "type": self.type.value,
                "order_id": self.order_id,
                "version": self.version,
                "occurred_at": self.occurred_at,
                "new_image": self.new_image,
                "old_image": self.old_image,
                **fields,
            }
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> OrderEvent:
        data = decode_json(text)
        return cls(
            event_id=data["event_id"],
            type=EventType(data["type"]),
            order_id=data["order_id"],
            version=int(data["version"]),
            occurred_at=data["occurred_at"],
            new_image=data.get("new_image"),
            old_image=data.get("old_image"),
            trace=TraceContext.from_fields(data),
        )
