"""Where an order, its events and a customer's read-model rows live when the app is spread
over several event queues and storage accounts (docs/scaling.md). Pure functions, no I/O.

Each placement takes its own slice of a SHA-256 digest, so the queue an order's events take
does not follow its table partition. With one queue and one account: queue `order-events`,
partitions `p00`..`p15` (shared.orders.table_layout keeps that layout), account 0.

- An order's **bucket** picks its account and its partition together: bucket b of
  PARTITIONS x accounts is account b // PARTITIONS, partition b % PARTITIONS. An order and
  its outbox and index rows share one partition, so a transaction never spans accounts.
  The bucket is a pure function of the order id, so a read by id needs nothing else.
- A **customer's bucket** is where their new orders go: `order_id_for` draws order ids until
  one's bucket is the customer's. So every order a customer made since then, and its
  customer-index row, sits in one partition of one account, and their listing is one RowKey
  range there (docs/storage-design.md). Accounts and partitions fill by customer: evenly
  over many customers, one heavy customer stays in one partition (docs/scaling.md).
- An order's **queue**: every event of one order goes to the same queue.
- Queue i lives in account i % accounts.
- A **customer's** OrdersByCustomer partition lives in one account; an order's summary row
  lives in its order's account (the summary is keyed by order, and every call names it).
- An Idempotency-Key record lives with the order it made, in its partition (issue 33);
  `key_account` only finds the records written before, in their own table.

Changing the number of accounts moves orders between accounts: it is a deployment decision,
not a setting to turn at run time (docs/scaling.md says what a change needs).
"""

from __future__ import annotations

import hashlib
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = [
    "ORDER_EVENTS_QUEUE",
    "PARTITIONS",
    "customer_account",
    "customer_bucket",
    "key_account",
    "order_bucket",
    "order_id_for",
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
    """The account of an Idempotency-Key record written before issue 33, in its own table
    (its key is already a SHA-256, in hex; shared.orders.legacy_keys)."""
    return _number(key_hash, 0) % accounts


def customer_bucket(customer_id: str, accounts: int = 1) -> tuple[int, int]:
    """(account, partition number) of a customer's new orders: bytes 8-12 of the customer
    id's digest, so it does not follow the customer's read-model account (bytes 0-4). As for
    an order, the partition does not depend on `accounts` (PARTITIONS divides the modulus)."""
    return divmod(_number(customer_id, 8) % (PARTITIONS * accounts), PARTITIONS)


def order_id_for(customer_id: str, accounts: int = 1) -> str:
    """A new order id (a random version-4 UUID, as ever) whose bucket is `customer_id`'s:
    candidates are drawn until one hashes into it, PARTITIONS x `accounts` draws on average
    (one SHA-256 each, the random bytes fetched 64 candidates at a time; docs/benchmarks.md
    has the cost). The id alone still names the order's partition and account, so ids made
    before this placement keep working."""
    buckets = PARTITIONS * accounts
    account, partition = customer_bucket(customer_id, accounts)
    wanted = account * PARTITIONS + partition
    while True:
        for candidate in _random_uuids(64):
            digest = hashlib.sha256(candidate.encode()).digest()
            if int.from_bytes(digest[:4], "big") % buckets == wanted:
                return candidate


def _random_uuids(count: int) -> Iterator[str]:
    """`count` random version-4 UUIDs (RFC 9562) in canonical form, from one os.urandom."""
    pool = bytearray(os.urandom(16 * count))
    for start in range(0, len(pool), 16):
        raw = pool[start : start + 16]
        raw[6] = raw[6] & 0x0F | 0x40  # version 4
        raw[8] = raw[8] & 0x3F | 0x80  # the RFC variant
        h = raw.hex()
        yield f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
