"""The composition root: which adapter serves which port, and every process cache.

All wiring of the app is here. Blueprints ask this module for what a function needs (a
repository, a publisher, a store, the settings) and hand it to the core as parameters; nothing
in the core imports this module, so the core can be tested with fakes and without it.

What is built here lives for the process, as the Functions worker keeps one process (and one
event loop) for many invocations: the settings are read once, and the storage clients, the
event publisher and the image store are made on first use. Clients hold aiohttp sessions,
which belong to the event loop they were opened on, so everything that holds a client is kept
per event loop (tests run several loops; production runs one). `reset()` forgets all of it,
for tests that point the app at another storage account.

Importing this module loads no SDK: each factory imports its adapter when first called, so a
function that never touches blobs never loads the blob SDK (cold start).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import weakref
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from shared.config import Settings, SettingsError, read_settings
from shared.sharding import order_id_for, queue_account, queue_names

if TYPE_CHECKING:
    from datetime import datetime

    from azure.data.tables.aio import TableClient

    from shared.auth.tokens import TokenVerifier
    from shared.changes.cleanup import BatchedCleanup
    from shared.changes.publisher import EventPublisher, ShardedEventPublisher
    from shared.changes.read_models import CustomerOrders, DailySummary
    from shared.changes.resend import Resender
    from shared.images.ports import ImageStore
    from shared.images.store import AzureImageStore
    from shared.orders.legacy_keys import TableLegacyKeys
    from shared.orders.repository import LegacyIdempotencyKeys, OrderBacklog, OrderRepository
    from shared.storage import StorageClients
    from shared.warmup import WarmupReport

__all__ = [
    "IMAGE_STATUS_TABLE",
    "blob_origin",
    "customer_orders",
    "daily_summary",
    "event_publisher",
    "health_probe",
    "image_store",
    "legacy_idempotency_keys",
    "new_order_id",
    "order_backlog",
    "order_repository",
    "order_storage_clients",
    "outbox_cleanup",
    "prefetch_signing_keys",
    "queue_publisher",
    "reset",
    "settings",
    "storage_clients",
    "token_verifier",
    "uploads_clients",
    "warm_up",
]

logger = logging.getLogger(__name__)

IMAGE_STATUS_TABLE = "ImageStatus"


# --- settings -------------------------------------------------------------------------------


@dataclass
class _SettingsCache:
    """The settings, read once. While they are invalid every read raises SettingsError (every
    function fails with the same message), logged once per process, not per invocation."""

    value: Settings | None = None
    reported: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self) -> Settings:
        value = self.value
        if value is not None:
            return value
        try:
            value = read_settings()
        except SettingsError as error:
            with self.lock:
                first = error.detail not in self.reported
                self.reported.add(error.detail)
            if first:
                logger.error("settings_invalid detail=%s", error.detail)
            raise
        _install_pseudonyms(value)
        self.value = value
        return value


def _install_pseudonyms(current: Settings) -> None:
    """The key of the pseudonyms in logs and spans comes with the settings (shared.telemetry
    .pseudonyms), and so does whether a customer id is an oid that may be recorded as it is."""
    from shared.telemetry import pseudonyms

    pseudonyms.install(pseudonyms.Pseudonyms.for_settings(current))


_settings = _SettingsCache()


def settings() -> Settings:
    """The app's settings (shared.config), read from the app settings once per process."""
    return _settings.get()


# --- callers' tokens ------------------------------------------------------------------------


_verifier: list[TokenVerifier] = []  # made on first use; one per process
_verifier_lock = threading.Lock()


def token_verifier() -> TokenVerifier:
    """Checks callers' bearer tokens (shared.auth.tokens) with the issuer's signing keys,
    cached for the process: they are fetched on worker threads and hold no client of an
    event loop, so one serves every loop, and a new instance fetches them once."""
    with _verifier_lock:
        if not _verifier:
            from shared.auth.keys import SigningKeys
            from shared.auth.tokens import TokenVerifier

            current = settings()
            keys = SigningKeys.for_settings(current.auth, ca_bundle=current.storage.ca_bundle)
            _verifier.append(TokenVerifier(keys, current.auth))
        return _verifier[0]


