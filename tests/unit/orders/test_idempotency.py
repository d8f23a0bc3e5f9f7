"""The Idempotency-Key flow (shared.orders.idempotency) over the in-memory repository, whose
`add` writes the order and its key's record together or not at all, as the table's
transaction does (tests/integration/test_idempotency_keys.py runs the same on Azurite)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from shared.auth import Caller
from shared.jsoncodec import encode_json
from shared.orders import services
from shared.orders.errors import IdempotencyKeyReused
from shared.orders.idempotency import IdempotencyKey
from shared.orders.model import format_time
from shared.orders.repository import IdempotencyRecord, RecordState
from shared.orders.validation import parse_draft
from tests.support import BACK_OFFICE
from tests.unit.orders.conftest import Clock, order_body
from tests.unit.orders.fakes import FakeLegacyKeys, FakeOrderRepository

CUSTOMER = Caller("oid-7", "cust-1")


async def create(
    repo: FakeOrderRepository, legacy: FakeLegacyKeys, clock: Clock, **kw: Any
) -> services.CreateResult:
    body = kw.pop("body", order_body())
    kw.setdefault("caller", BACK_OFFICE)
    kw.setdefault("idempotency_key", "k1")
    return await services.create_order(body, repo=repo, legacy_keys=legacy, clock=clock, **kw)


def key_of(caller: Caller = BACK_OFFICE, **body: object) -> IdempotencyKey:
    return IdempotencyKey.of("k1", caller=caller, draft=parse_draft(order_body(**body)))


async def test_the_record_is_written_with_the_order(repo, legacy, clock) -> None:
    made = await create(repo, legacy, clock)
    [record] = repo.keys.values()
    assert record.key_hash == key_of().key_hash and record.order_id == made.order.order_id
    assert record.state(clock()) is RecordState.COMPLETED
    assert record.expires_at == "2026-11-27T12:00:00.000Z"  # 24 hours, as before
    assert not made.replayed and len(repo.events) == 1


async def test_same_key_same_body_replays_without_new_order(repo, legacy, clock) -> None:
    first = await create(repo, legacy, clock)
    clock.advance(hours=23)
    again = await create(repo, legacy, clock)
    assert again.replayed
    assert (again.order.to_public(), again.order.etag) == (
        first.order.to_public(),
        first.order.etag,
    )
    assert len(repo.orders) == 1 and len(repo.events) == 1


async def test_same_key_other_body_is_rejected(repo, legacy, clock) -> None:
    await create(repo, legacy, clock)
    with pytest.raises(IdempotencyKeyReused):
        await create(repo, legacy, clock, body=order_body(quantity=3))
    assert len(repo.orders) == 1


async def test_an_expired_record_is_replaced_with_the_next_order(repo, legacy, clock) -> None:
    first = await create(repo, legacy, clock)
    clock.advance(hours=24, seconds=1)
    later = await create(repo, legacy, clock, body=order_body(quantity=3))
    assert not later.replayed and later.order.order_id != first.order.order_id
    [record] = repo.keys.values()
    assert (
        record.order_id == later.order.order_id and record.state(clock()) is RecordState.COMPLETED
    )


async def test_a_replay_answers_the_order_as_it_is_and_as_created_once_deleted(
    repo, legacy, clock
) -> None:
    first = (await create(repo, legacy, clock)).order
    changed = await services.update_order(
        first.order_id, {"quantity": 5}, caller=BACK_OFFICE, if_match=first.etag, repo=repo
    )
    again = (await create(repo, legacy, clock)).order
    assert (again.quantity, again.etag) == (5, changed.etag)  # what a GET answers now
    await services.delete_order(first.order_id, caller=BACK_OFFICE, if_match="*", repo=repo)
    gone = await create(repo, legacy, clock)
    assert gone.replayed and (gone.order.to_public(), gone.order.etag) == (first.to_public(), None)
    assert len(repo.events) == 3  # insert, modify, remove: no second order


async def test_the_loser_of_a_race_replays_the_winner(repo, legacy, clock) -> None:
    """Another create with the key committed first: this one's record insert is refused,
    nothing of its order is written, and it answers the winner's order."""
    winner = await create(repo, legacy, clock, new_id=lambda _: "order-w")
    loser = await create(repo, legacy, clock, new_id=lambda _: "order-l")
    assert loser.replayed and loser.order == winner.order
    assert list(repo.orders) == ["order-w"]


