"""Order failures, each a small subclass of the project's hierarchy in shared.errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.errors import Conflict, InvalidInput, NotFound, PreconditionFailed

if TYPE_CHECKING:
    from shared.orders.repository import IdempotencyRecord

__all__ = [
    "IdempotencyKeyReused",
    "IdempotencyKeyTaken",
    "InvalidTransition",
    "OrderAlreadyExists",
    "OrderNotFound",
    "StaleOrder",
]


class OrderNotFound(NotFound):
    """No order has this id."""

    code = "order-not-found"

    def __init__(self, order_id: str) -> None:
        super().__init__(f"Order {order_id!r} does not exist.")
        self.order_id = order_id


class OrderAlreadyExists(Conflict):
    """An order with this id was already written by another request."""

    code = "order-exists"


class InvalidTransition(Conflict):
    """The requested status change is not allowed from the current status."""

    code = "invalid-transition"


class StaleOrder(PreconditionFailed):
    """The order changed since the client read it (ETag mismatch)."""

    code = "stale-order"


class IdempotencyKeyReused(InvalidInput):
    """The Idempotency-Key was already used with a different request body."""

    code = "idempotency-key-reused"


class IdempotencyKeyTaken(Exception):
    """The Idempotency-Key's record is stored already (or, replacing an expired one, changed
    since it was read). Not an AppError: the create flow answers it (shared.orders.idempotency)
    by replaying `record` or writing over it, so it never reaches a client."""

    def __init__(self, record: IdempotencyRecord | None) -> None:
        super().__init__("The Idempotency-Key has a record.")
        self.record = record  # None: the record to replace is gone