async def prefetch_signing_keys() -> None:
    """Fetch the issuer's signing keys now, off the event loop, so that the first caller does
    not wait for them (for a warmup function); nothing when authentication is off."""
    if settings().auth.required:
        await token_verifier().keys.prefetch()


# --- what holds a storage client: one set per event loop ------------------------------------


@dataclass(eq=False)
class _Wiring:
    storage: StorageClients
    # The order accounts (ORDER_STORAGE_CONNECTIONS); `storage` itself where one of them is
    # AzureWebJobsStorage, as by default.
    accounts: tuple[StorageClients, ...]
    # The uploads account (UploadsStorage): uploads, thumbnails, image statuses; `storage`
    # itself when the setting is unset.
    uploads: StorageClients
    publisher: ShardedEventPublisher | None = None
    images: AzureImageStore | None = None
    cleanup: BatchedCleanup | None = None
    legacy_keys: TableLegacyKeys | None = None
    resend: Resender | None = None
    signed_in: asyncio.Task[None] | None = None

    def every_account(self) -> list[StorageClients]:
        """Each account's clients once (`storage` is usually an order account, and the
        uploads account too unless UploadsStorage is set)."""
        every = (self.storage, *self.accounts, self.uploads)
        return list({id(c): c for c in every}.values())


_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Wiring] = (
    weakref.WeakKeyDictionary()
)


def storage_clients() -> StorageClients:
    """The clients of the app's storage account on this loop (the health check, tests)."""
    return _wiring().storage


def uploads_clients() -> StorageClients:
    """The clients of the uploads account on this loop (the image store, tests)."""
    return _wiring().uploads


def order_storage_clients() -> tuple[StorageClients, ...]:
    """The clients of each order account on this loop, in ORDER_STORAGE_CONNECTIONS order."""
    return _wiring().accounts


def _wiring() -> _Wiring:
    loop = asyncio.get_running_loop()
    wiring = _by_loop.get(loop)
    if wiring is None:
        from shared.storage import StorageClients

        current = settings()
        storage = StorageClients(current.storage)
        accounts = tuple(
            storage if endpoints is current.storage else StorageClients(endpoints)
            for endpoints in current.order_storage or (current.storage,)
        )
        uploads = StorageClients(current.uploads_storage) if current.uploads_storage else storage
        wiring = _by_loop[loop] = _Wiring(storage, accounts, uploads)
    return wiring


async def _ready() -> _Wiring:
    """This loop's wiring, every account's identity signed in. Building a client sends no
    request (shared.provisioning), so the only waiting a first use can do is for tokens: the
    first call on a loop (the first invocation, when no warmup ran) fetches every account's at
    once, and every later or concurrent call waits for that one fetch."""
    wiring = _wiring()
    if wiring.signed_in is None:
        wiring.signed_in = asyncio.create_task(_sign_in(wiring.every_account()))
    await asyncio.shield(wiring.signed_in)
    return wiring


async def _sign_in(accounts: list[StorageClients]) -> None:
    """Each account's token, concurrently; a failure is left to the clients' own first
    request, which asks the credential again (and answers 503 if it fails there too)."""
    results = await asyncio.gather(*(a.sign_in() for a in accounts), return_exceptions=True)
    for result in results:
        if isinstance(result, Exception):
            logger.warning("storage_sign_in_failed error=%s", type(result).__name__)


async def _table(name: str) -> TableClient:
    return (await _ready()).storage.table(name)


async def _order_tables(name: str) -> list[TableClient]:
    """Table `name` in each order account."""
    return [account.table(name) for account in (await _ready()).accounts]


# --- orders ---------------------------------------------------------------------------------


def new_order_id(customer_id: str) -> str:
    """A new order's id, in its customer's bucket over the order accounts of the settings
    (shared.sharding.order_id_for), so the customer's listing is one partition's range."""
    return order_id_for(customer_id, len(settings().order_connections))


