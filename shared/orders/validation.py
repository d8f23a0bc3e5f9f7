"""Turn untrusted JSON into validated drafts and changes, reporting every problem at once."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from shared.errors import FieldError, InvalidInput, MalformedRequest
from shared.ids import ID_PATTERN
from shared.orders.model import OrderChanges, OrderDraft, OrderStatus
from shared.orders.repository import OrderQuery

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "IDEMPOTENCY_KEY_PATTERN",
    "ID_PATTERN",
    "MAX_AMOUNT",
    "parse_changes",
    "parse_draft",
    "parse_idempotency_key",
    "parse_limit",
    "parse_query",
    "validate_id",
]

# The key as the IETF draft sends it, a quoted sf-string, or bare: 1-255 printable ASCII
# characters without '"' or '\\' (spaces only inside quotes). The OpenAPI document uses the
# same pattern, so the contract and the server cannot disagree.
IDEMPOTENCY_KEY_PATTERN = re.compile(r'"([ !#-\[\]-~]{1,255})"|([!#-\[\]-~]{1,255})')
MAX_QUANTITY = 10_000
# 12 integer digits keep every amount exact as a binary float in JSON output.
MAX_AMOUNT = Decimal("999999999999.99")
_CREATE_FIELDS = ("customer_id", "product_id", "quantity", "total_amount")
_PATCH_FIELDS = ("product_id", "quantity", "total_amount", "status")


def validate_id(value: object, field: str, errors: list[FieldError]) -> str:
    if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
        errors.append(FieldError(field, "must be 1-64 characters of A-Z, a-z, 0-9, _ or -"))
        return ""
    return value


def _integral(value: object) -> object:
    """JSON Schema counts 2.0 as the integer 2, and so do we (the decoder gives Decimal('2.0')).
    Clamped before int(): Decimal('1E+999999999') is integral too, and int() of it is slow."""
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value.max(Decimal(0)).min(Decimal(MAX_QUANTITY + 1)))
    return value


def _quantity(value: object, errors: list[FieldError]) -> int:
    value = _integral(value)
    if isinstance(value, bool) or not isinstance(value, int):
        errors.append(FieldError("quantity", "must be an integer"))
    elif not 1 <= value <= MAX_QUANTITY:
        errors.append(FieldError("quantity", f"must be between 1 and {MAX_QUANTITY}"))
    else:
        return value
    return 0


def _amount(value: object, errors: list[FieldError]) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal | float):
        errors.append(FieldError("total_amount", "must be a number"))
        return Decimal(0)
    amount = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    exponent = amount.normalize().as_tuple().exponent
    if not isinstance(exponent, int) or exponent < -2:
        errors.append(FieldError("total_amount", "must have at most 2 decimal places"))
    elif not Decimal(0) <= amount <= MAX_AMOUNT:
        errors.append(FieldError("total_amount", f"must be between 0 and {MAX_AMOUNT}"))
    else:
        return amount.quantize(Decimal("0.01"))
    return Decimal(0)


def _status(value: object, errors: list[FieldError]) -> OrderStatus | None:
    if isinstance(value, str) and value in OrderStatus.__members__:
        return OrderStatus(value)
    errors.append(FieldError("status", f"must be one of {', '.join(OrderStatus)}"))
    return None


_PARSERS: dict[str, Callable[[object, list[FieldError]], Any]] = {
    "customer_id": lambda value, errors: validate_id(value, "customer_id", errors),
    "product_id": lambda value, errors: validate_id(value, "product_id", errors),
    "quantity": _quantity,
    "total_amount": _amount,
    "status": _status,
}


def _parse_fields(body: object, allowed: tuple[str, ...], *, required: bool) -> dict[str, Any]:
    """Parse every known field present, collecting all problems before raising."""
    if not isinstance(body, dict):
        raise InvalidInput(
            "The request body must be a JSON object.", [FieldError("", "must be an object")]
        )
    errors = [FieldError(name, "is not a known field") for name in sorted(set(body) - set(allowed))]
    if required:
        errors += [FieldError(name, "is required") for name in allowed if name not in body]
    parsed = {name: _PARSERS[name](body[name], errors) for name in allowed if name in body}
    if errors:
        raise InvalidInput("The request has invalid fields.", errors)
    return parsed


def parse_draft(body: object, *, customer_id: str | None = None) -> OrderDraft:
    """The create request; `customer_id`, when given, stands in for a body that names none
    (a customer creates orders for themselves without repeating who they are)."""
    if customer_id is not None and isinstance(body, dict) and "customer_id" not in body:
        body = {**body, "customer_id": customer_id}
    return OrderDraft(**_parse_fields(body, _CREATE_FIELDS, required=True))


def parse_changes(body: object) -> OrderChanges:
    changes = _parse_fields(body, _PATCH_FIELDS, required=False)
    if not changes:
        raise InvalidInput(
            "The request changes nothing.",
            [FieldError("", f"must change at least one of {', '.join(_PATCH_FIELDS)}")],
        )
    return OrderChanges(**changes)


def parse_limit(raw: str | None, *, default: int = 20, maximum: int = 100) -> int:
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise InvalidInput("limit is out of range.", [FieldError("limit", f"must be 1-{maximum}")])
    return int(raw)


def parse_query(*, customer_id: str | None, status: str | None) -> OrderQuery:
    errors: list[FieldError] = []
    # Sent empty is not the same as not sent: "" is no valid id or status (422).
    customer = None if customer_id is None else validate_id(customer_id, "customer_id", errors)
    query = OrderQuery(
        customer_id=customer, status=None if status is None else _status(status, errors)
    )
    if errors:
        raise InvalidInput("The query has invalid parameters.", errors)
    return query


def parse_idempotency_key(raw: str | None) -> str | None:
    """The key of an Idempotency-Key header (None without one), or MalformedRequest."""
    if raw is None:
        return None
    match = IDEMPOTENCY_KEY_PATTERN.fullmatch(raw.strip())
    if match is None:
        raise MalformedRequest(
            "Idempotency-Key must be 1-255 printable ASCII characters without '\"' or '\\', "
            "optionally in double quotes."
        )
    return match.group(1) or match.group(2)
