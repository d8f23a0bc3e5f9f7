"""Orders: the domain (`model`, `events`), its use cases (`services`), the storage interfaces
they need (`repository`) and their Table Storage implementation (`table_repository`, which
loads the SDK; shared.bootstrap builds it on first use). The Idempotency-Key flow of a create
is `idempotency`."""

from shared.orders.events import EventType, OrderEvent
from shared.orders.model import Order, OrderStatus
from shared.orders.repository import LegacyIdempotencyKeys, OrderBacklog, OrderRepository

__all__ = [
    "EventType",
    "LegacyIdempotencyKeys",
    "Order",
    "OrderBacklog",
    "OrderEvent",
    "OrderRepository",
    "OrderStatus",
]
