"""Idempotency-Key records in the order's own transaction (issue 33), on Azurite, through the
app's registered create function, with every storage request counted by a proxy
(bench.storage_proxy): a keyed create costs what an unkeyed one does, a process killed after
its commit and before its answer leaves an order its retry replays, two creates with one key
make one order and give one answer, and records written before are honoured while they can
be alive."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from azure.data.tables.aio import TableServiceClient

from bench.storage_proxy import CountingProxy
from shared import bootstrap
from shared.config import UPLOADS_CONNECTION
from shared.jsoncodec import encode_json
from shared.orders import services
from shared.orders.errors import IdempotencyKeyReused
from shared.orders.idempotency import IdempotencyKey
from shared.orders.legacy_keys import MARKER, TableLegacyKeys
from shared.orders.model import format_time
from shared.orders.repository import OrderQuery
from shared.orders.validation import parse_draft
from tests.e2e.harness import ROOT
from tests.support import BACK_OFFICE, call_http, json_of, point_app_at

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from azure.data.tables.aio import TableClient

    from devhost.azurite import Azurite

BATCH, SEND = "table POST $batch(write)", "queue POST order-events messages"
LEGACY_READ = "table GET IdempotencyKeys point read"


@pytest.fixture
async def proxy(storage_env: Azurite, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Any]:
    counting = CountingProxy(storage_env)
    await point_app_at(monkeypatch, counting.connection_string())
    yield counting
    await bootstrap.reset()
    counting.close()


def body_for(customer: str, quantity: int = 1) -> dict[str, Any]:
    return {"customer_id": customer, "product_id": "p-1", "quantity": quantity, "total_amount": 5}


async def create(customer: str, key: str | None = None, quantity: int = 1) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return await call_http(
        "create_order", "POST", body=body_for(customer, quantity), headers=headers
    )


def counted(proxy: CountingProxy) -> dict[str, int]:
    return {str(kind): count for kind, count in proxy.take().items()}


async def settled(proxy: CountingProxy) -> None:
    """Sent outbox rows deleted now, not by the cleanup's timer during a measured call."""
    await (await bootstrap.outbox_cleanup()).flush()
    proxy.take()


async def orders_of(customer: str) -> list[str]:
    page = await (await bootstrap.order_repository()).query(
        OrderQuery(customer_id=customer), limit=100, continuation=None
    )
    return [order.order_id for order in page.items]


async def test_a_keyed_create_is_one_transaction_and_one_send(
    proxy: CountingProxy, storage_env: Azurite
) -> None:
    """As an unkeyed one. The first keyed create of a process also looks once for the table
    of records written before issue 33 (none here); no later one does."""
    async with TableServiceClient.from_connection_string(storage_env.connection_string) as service:
        await service.delete_table("IdempotencyKeys")  # no deployment before issue 33 here
    await create(f"c-{uuid.uuid4().hex[:8]}")  # the process's clients, its first send
    await settled(proxy)
    customer = f"c-{uuid.uuid4().hex[:8]}"
    first = await create(customer, f'"{uuid.uuid4()}"')
    assert first.status_code == 201 and counted(proxy) == {BATCH: 1, SEND: 1, LEGACY_READ: 1}
    for key in (None, f'"{uuid.uuid4()}"', f'"{uuid.uuid4()}"'):
        await settled(proxy)
        response = await create(customer, key)
        assert response.status_code == 201 and "Idempotency-Replayed" not in response.headers
        assert counted(proxy) == {BATCH: 1, SEND: 1}, key


async def test_two_creates_with_one_key_make_one_order_and_one_answer(
    proxy: CountingProxy,
) -> None:
    """Both send the transaction; storage commits one, and the other's record insert is
    refused, so it reads the record and the order and answers the same: 201, body, ETag."""
    await create(f"c-{uuid.uuid4().hex[:8]}", f'"{uuid.uuid4()}"')  # first use, as above
    for _ in range(4):
        customer, key = f"c-{uuid.uuid4().hex[:8]}", f'"{uuid.uuid4()}"'
        await settled(proxy)
        first, second = await asyncio.gather(create(customer, key), create(customer, key))
        assert (first.status_code, second.status_code) == (201, 201)
        assert json_of(first) == json_of(second)
        assert first.headers["ETag"] == second.headers["ETag"]
        replayed = [r.headers.get("Idempotency-Replayed") for r in (first, second)]
        assert sorted(map(str, replayed)) == ["None", "true"]
        counts = Counter(counted(proxy))
        assert (counts[BATCH], counts[SEND]) == (2, 1)  # both tried; one order, one event
        assert await orders_of(customer) == [json_of(first)["order_id"]]


CREATE_IN_A_PROCESS = """
import asyncio, json, sys
from tests.support import call_http

async def main() -> None:
    body, key = json.loads(sys.argv[1]), sys.argv[2]
    answer = await call_http("create_order", "POST", body=body, headers={"Idempotency-Key": key})
    print("answered", answer.status_code, flush=True)

asyncio.run(main())
"""


