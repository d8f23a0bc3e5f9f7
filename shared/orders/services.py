"""Order use cases: plain functions over the repository interfaces.

Every change is written together with its change event (see OrderEvent), so the change feed
can never miss or invent a change.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from shared import telemetry
from shared.auth import Action, Caller, authorize
from shared.auth.rules import rows_of
from shared.errors import Forbidden, PreconditionRequired
from shared.orders.change_rules import SWEEP, check_change, check_delete
from shared.orders.errors import OrderNotFound, StaleOrder
from shared.orders.events import OrderEvent
from shared.orders.idempotency import IdempotencyKey, create_once
from shared.orders.model import Order, OrderChanges, OrderStatus, format_time
from shared.orders.validation import (
    ID_PATTERN,
    parse_changes,
    parse_draft,
    parse_limit,
    parse_query,
)
from shared.paging import decode_token, encode_token
from shared.sharding import order_id_for
from shared.telemetry import metrics

if TYPE_CHECKING:
    from collections.abc import Callable

    from shared.orders.repository import LegacyIdempotencyKeys, OrderRepository

__all__ = [
    "CreateResult",
    "create_order",
    "delete_order",
    "expire_order",
    "get_order",
    "list_orders",
    "update_order",
    "utc_now",
]

# A PATCH racing an expiry makes the expiry re-read; a few rounds settle any realistic race.
EXPIRY_ATTEMPTS = 5


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class CreateResult:
    order: Order
    replayed: bool = False


async def get_order(order_id: str, *, caller: Caller, repo: OrderRepository) -> Order:
    return await _visible(order_id, caller, Action.READ_ORDER, repo=repo)


async def _visible(
    order_id: str, caller: Caller, action: Action, *, repo: OrderRepository
) -> Order:
    """The order, if `caller` may `action` it; another customer's answers as a missing one."""
    grant = authorize(caller, action)
    order = await repo.get(order_id) if ID_PATTERN.fullmatch(order_id) else None
    if order is None or not grant.covers(order.customer_id):
        raise OrderNotFound(order_id)
    return order


async def create_order(
    body: object,
    *,
    caller: Caller,
    repo: OrderRepository,
    legacy_keys: LegacyIdempotencyKeys | None = None,
    idempotency_key: str | None = None,
    clock: Callable[[], datetime] = utc_now,
    new_id: Callable[[str], str] = order_id_for,
) -> CreateResult:
    """Create an order; with an Idempotency-Key, at most one order per caller, customer, key
    and body for 24 hours (shared.orders.idempotency; the key is the caller's own, as the
    IETF draft has it: another caller's same key makes another order and never replays this
    one). `new_id(customer_id)` names the new order, in its customer's bucket
    (shared.sharding.order_id_for; one account by default), where its key's record goes too.
    `legacy_keys`: where keys written before issue 33 are read (none: not read)."""
    grant = authorize(caller, Action.CREATE_ORDER)
    draft = parse_draft(body, customer_id=grant.customer_filter)
    if not grant.covers(draft.customer_id):
        raise Forbidden("You may create orders only for yourself.")
    now = clock()
    order = Order.create(new_id(draft.customer_id), draft, now=format_time(now))
    if idempotency_key is None:
        event = OrderEvent.for_change(None, order, now=order.created_at)
        return _counted(CreateResult(await repo.add(order, event)))
    key = IdempotencyKey.of(idempotency_key, caller=caller, draft=draft)
    made, replayed = await create_once(order, key, repo=repo, legacy=legacy_keys, now=now)
    return _counted(CreateResult(made, replayed=replayed))


def _counted(result: CreateResult) -> CreateResult:
    if not result.replayed:
        telemetry.record(metrics.ORDERS_CREATED)
    return result