async def test_a_renewal_racing_another_replays_it(repo, legacy, clock) -> None:
    """Two creates find the key expired; the one replacing it second finds the row changed
    and replays the first's order."""
    await create(repo, legacy, clock, new_id=lambda _: "old")
    clock.advance(hours=25)
    stored = repo.keys[key_of().key_hash]
    real_add = repo.add

    async def renewed_meanwhile(order, event, *, key=None):
        if key is not None and key.etag == stored.etag and order.order_id == "second":
            await real_add(
                replace(order, order_id="first"), event, key=replace(key, order_id="first")
            )
        return await real_add(order, event, key=key)

    repo.add = renewed_meanwhile
    second = await create(repo, legacy, clock, new_id=lambda _: "second")
    assert second.replayed and second.order.order_id == "first"
    assert sorted(repo.orders) == ["first", "old"]


async def test_a_customers_key_is_their_own(repo, legacy, clock) -> None:
    mine = await create(repo, legacy, clock, caller=CUSTOMER, body=order_body())
    other = await create(repo, legacy, clock, caller=Caller("oid-8", "cust-1"))
    assert not other.replayed and other.order.order_id != mine.order.order_id


async def test_a_back_office_key_is_per_customer(repo, legacy, clock) -> None:
    """The record lives in the customer's partition, so the key is scoped to the customer
    too: the same key for another customer's order makes that order (docs/storage-design.md),
    in every partition alike; for the same customer with another body it is still a 422."""
    first = await create(repo, legacy, clock)
    second = await create(repo, legacy, clock, body=order_body(customer_id="cust-2"))
    assert not second.replayed and second.order.customer_id == "cust-2"
    assert key_of().key_hash != key_of(customer_id="cust-2").key_hash
    with pytest.raises(IdempotencyKeyReused):
        await create(repo, legacy, clock, body=order_body(quantity=9))
    assert {o.order_id for o in repo.orders.values()} == {
        first.order.order_id,
        second.order.order_id,
    }


def legacy_record(clock: Clock, *, response: str | None) -> IdempotencyRecord:
    key = key_of()
    return IdempotencyRecord(
        key_hash=key.legacy_hash,
        request_hash=key.request_hash,
        order_id="order-old",
        expires_at=format_time(clock.now) + "~",  # after now, whatever the precision
        response=response,
    )


async def test_a_completed_record_of_before_is_replayed_as_stored(repo, legacy, clock) -> None:
    public = {**order_body(), "order_id": "order-old", "status": "PENDING"}
    public |= {"created_at": "t", "updated_at": "t"}
    stored = encode_json({"order": public, "etag": "etag-old"})
    legacy.records[key_of().legacy_hash] = legacy_record(clock, response=stored)
    again = await create(repo, legacy, clock)
    assert again.replayed and (again.order.order_id, again.order.etag) == ("order-old", "etag-old")
    assert repo.orders == {} and repo.keys == {}
    with pytest.raises(IdempotencyKeyReused):
        await create(repo, legacy, clock, body=order_body(quantity=3))


async def test_an_unfinished_record_of_before_is_resumed_once(repo, legacy, clock) -> None:
    """Claimed by the old flow, whose order was never written: this create writes it, with
    the id the record names, and its record in the new place; the next one replays it."""
    legacy.records[key_of().legacy_hash] = legacy_record(clock, response=None)
    first = await create(repo, legacy, clock, new_id=lambda _: "order-new")
    again = await create(repo, legacy, clock, new_id=lambda _: "order-newer")
    assert (first.replayed, again.replayed) == (False, True)
    assert first.order.order_id == again.order.order_id == "order-old"
    assert list(repo.orders) == ["order-old"] and len(repo.keys) == 1


async def test_an_expired_record_of_before_is_ignored(repo, legacy, clock) -> None:
    record = legacy_record(clock, response=None)
    legacy.records[key_of().legacy_hash] = replace(record, expires_at=format_time(clock.now))
    made = await create(repo, legacy, clock, new_id=lambda _: "order-new")
    assert not made.replayed and list(repo.orders) == ["order-new"]
