"""Where orders, events and read-model rows go with N event queues and K storage accounts
(shared.sharding), the settings that set N, and the function set the app registers for them.
With one queue and one account every answer is what the app did before sharding."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path

import pytest

from shared.changes.publisher import ShardedEventPublisher
from shared.config import SettingsError, load_settings
from shared.orders.events import OrderEvent
from shared.orders.table_layout import customer_partition, key_keys, partition_of
from shared.sharding import (
    PARTITIONS,
    customer_account,
    customer_bucket,
    order_bucket,
    order_id_for,
    queue_account,
    queue_index,
    queue_names,
)
from tests.unit.changes.conftest import History

ROOT = Path(__file__).resolve().parents[2]
BASE = {"AUTH_REQUIRED": "false", "AzureWebJobsStorage": "UseDevelopmentStorage=true"}
IDS = [str(uuid.UUID(int=n * 7919 + 1)) for n in range(12_000)]


def test_one_queue_and_one_account_keep_the_names_and_partitions_of_old() -> None:
    assert queue_names(1) == ("order-events",)
    assert {queue_index(order_id, 1) for order_id in IDS} == {0}
    assert all(order_bucket(i, 1) == (0, int(partition_of(i)[1:])) for i in IDS[:2000])


def test_n_queues_are_named_by_index() -> None:
    assert queue_names(4) == (
        "order-events-0",
        "order-events-1",
        "order-events-2",
        "order-events-3",
    )
    assert [queue_account(index, 3) for index in range(4)] == [0, 1, 2, 0]


def test_an_order_keeps_its_partition_whatever_the_number_of_accounts() -> None:
    """The partition inside an account is the bucket of old: PARTITIONS divides every
    PARTITIONS x K, so growing K moves orders between accounts but never re-keys a row."""
    for order_id in IDS[:2000]:
        account, bucket = order_bucket(order_id, 3)
        assert f"p{bucket:02d}" == partition_of(order_id) and 0 <= account < 3


@pytest.mark.parametrize(("shards", "place"), [(4, queue_index), (3, customer_account)])
def test_ids_spread_evenly(shards: int, place: object) -> None:
    counts = Counter(place(order_id, shards) for order_id in IDS)  # type: ignore[operator]
    assert set(counts) == set(range(shards))
    even = len(IDS) / shards
    assert all(abs(count - even) <= 0.05 * even for count in counts.values()), counts


def test_orders_spread_evenly_over_accounts_and_partitions() -> None:
    counts = Counter(order_bucket(order_id, 3) for order_id in IDS)
    assert len(counts) == 3 * PARTITIONS
    per_account = Counter(account for account, _ in counts.elements())
    assert all(abs(n - 4000) <= 200 for n in per_account.values()), per_account


def test_queue_and_partition_are_independent() -> None:
    """One partition's orders use every queue (so a hot partition is not a hot queue)."""
    same_partition = [order_id for order_id in IDS if partition_of(order_id) == "p03"]
    assert {queue_index(order_id, 4) for order_id in same_partition} == {0, 1, 2, 3}


class Recording:
    def __init__(self) -> None:
        self.sent: list[OrderEvent] = []
        self.parked: list[bytes] = []

    async def publish(self, event: OrderEvent) -> None:
        self.sent.append(event)

    async def dead_letter(self, body: bytes, *, reason: str) -> None:
        self.parked.append(body)


async def test_every_event_of_one_order_goes_to_the_same_queue() -> None:
    shards = [Recording() for _ in range(4)]
    publisher = ShardedEventPublisher(shards)  # type: ignore[arg-type]
    histories = [History().change(quantity=3).delete() for _ in range(40)]
    for history in histories:
        for event in history.events:
            await publisher.publish(event)
    for index, shard in enumerate(shards):
        assert all(queue_index(e.order_id, 4) == index for e in shard.sent)
    assert sum(len(shard.sent) for shard in shards) == 40 * 3
    assert all(shard.sent for shard in shards)
    assert publisher.shard(2) is shards[2]  # type: ignore[comparison-overlap]