# With one account each factory returns the single-account adapter itself; with several, the
# adapter of each account behind the router that picks an order's (shared.sharding).


async def order_repository() -> OrderRepository:
    """Orders on Table Storage; each committed change's event is sent on right away (the
    transactional outbox, shared.changes.outbox)."""
    from shared.changes.outbox import PublishingOrderRepository
    from shared.orders.sharded import ShardedOrderRepository
    from shared.orders.table_repository import TableOrderRepository

    inners = [TableOrderRepository(t) for t in await _order_tables(settings().orders_table)]
    inner = inners[0] if len(inners) == 1 else ShardedOrderRepository(inners)
    backlog = await order_backlog()
    cleanup = await outbox_cleanup()
    return PublishingOrderRepository(
        inner,
        publisher=event_publisher(),
        backlog=backlog,
        cleanup=cleanup,
        resend=_resender(cleanup),
    )


async def legacy_idempotency_keys() -> LegacyIdempotencyKeys:
    """Idempotency-Key records written before issue 33, in their own table of each order
    account; one per loop, as it remembers until when they are read (nothing creates that
    table: a deployment without it reads nothing)."""
    return await _legacy_keys()


async def _legacy_keys() -> TableLegacyKeys:
    wiring = await _ready()
    if wiring.legacy_keys is None:
        from shared.orders.legacy_keys import TableLegacyKeys

        name = settings().legacy_idempotency_table
        wiring.legacy_keys = TableLegacyKeys([a.table(name) for a in wiring.accounts])
    return wiring.legacy_keys


async def order_backlog() -> OrderBacklog:
    """The outbox and pending-order index rows, in the orders' own partitions (of every
    account: the relay and the sweep walk them all)."""
    from shared.orders.sharded import ShardedOrderBacklog
    from shared.orders.table_backlog import TableOrderBacklog

    backlogs = [TableOrderBacklog(t) for t in await _order_tables(settings().orders_table)]
    return backlogs[0] if len(backlogs) == 1 else ShardedOrderBacklog(backlogs)


# --- change feed ----------------------------------------------------------------------------


async def outbox_cleanup() -> BatchedCleanup:
    """Where senders leave sent events, whose outbox rows are deleted in batches; one per
    loop, as it holds the rows not yet deleted and the timer that deletes them."""
    wiring = await _ready()
    if wiring.cleanup is None:
        from shared.changes.cleanup import BatchedCleanup

        backlog = await order_backlog()
        if wiring.cleanup is None:  # not made by a concurrent first use meanwhile
            wiring.cleanup = BatchedCleanup(backlog)
    return wiring.cleanup


def _resender(cleanup: BatchedCleanup) -> Resender:
    """Where failed sends wait to be tried again within seconds; one per loop, as it holds
    them and the task that retries them (shared.changes.resend)."""
    wiring = _wiring()
    if wiring.resend is None:
        from shared.changes.outbox import deliver
        from shared.changes.resend import Resender

        wiring.resend = Resender(
            partial(
                deliver,
                publisher=event_publisher(),
                cleanup=cleanup,
                failure="order_event_resend_failed",
            )
        )
    return wiring.resend


def event_publisher() -> ShardedEventPublisher:
    """The event queues (`order-events`, or `order-events-0..N-1`, queue i in order account
    i mod K) and their `-poison` twins; one per loop, as its queue clients belong to it."""
    wiring = _wiring()
    if wiring.publisher is None:
        from shared.changes.publisher import QueueEventPublisher, ShardedEventPublisher

        count = settings().event_queues
        shards = []
        for index, name in enumerate(queue_names(count)):
            account = wiring.accounts[queue_account(index, len(wiring.accounts))]
            service = account.queue_service()
            poison = service.get_queue_client(f"{name}-poison")
            shards.append(QueueEventPublisher(service.get_queue_client(name), poison))
        wiring.publisher = ShardedEventPublisher(shards)
    return wiring.publisher


