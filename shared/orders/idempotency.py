"""The Idempotency-Key flow of `POST /api/orders`: at most one order per caller, customer, key
and 24 hours, and the same answer to every retry.

The key's record is a row in the order's own partition, written by the order's own
entity-group transaction (docs/storage-design.md, "Idempotency keys"): a create with a key is
the same one request as a create without. The flow tries that transaction first and reads
only when it is refused:

- the record's insert is refused (409): the key is taken. One point read finds the record,
  whose state decides: a `COMPLETED` record replays its order (the same body, else 422), an
  `EXPIRED` one is replaced, in the same transaction as the new order, on its ETag;
- two creates with one key race on that insert: exactly one commits, and the other replays
  it. A process that dies after its commit leaves a complete record (the transaction is all
  or nothing), so a retry replays and there is no "in progress" state any more.

Records written before issue 33 (their own table, `IdempotencyKeys`) are still honoured while
they can be alive: `LegacyIdempotencyKeys` reads them for one window after the move, and only
those can be `UNFINISHED` (claimed, the order never confirmed). The record and its states are
defined beside the ports that store them (shared.orders.repository).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict, dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING

from shared.jsoncodec import decode_json, encode_json
from shared.orders.errors import IdempotencyKeyReused, IdempotencyKeyTaken, OrderAlreadyExists
from shared.orders.events import OrderEvent
from shared.orders.model import format_time, order_from_public
from shared.orders.repository import IdempotencyRecord, RecordState

if TYPE_CHECKING:
    from datetime import datetime

    from shared.auth import Caller
    from shared.orders.model import Order, OrderDraft
    from shared.orders.repository import LegacyIdempotencyKeys, OrderRepository

__all__ = [
    "IDEMPOTENCY_WINDOW",
    "IdempotencyKey",
    "IdempotencyRecord",
    "RecordState",
    "create_once",
]

logger = logging.getLogger(__name__)

IDEMPOTENCY_WINDOW = timedelta(hours=24)
# Rounds of "insert, find it taken by an expired record, replace that": a third round means
# two other creates renewed the same key meanwhile, and the answer is theirs.
_ATTEMPTS = 3


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class IdempotencyKey:
    """A request's key, hashed: where its record is, and what the request asked.

    `key_hash` scopes the key to its caller (the IETF draft's rule: another caller's same key
    is another key) and to the order's customer, whose partition holds the record, so that a
    back-office caller's key means the same in every partition (docs/storage-design.md).
    `legacy_hash` is the hash records written before issue 33 are found by."""

    key_hash: str
    legacy_hash: str
    request_hash: str

    @classmethod
    def of(cls, key: str, *, caller: Caller, draft: OrderDraft) -> IdempotencyKey:
        return cls(
            key_hash=_sha256(f"{caller.id}\n{draft.customer_id}\n{key}"),
            legacy_hash=_sha256(f"{caller.id}\n{key}"),
            request_hash=_sha256(encode_json(asdict(draft))),
        )

    def record_for(self, order: Order, *, now: datetime) -> IdempotencyRecord:
        """The record to write with `order`: what a replay answers, for 24 hours."""
        return IdempotencyRecord(
            key_hash=self.key_hash,
            request_hash=self.request_hash,
            order_id=order.order_id,
            expires_at=format_time(now + IDEMPOTENCY_WINDOW),
            response=encode_json({"order": order.to_public()}),
        )


async def create_once(
    order: Order,
    key: IdempotencyKey,
    *,
    repo: OrderRepository,
    legacy: LegacyIdempotencyKeys | None,
    now: datetime,
) -> tuple[Order, bool]:
    """Create `order` unless `key` already made one; (the order to answer, replayed?)."""
    if legacy is not None:
        earlier = await legacy.find(key.legacy_hash, now=now)
        if earlier is not None and earlier.state(now) is not RecordState.EXPIRED:
            return await _answer_legacy(earlier, order, key, repo=repo, now=now)
    record = key.record_for(order, now=now)
    for _ in range(_ATTEMPTS):
        try:
            return await _insert(order, repo=repo, key=record), False
        except IdempotencyKeyTaken as taken:
            stored = taken.record
        if stored is None:  # replacing a record that is gone: insert anew
            record = replace(record, etag=None)
        elif stored.state(now) is RecordState.EXPIRED:
            record = replace(record, etag=stored.etag)
        else:
            return await _replay(stored, key, repo=repo), True
    # Unreachable in practice: each round found the key expired or gone, which only other
    # creates renewing it at the same moment cause, and the round after replays theirs.
    raise IdempotencyKeyTaken(None)


async def _insert(order: Order, *, repo: OrderRepository, key: IdempotencyRecord) -> Order:
    return await repo.add(order, OrderEvent.for_change(None, order, now=order.created_at), key=key)


def _check_same_request(stored: IdempotencyRecord, key: IdempotencyKey) -> None:
    if stored.request_hash != key.request_hash:
        raise IdempotencyKeyReused("This Idempotency-Key was used with a different request body.")


async def _replay(
    stored: IdempotencyRecord, key: IdempotencyKey, *, repo: OrderRepository
) -> Order:
    """The order a COMPLETED record made, as it is now (the body and ETag a GET answers);
    as it was created, without an ETag, once it has been deleted."""
    _check_same_request(stored, key)
    current = await repo.get(stored.order_id)
    if current is not None:
        return current
    assert stored.response is not None, "a COMPLETED record holds its answer"
    return order_from_public(decode_json(stored.response)["order"])


async def _answer_legacy(
    earlier: IdempotencyRecord,
    order: Order,
    key: IdempotencyKey,
    *,
    repo: OrderRepository,
    now: datetime,
) -> tuple[Order, bool]:
    """Answer as the flow before issue 33 did for its live record: replay the answer it
    stored; an unfinished one names the order to make (or already made), with the record
    then written in the new place too."""
    _check_same_request(earlier, key)
    if earlier.state(now) is RecordState.COMPLETED:
        assert earlier.response is not None
        stored = decode_json(earlier.response)
        return order_from_public(stored["order"], etag=stored.get("etag")), True
    resumed = replace(order, order_id=earlier.order_id)
    logger.info("idempotency_key_resumed order_id=%s", earlier.order_id)
    try:
        return await _insert(resumed, repo=repo, key=key.record_for(resumed, now=now)), False
    except (OrderAlreadyExists, IdempotencyKeyTaken):
        existing = await repo.get(earlier.order_id)
        if existing is None:
            raise
        return existing, True
