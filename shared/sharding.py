"""Where an order, its events and a customer's read-model rows live when the app is spread
over several event queues and storage accounts (docs/scaling.md). Pure functions, no I/O.

Each placement takes its own slice of one SHA-256 digest, so the queue an order's events
take does not follow its table partition. With one queue and one account every function
answers what the app did before sharding: queue `order-events`, partitions `p00`..`p15`
(shared.orders.table_layout keeps that layout), account 0.

- An order's **bucket** picks its account and its partition together: bucket b of
  PARTITIONS x accounts is account b // PARTITIONS, partition b % PARTITIONS. An order and
  its outbox and index rows share one partition, so a transaction never spans accounts.
- An order's **queue**: every event of one order goes to the same queue.
- Queue i lives in account i % accounts.
- A **customer's** OrdersByCustomer partition lives in one account; an order's summary row
  lives in its order's account (the summary is keyed by order, and every call names it).
- An Idempotency-Key record lives in the account its hashed key picks.

Changing the number of accounts moves orders between accounts: it is a deployment decision,
not a setting to turn at run time (docs/scaling.md says what a change needs).
"""

from __future__ import annotations

import hashlib
import itertools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "ORDER_EVENTS_QUEUE",
    "PARTITIONS",
    "balanced_order_ids",
    "customer_account",
    "key_account",
    "order_bucket",
    "queue_account",
    "queue_index",
    "queue_name",
    "queue_names",
]

# The event queue's name with one queue; shard i of several is `order-events-{i}`.
ORDER_EVENTS_QUEUE = "order-events"
# Hash buckets (table partitions) per account: fixed, as changing it re-keys every order.
PARTITIONS = 16


def _number(value: str, start: int) -> int:
    return int.from_bytes(hashlib.sha256(value.encode()).digest()[start : start + 4], "big")


def order_bucket(order_id: str, accounts: int = 1) -> tuple[int, int]:
    """(account, partition number) of an order."""
    return divmod(_number(order_id, 0) % (PARTITIONS * accounts), PARTITIONS)


def queue_index(order_id: str, queues: int) -> int:
    """The queue every event of `order_id` goes to."""
    return _number(order_id, 4) % queues


def queue_name(index: int, queues: int) -> str:
    return ORDER_EVENTS_QUEUE if queues == 1 else f"{ORDER_EVENTS_QUEUE}-{index}"


def queue_names(queues: int) -> tuple[str, ...]:
    return tuple(queue_name(index, queues) for index in range(queues))


def queue_account(index: int, accounts: int) -> int:
    """The account queue `index` lives in."""
    return index % accounts


def customer_account(customer_id: str, accounts: int) -> int:
    """The account of a customer's OrdersByCustomer partition."""
    return _number(customer_id, 0) % accounts


def key_account(key_hash: str, accounts: int) -> int:
    """The account of an Idempotency-Key record (its key is already a SHA-256, in hex)."""
    return _number(key_hash, 0) % accounts


def balanced_order_ids(accounts: int) -> Callable[[], str]:
    """New order ids (UUIDs) whose buckets take the accounts in turn, so that the orders
    one process creates spread evenly over the accounts from the first order on, not only
    on average: hashing alone leaves 1,000 orders over 3 accounts up to ~10% off even about
    one time in twenty. Each id costs `accounts` tries on average; with one account, one."""
    import uuid  # here, not at the top: uuid loads `platform`, a cost every cold start paid

    turn = itertools.count()

    def new_id() -> str:
        wanted = next(turn) % accounts
        while True:
            candidate = str(uuid.uuid4())
            if order_bucket(candidate, accounts)[0] == wanted:
                return candidate

    return new_id