async def update_order(
    order_id: str,
    body: object,
    *,
    caller: Caller,
    if_match: str | tuple[str, ...] | None,
    repo: OrderRepository,
    clock: Callable[[], datetime] = utc_now,
) -> Order:
    authorize(caller, Action.CHANGE_ORDER)  # a missing role is 403 before any other check
    if if_match is None:
        raise PreconditionRequired("Send If-Match with the order's ETag to change it.")
    changes = parse_changes(body)
    current = await _current(order_id, if_match, caller, Action.CHANGE_ORDER, repo=repo)
    check_change(rows_of(caller), current, changes)
    now = format_time(clock())
    changed = current.apply(changes, now=now)
    event = OrderEvent.for_change(current, changed, now=now)
    stored = await repo.replace(current, changed, event)
    telemetry.record(metrics.ORDERS_UPDATED, attributes={"order.status": stored.status.value})
    return stored


async def expire_order(
    order_id: str,
    *,
    created_before: str,
    repo: OrderRepository,
    clock: Callable[[], datetime] = utc_now,
) -> bool:
    """Move a PENDING order created before the cutoff to EXPIRED; False if it is not due.

    The write carries the ETag just read, so a concurrent change is never overwritten: the
    expiry re-reads and decides again (a confirmed order is no longer due; an order whose
    quantity changed is expired with its new quantity)."""
    for _ in range(EXPIRY_ATTEMPTS):
        current = await repo.get(order_id)
        if current is None or current.status is not OrderStatus.PENDING:
            return False
        if current.created_at >= created_before:
            return False
        expiry = OrderChanges(status=OrderStatus.EXPIRED)
        check_change((SWEEP,), current, expiry)  # the sweep's row of the change table
        now = format_time(clock())
        expired = current.apply(expiry, now=now)
        try:
            await repo.replace(current, expired, OrderEvent.for_change(current, expired, now=now))
        except StaleOrder:
            continue
        except OrderNotFound:
            return False
        return True
    raise StaleOrder(f"Order {order_id!r} kept changing while it was being expired.")


async def delete_order(
    order_id: str,
    *,
    caller: Caller,
    if_match: str | tuple[str, ...] | None,
    repo: OrderRepository,
    clock: Callable[[], datetime] = utc_now,
) -> None:
    current = await _current(order_id, if_match or ("*",), caller, Action.DELETE_ORDER, repo=repo)
    check_delete(rows_of(caller), current)
    event = OrderEvent.for_change(current, None, now=format_time(clock()))
    await repo.remove(current, event)
    telemetry.record(metrics.ORDERS_DELETED)


async def _current(
    order_id: str,
    if_match: str | tuple[str, ...],
    caller: Caller,
    action: Action,
    *,
    repo: OrderRepository,
) -> Order:
    """The order, if the caller may `action` it and the ETag the client names (or one of
    several, as If-Match may list) is its current one, or the client said "*"."""
    current = await _visible(order_id, caller, action, repo=repo)
    tags = (if_match,) if isinstance(if_match, str) else if_match
    if "*" not in tags and current.etag not in tags:
        raise StaleOrder("The order has changed since it was read; fetch it again.")
    return current


async def list_orders(
    *,
    caller: Caller,
    customer_id: str | None,
    status: str | None,
    limit: str | None,
    continuation: str | None,
    repo: OrderRepository,
    secret: bytes,
) -> tuple[list[Order], str | None]:
    """One page of orders and an opaque token for the next (None at the end). A customer's
    list holds their own orders only: asking for another customer's finds none. One call
    reads one page of storage, so a page may be short, or empty, and still have a token."""
    own = authorize(caller, Action.LIST_ORDERS).customer_filter
    query = parse_query(customer_id=customer_id, status=status)
    if own is not None and query.customer_id not in (None, own):
        return [], None
    query = replace(query, customer_id=own or query.customer_id)
    size = parse_limit(limit)
    # "customer-index": positions in the layout of the customer index (docs/storage-design.md);
    # a token issued for the listings before it is refused (400) rather than misread.
    scope = f"orders?customer_id={query.customer_id or ''}&status={query.status or ''}"
    scope += "&layout=customer-index"
    position = decode_token(continuation, scope=scope, secret=secret) if continuation else None
    page = await repo.query(query, limit=size, continuation=position)
    if page.continuation is None:
        return page.items, None
    return page.items, encode_token(page.continuation, scope=scope, secret=secret)