async def test_a_create_killed_after_its_commit_is_replayed_by_its_retry(
    proxy: CountingProxy, storage_env: Azurite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process runs the registered create through the proxy, which passes the transaction
    to storage and withholds storage's answer; once storage has answered, the process is
    killed. The order was committed and its answer lost: the retry with the same key (this
    process, straight to storage) answers that order, 201, never a 409 or a second order."""
    customer, key = f"c-{uuid.uuid4().hex[:8]}", f'"{uuid.uuid4()}"'
    held = proxy.hold_answers(BATCH)
    env = {**os.environ, "AzureWebJobsStorage": proxy.connection_string()}
    env[UPLOADS_CONNECTION] = env["AzureWebJobsStorage"]
    args = [sys.executable, "-c", CREATE_IN_A_PROCESS, json.dumps(body_for(customer)), key]
    process = await asyncio.create_subprocess_exec(
        *args, cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE
    )
    try:
        assert await asyncio.to_thread(held.wait, 120), "the create never reached storage"
    finally:
        process.kill()
        out = (await process.communicate())[0].decode()
    assert "answered" not in out
    await point_app_at(monkeypatch, storage_env.connection_string)
    [committed] = await orders_of(customer)  # the transaction was whole
    retry = await create(customer, key)
    assert retry.status_code == 201, retry.get_body()
    assert retry.headers["Idempotency-Replayed"] == "true"
    assert json_of(retry)["order_id"] == committed
    assert await orders_of(customer) == [committed]


async def test_a_replay_of_a_deleted_order_answers_it_as_created(storage_env: Azurite) -> None:
    customer, key = f"c-{uuid.uuid4().hex[:8]}", f'"{uuid.uuid4()}"'
    made = await create(customer, key)
    route = {"order_id": json_of(made)["order_id"]}
    deleted = await call_http("delete_order", "DELETE", route_params=route)
    assert deleted.status_code == 204
    again = await create(customer, key)
    assert again.status_code == 201 and again.headers["Idempotency-Replayed"] == "true"
    assert json_of(again) == json_of(made) and "ETag" not in again.headers
    assert await orders_of(customer) == []
    other = await create(customer, key, quantity=2)
    assert other.status_code == 422


async def test_an_expired_record_gives_its_key_to_the_next_order(storage_env: Azurite) -> None:
    customer, key = f"c-{uuid.uuid4().hex[:8]}", f'"{uuid.uuid4()}"'
    repo = await bootstrap.order_repository()
    then = datetime.now(UTC) - timedelta(hours=25)
    old = await services.create_order(
        body_for(customer), caller=BACK_OFFICE, repo=repo, idempotency_key=key, clock=lambda: then
    )
    new = await services.create_order(
        body_for(customer, 3), caller=BACK_OFFICE, repo=repo, idempotency_key=key
    )
    assert not new.replayed and new.order.order_id != old.order.order_id
    again = await services.create_order(
        body_for(customer, 3), caller=BACK_OFFICE, repo=repo, idempotency_key=key
    )
    assert again.replayed and again.order.order_id == new.order.order_id
    assert sorted(await orders_of(customer)) == sorted([old.order.order_id, new.order.order_id])


async def _old_table(connection: str) -> TableClient:
    """A table of records as written before issue 33, of its own name (the session's
    Azurite serves other tests, whose processes must find no such table)."""
    from azure.data.tables.aio import TableClient

    client = TableClient.from_connection_string(connection, f"OldKeys{uuid.uuid4().hex[:10]}")
    await client.create_table()
    return client


async def test_records_written_before_are_read_while_they_can_be_alive(
    proxy: CountingProxy, storage_env: Azurite
) -> None:
    customer, key = f"c-{uuid.uuid4().hex[:8]}", f'"{uuid.uuid4()}"'
    repo = await bootstrap.order_repository()
    earlier = (await services.create_order(body_for(customer), caller=BACK_OFFICE, repo=repo)).order
    hashed = IdempotencyKey.of(key, caller=BACK_OFFICE, draft=parse_draft(body_for(customer)))
    now = datetime.now(UTC)
    async with await _old_table(proxy.connection_string()) as old:
        await old.create_entity(
            {
                "PartitionKey": hashed.legacy_hash,
                "RowKey": "key",
                "request_hash": hashed.request_hash,
                "order_id": earlier.order_id,
                "expires_at": format_time(now + timedelta(hours=23)),
                "response": encode_json({"order": earlier.to_public(), "etag": earlier.etag}),
            }
        )
        proxy.take()

        async def keyed(legacy: TableLegacyKeys, quantity: int = 1) -> services.CreateResult:
            return await services.create_order(
                body_for(customer, quantity),
                caller=BACK_OFFICE,
                repo=repo,
                legacy_keys=legacy,
                idempotency_key=key,
            )

        reading = TableLegacyKeys([old])  # a process of the new version, the first one
        replayed = await keyed(reading)
        assert replayed.replayed and replayed.order == earlier  # as stored: body and ETag
        marker = await old.get_entity(*MARKER)
        assert abs(datetime.fromisoformat(marker["at"]) - now) < timedelta(minutes=5)
        with pytest.raises(IdempotencyKeyReused):
            await keyed(reading, quantity=2)
        moved = format_time(now - timedelta(hours=26))
        await old.update_entity({"PartitionKey": MARKER[0], "RowKey": MARKER[1], "at": moved})
        await settled(proxy)
        later = await keyed(TableLegacyKeys([old]))  # a process started after the window
        assert not later.replayed and later.order.order_id != earlier.order_id
        counts = counted(proxy)
        assert counts[f"table GET {old.table_name} point read"] == 1  # the marker, once
        assert (counts[BATCH], len(counts)) == (1, 3)  # and the order's transaction and send