@pytest.mark.parametrize("value", ["0", "65", "four", "-1", "1.5"])
def test_the_number_of_queues_is_checked(value: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(BASE | {"ORDER_EVENT_QUEUES": value})
    [problem] = raised.value.problems
    assert problem.name == "ORDER_EVENT_QUEUES" and "from 1 to 64" in problem.rule


def test_the_number_of_queues_is_read_with_one_by_default() -> None:
    assert load_settings(BASE).event_queues == 1
    assert load_settings(BASE | {"ORDER_EVENT_QUEUES": " 8 "}).event_queues == 8


def _registered(env: dict[str, str]) -> dict[str, dict[str, str]]:
    """The change feed's queue-triggered functions as a fresh worker process indexes them."""
    code = (
        "import json; from function_app import app; print(json.dumps({f.get_function_name(): "
        "[b for b in json.loads(f.get_function_json())['bindings'] "
        "if b['type'] == 'queueTrigger'][0] for f in app.get_functions() "
        "if f.get_function_name().startswith('process_order_event')}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    found: dict[str, dict[str, str]] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_one_queue_triggered_function_per_queue_from_the_setting_at_import() -> None:
    one = _registered({})
    assert {name: b["queueName"] for name, b in one.items()} == {
        "process_order_event": "order-events"
    }
    four = _registered({"ORDER_EVENT_QUEUES": "4"})
    assert {name: b["queueName"] for name, b in four.items()} == {
        f"process_order_event_{i}": f"order-events-{i}" for i in range(4)
    }
    assert {b["connection"] for b in four.values()} == {"AzureWebJobsStorage"}


def test_a_refused_number_of_queues_still_indexes_one_consumer() -> None:
    """The settings check reports it (503 misconfigured); the app still shows its functions."""
    assert list(_registered({"ORDER_EVENT_QUEUES": "many"})) == ["process_order_event"]


CONNECTIONS = "AzureWebJobsStorage,OrdersStorage1,OrdersStorage2"
KEYED = (
    "DefaultEndpointsProtocol=https;AccountName={};AccountKey=azE=;EndpointSuffix=core.windows.net"
)


def test_order_accounts_are_read_as_connections() -> None:
    settings = load_settings(
        BASE
        | {
            "ORDER_STORAGE_CONNECTIONS": f" {CONNECTIONS} ",
            "OrdersStorage1": KEYED.format("orders1"),
            "OrdersStorage2__accountName": "orders2",
            "OrdersStorage2__credential": "managedidentity",
            "OrdersStorage2__clientId": "00000000-0000-0000-0000-000000000002",
        }
    )
    assert settings.order_connections == tuple(CONNECTIONS.split(","))
    first, second, third = settings.order_storage
    assert first is settings.storage
    assert second.connection_string == KEYED.format("orders1")
    assert (third.table_uri, third.credential, third.client_id) == (
        "https://orders2.table.core.windows.net",
        "managedidentity",
        "00000000-0000-0000-0000-000000000002",
    )
    assert load_settings(BASE).order_storage == (load_settings(BASE).storage,)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        (
            {"ORDER_STORAGE_CONNECTIONS": "AzureWebJobsStorage,AzureWebJobsStorage"},
            "ORDER_STORAGE_CONNECTIONS",
        ),
        ({"ORDER_STORAGE_CONNECTIONS": "Orders Storage"}, "ORDER_STORAGE_CONNECTIONS"),
        (
            {"ORDER_STORAGE_CONNECTIONS": ",".join(f"S{i}" for i in range(33))},
            "ORDER_STORAGE_CONNECTIONS",
        ),
        ({"ORDER_STORAGE_CONNECTIONS": "AzureWebJobsStorage,Missing"}, "Missing"),
        ({"ORDER_STORAGE_CONNECTIONS": "A", "A": "not a connection"}, "A"),
        ({"ORDER_STORAGE_CONNECTIONS": "A", "A__accountName": "Bad_Name"}, "A__accountName"),
        (
            {"ORDER_STORAGE_CONNECTIONS": "A", "A__accountName": "ok1", "A__credential": "x"},
            "A__credential",
        ),
    ],
)
def test_a_bad_order_account_is_named(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(BASE | env)
    assert named in [problem.name for problem in raised.value.problems]
    assert "not a connection" not in raised.value.detail


def test_each_queue_trigger_binds_to_the_connection_of_its_account() -> None:
    found = _registered({"ORDER_EVENT_QUEUES": "4", "ORDER_STORAGE_CONNECTIONS": CONNECTIONS})
    assert {name: b["connection"] for name, b in found.items()} == {
        "process_order_event_0": "AzureWebJobsStorage",
        "process_order_event_1": "OrdersStorage1",
        "process_order_event_2": "OrdersStorage2",
        "process_order_event_3": "AzureWebJobsStorage",
    }
    unreadable = _registered({"ORDER_STORAGE_CONNECTIONS": "a,a"})
    assert {b["connection"] for b in unreadable.values()} == {"AzureWebJobsStorage"}


CUSTOMERS = [f"c-{n}" for n in range(12_000)]


@pytest.mark.parametrize("accounts", [1, 3, 32])
def test_a_new_order_id_is_a_uuid_in_its_customers_bucket(accounts: int) -> None:
    """So the customer's orders and their index rows share one partition of one account,
    while the id alone still names both (old ids keep working)."""
    for customer in CUSTOMERS[:40]:
        order_id = order_id_for(customer, accounts)
        parsed = uuid.UUID(order_id)
        assert (str(parsed), parsed.version, parsed.variant) == (order_id, 4, uuid.RFC_4122)
        assert order_bucket(order_id, accounts) == customer_bucket(customer, accounts)
        assert partition_of(order_id) == customer_partition(customer)
    made = {order_id_for("c-1", accounts) for _ in range(200)}
    assert len(made) == 200  # random: the bucket is drawn for, never made up


def test_a_customers_partition_is_the_same_whatever_the_number_of_accounts() -> None:
    for customer in CUSTOMERS[:2000]:
        assert customer_bucket(customer, 3)[1] == customer_bucket(customer, 1)[1]


def test_customers_spread_evenly_over_accounts_and_partitions() -> None:
    """Orders now fill the accounts by customer: even over many customers (one heavy
    customer stays in one partition: docs/scaling.md)."""
    counts = Counter(customer_bucket(customer, 3) for customer in CUSTOMERS)
    assert len(counts) == 3 * PARTITIONS
    assert all(abs(n - 250) <= 0.25 * 250 for n in counts.values()), counts
    per_account = Counter(account for account, _ in counts.elements())
    assert all(abs(n - 4000) <= 200 for n in per_account.values()), per_account


def test_keyed_orders_and_their_key_records_spread_evenly_over_the_buckets() -> None:
    """A keyed order's record is written in its order's partition and account (issue 33),
    the order in its customer's bucket: so the records fill the 16 x K buckets as customers
    do, evenly over many customers by the hash alone, and each sits beside its customer's
    listing. (Not in turn per process: placement by customer took that away, issue 28.)"""
    counts: Counter[tuple[int, str]] = Counter()
    for customer in CUSTOMERS:
        order_id = order_id_for(customer, 3)
        partition, row = key_keys(order_id, "a" * 64)
        assert partition == customer_partition(customer) and row == "idem:" + "a" * 64
        counts[(order_bucket(order_id, 3)[0], partition)] += 1
    assert len(counts) == 3 * PARTITIONS
    assert all(abs(n - 250) <= 0.25 * 250 for n in counts.values()), counts
    per_account = Counter(account for account, _ in counts.elements())
    assert all(abs(n - 4000) <= 200 for n in per_account.values()), per_account


def test_a_customers_orders_and_read_model_are_placed_independently() -> None:
    """Different slices of the digest: the account of a customer's orders does not decide
    the account of their OrdersByCustomer partition."""
    same = sum(
        customer_bucket(customer, 3)[0] == customer_account(customer, 3) for customer in CUSTOMERS
    )
    assert abs(same - len(CUSTOMERS) / 3) <= 0.05 * len(CUSTOMERS)
