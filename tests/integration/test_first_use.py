"""Tables, queues and containers: the app assumes them, and creates one only when storage says
it is missing (shared/provisioning.py).

Each test has a storage account of its own (one Azurite serves three) behind the counting
proxy (bench/storage_proxy.py), so every request the app makes is seen where Azure would see
it, and the app's first use of each function runs on storage that is either fully
provisioned, as infra/ leaves it, or empty.
"""

from __future__ import annotations

import base64
import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

import azure.functions as func
import pytest
from azure.data.tables import TableServiceClient
from azure.storage.blob import BlobServiceClient
from azure.storage.queue import QueueServiceClient

from bench.storage_proxy import CountingProxy, RequestKind
from devhost.azurite import free_port, start_azurite
from shared import bootstrap
from shared.azurite import ACCOUNT, KEY, ORDER_ACCOUNTS
from tests.deploy.app_model import required_storage
from tests.support import call_http, invoke, json_of, point_app_at
from tests.unit.images import factories as f

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from devhost.azurite import Azurite

# What the app itself uses (the host's own containers and queues are the host's business).
APP_STORAGE = {
    kind: {name for name in names if "*" not in name and "webjobs" not in name}
    for kind, names in required_storage().items()
}
# The queues the app sends to on every path used here: the others are written by others (a
# poison twin when a message is parked; `uploads-rejected` by Event Grid) and only read by
# the host, so nothing in the app would make them on first use; infra/ does.
APP_SENDS_TO = {"order-events"}


@pytest.fixture(scope="module")
def storage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Azurite, CountingProxy]]:
    """One Azurite serving three empty accounts (one per test), behind the counting proxy."""
    location = tmp_path_factory.mktemp("first-use")
    azurite = start_azurite(location, log_file=location / "azurite.log", accounts=ORDER_ACCOUNTS)
    proxy = CountingProxy(azurite)
    yield azurite, proxy
    proxy.close()
    azurite.stop()


@dataclass
class Account:
    direct: str  # the account's connection string, not counted
    proxy: CountingProxy

    def take(self) -> dict[RequestKind, int]:
        return self.proxy.take()


async def use(
    storage: tuple[Azurite, CountingProxy], name: str, monkeypatch: pytest.MonkeyPatch
) -> Account:
    """Point the app at account `name` of the shared Azurite, through the proxy."""
    azurite, proxy = storage
    await point_app_at(
        monkeypatch, proxy.connection_string(name, {ACCOUNT: KEY, **ORDER_ACCOUNTS}[name])
    )
    proxy.take()
    direct = azurite.connection_string if name == ACCOUNT else azurite.connection_string_of(name)
    return Account(direct, proxy)


@pytest.fixture
async def forget_clients() -> AsyncIterator[None]:
    yield
    await bootstrap.reset()


def provision(connection: str) -> None:
    """What infra/ creates for the app (tests/deploy/test_consistency.py holds it to the code)."""
    tables = TableServiceClient.from_connection_string(connection)
    for name in APP_STORAGE["tables"]:
        tables.create_table(name)
    queues = QueueServiceClient.from_connection_string(connection)
    for name in APP_STORAGE["queues"]:
        queues.create_queue(name)
    blobs = BlobServiceClient.from_connection_string(connection)
    for name in APP_STORAGE["containers"]:
        blobs.create_container(name)


def existing(connection: str) -> dict[str, set[str]]:
    return {
        "tables": {
            t.name for t in TableServiceClient.from_connection_string(connection).list_tables()
        },
        "queues": {
            q.name for q in QueueServiceClient.from_connection_string(connection).list_queues()
        },
        "containers": {
            c.name for c in BlobServiceClient.from_connection_string(connection).list_containers()
        },
    }


def creates(counts: dict[RequestKind, int]) -> dict[str, int]:
    """Create Table, Create Queue and Create Container requests among `counts`."""
    made = {
        str(kind): count
        for kind, count in counts.items()
        if (kind.service, kind.verb, kind.what) == ("table", "POST", "Tables")
        or (kind.service == "queue" and kind.verb == "PUT" and kind.what.endswith(" queue"))
        or (kind.service == "blob" and kind.verb == "PUT" and kind.what.endswith(" container"))
    }
    return made