def queue_publisher(index: int) -> EventPublisher:
    """The publisher of event queue `index`, where its consumer parks unusable messages."""
    return event_publisher().shard(index)


async def customer_orders() -> CustomerOrders:
    from shared.changes.sharded_read_models import ShardedCustomerOrders
    from shared.changes.table_read_models import TableCustomerOrders

    name = settings().customer_orders_table
    stores = [TableCustomerOrders(t) for t in await _order_tables(name)]
    return stores[0] if len(stores) == 1 else ShardedCustomerOrders(stores)


async def daily_summary() -> DailySummary:
    from shared.changes.sharded_read_models import ShardedDailySummary
    from shared.changes.table_read_models import TableDailySummary

    name = settings().order_summary_table
    stores = [TableDailySummary(t) for t in await _order_tables(name)]
    return stores[0] if len(stores) == 1 else ShardedDailySummary(stores)


# --- images ---------------------------------------------------------------------------------


async def image_store() -> ImageStore:
    """Thumbnails and statuses in the uploads account; one per loop, as it remembers its
    signing key (and, signing with an account key, that `uploads` exists)."""
    return await _azure_image_store()


async def _azure_image_store() -> AzureImageStore:
    wiring = await _ready()
    if wiring.images is None:
        from shared.images.store import AzureImageStore

        statuses = wiring.uploads.table(IMAGE_STATUS_TABLE)
        wiring.images = AzureImageStore(wiring.uploads.blob_service(), statuses)
    return wiring.images


def blob_origin() -> str:
    """`scheme://host[:port]` of the blob endpoint that upload and thumbnail URLs point at."""
    url = urlsplit(_wiring().uploads.blob_service().url)
    return f"{url.scheme}://{url.netloc}"


# --- operations -----------------------------------------------------------------------------


async def health_probe() -> TableClient:
    """What the health check reads: the orders table."""
    return await _table(settings().orders_table)


async def warm_up(*, now: datetime) -> WarmupReport:
    """Everything a function needs, before the instance takes traffic (blueprints/warmup.py):
    every adapter of every account built (importing the SDKs), each identity's token fetched,
    then at once one cheap call per table, event queue and container, opening its pooled
    connection (and creating one that is missing), the image store's signing key and the
    token issuer's signing keys. Failed steps are logged and skipped (shared.warmup)."""
    from shared.warmup import run_steps, storage_steps

    wiring = await _ready()
    current = settings()
    await order_repository()  # the orders' adapters, the backlog, the cleanup, the publisher
    await customer_orders()
    await daily_summary()
    names = (current.orders_table, current.customer_orders_table, current.order_summary_table)
    tables = [account.table(name) for account in wiring.accounts for name in names]
    tables.append(wiring.uploads.table(IMAGE_STATUS_TABLE))
    queues = [shard.queue for shard in event_publisher().shards]
    steps = storage_steps(tables, queues, await _azure_image_store(), now=now)
    steps["token issuer's signing keys"] = prefetch_signing_keys()  # with authentication on
    # Whether keys written before issue 33 are still read (never creating their table).
    steps["Idempotency-Keys written before"] = (await _legacy_keys()).reading(now)
    return await run_steps(steps)


async def reset() -> None:
    """As a new process: forget the settings (and which problems were logged) and close this
    loop's clients, so the next use builds everything again from the app settings as they
    are now (tests point the app at another account)."""
    _settings.value = None
    _settings.reported.clear()
    _verifier.clear()
    from shared.telemetry import pseudonyms

    pseudonyms.install(None)
    wiring = _by_loop.pop(asyncio.get_running_loop(), None)
    if wiring is not None:
        if wiring.signed_in is not None:
            wiring.signed_in.cancel()
        if wiring.resend is not None:
            await wiring.resend.close()
        if wiring.cleanup is not None:
            await wiring.cleanup.close()
        for clients in wiring.every_account():
            await clients.close()