async def use_every_path(direct: str, *, ticket: bool) -> None:
    """The first use of each kind of work: an order's create, read and listing, its event
    through the consumer into both read models, their reads, (with `ticket`) an upload URL,
    an upload's thumbnail and status, and the health check."""
    customer = f"c-{uuid.uuid4().hex[:8]}"
    body = {"customer_id": customer, "product_id": "p", "quantity": 1, "total_amount": 2}
    headers = {"Idempotency-Key": f'"{uuid.uuid4().hex}"'}
    created = await call_http("create_order", "POST", body=body, headers=headers)
    assert created.status_code == 201, created.get_body()
    order_id = json_of(created)["order_id"]
    read = await call_http("get_order", "GET", route_params={"order_id": order_id})
    assert read.status_code == 200
    listed = await call_http("list_orders", "GET", params={"customer_id": customer})
    assert [o["order_id"] for o in json_of(listed)["items"]] == [order_id]
    queue = QueueServiceClient.from_connection_string(direct)
    (message,) = queue.get_queue_client("order-events").receive_messages()
    event = func.QueueMessage(id=message.id, body=base64.b64decode(message.content))
    await invoke("process_order_event", event)
    view = await call_http("list_customer_orders", "GET", route_params={"customer_id": customer})
    assert [o["order_id"] for o in json_of(view)["items"]] == [order_id]
    report = await call_http("get_order_report", "GET")
    assert report.status_code == 200
    if ticket:
        upload = {"name": "a.png", "content_type": "image/png"}
        assert (await call_http("create_image_upload", "POST", body=upload)).status_code == 200
    await make_a_thumbnail(direct)
    assert (await call_http("health", "GET")).status_code == 200


async def make_a_thumbnail(direct: str) -> None:
    """Upload straight to storage (a client's PUT, not the app's), then run the trigger."""
    blobs = BlobServiceClient.from_connection_string(direct)
    name = f"first/{uuid.uuid4().hex[:8]}.png"
    data = f.encode(f.quadrants(), "PNG")
    client = blobs.get_blob_client("uploads", name)
    client.upload_blob(data, overwrite=True)
    props = client.get_blob_properties()
    stream = func.blob.InputStream(
        data=data,
        name=f"uploads/{name}",
        uri=client.url,
        length=len(data),
        blob_properties={"ETag": props.etag, "LastModified": props.last_modified.isoformat()},
    )
    await invoke("make_thumbnail", stream)
    status = await call_http("get_image_status", "GET", route_params={"name": name})
    assert json_of(status)["status"] == "ready", json_of(status)


async def test_with_everything_provisioned_no_request_creates_anything(
    storage: tuple[Azurite, CountingProxy], monkeypatch: pytest.MonkeyPatch, forget_clients: None
) -> None:
    account = await use(storage, "devorders1", monkeypatch)
    provision(account.direct)
    await use_every_path(account.direct, ticket=False)
    counts = account.take()
    assert sum(counts.values()) > 10  # the app did reach storage through the proxy
    assert creates(counts) == {}


async def test_on_empty_storage_everything_is_created_on_first_use(
    storage: tuple[Azurite, CountingProxy], monkeypatch: pytest.MonkeyPatch, forget_clients: None
) -> None:
    account = await use(storage, "devorders2", monkeypatch)
    assert existing(account.direct) == {"tables": set(), "queues": set(), "containers": set()}
    await use_every_path(account.direct, ticket=True)
    made = existing(account.direct)
    assert made["tables"] >= APP_STORAGE["tables"]
    assert made["queues"] >= APP_SENDS_TO
    assert made["containers"] >= APP_STORAGE["containers"]
    assert creates(account.take())  # and the app made them, through the proxy


async def warm_up() -> None:
    """The registered warmup function, as the host runs it on an instance scale-out adds."""
    await invoke("warmup", func.warmup.WarmUpContext())


async def test_the_warmup_leaves_storage_ready_and_the_first_request_creates_nothing(
    storage: tuple[Azurite, CountingProxy], monkeypatch: pytest.MonkeyPatch, forget_clients: None
) -> None:
    account = await use(storage, ACCOUNT, monkeypatch)
    await warm_up()
    warming = account.take()
    made = existing(account.direct)
    assert made["tables"] >= APP_STORAGE["tables"]
    assert made["queues"] >= APP_SENDS_TO
    assert made["containers"] >= APP_STORAGE["containers"]
    # One cheap call per table, event queue and container, each made once more after creating.
    opened = {str(kind) for kind in warming if kind.verb == "GET"}
    assert {f"table GET {name} query" for name in APP_STORAGE["tables"]} <= opened
    assert "queue GET order-events metadata" in opened
    assert {"blob GET uploads container", "blob GET thumbnails container"} <= opened
    await use_every_path(account.direct, ticket=True)
    assert creates(account.take()) == {}


async def test_a_warmup_that_cannot_reach_storage_logs_each_step_and_returns(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    nobody = f"http://127.0.0.1:{free_port()}/devstoreaccount1"
    connection = (
        f"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={KEY};"
        f"BlobEndpoint={nobody};QueueEndpoint={nobody};TableEndpoint={nobody};"
    )
    await point_app_at(monkeypatch, connection)
    caplog.set_level(logging.INFO, logger="shared.warmup")
    try:
        await warm_up()  # returns: a failed step is never a reason not to take traffic
    finally:
        await bootstrap.reset()
    failed = [r.getMessage() for r in caplog.records if "warmup_step_failed" in r.getMessage()]
    # Four tables, the event queue, the containers and key, and the look for Idempotency-Keys
    # written before issue 33 (shared.orders.legacy_keys).
    assert len(failed) == 7, failed
    # The eighth, the token issuer's keys, has nothing to fetch with authentication off.
    assert any("warmup steps=8 failed=7" in r.getMessage() for r in caplog.records)
