"""What holds a storage client: one set per event loop, each account's identity signed in.

Clients hold aiohttp sessions, which belong to the event loop they were opened on, so the
clients, and everything built on them (the caches of the other modules of shared.bootstrap
live in `Wiring`'s fields), are kept per event loop: tests run several loops, production runs
one.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shared.bootstrap.app_settings import settings

if TYPE_CHECKING:
    from azure.data.tables.aio import TableClient

    from shared.changes.cleanup import BatchedCleanup
    from shared.changes.publisher import ShardedEventPublisher
    from shared.changes.resend import Resender
    from shared.images.store import AzureImageStore
    from shared.orders.legacy_keys import TableLegacyKeys
    from shared.storage import StorageClients

__all__ = [
    "Wiring",
    "close_loop_wiring",
    "loop_wiring",
    "order_storage_clients",
    "order_tables",
    "ready",
    "storage_clients",
    "uploads_clients",
]

logger = logging.getLogger(__name__)


@dataclass(eq=False)
class Wiring:
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


_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Wiring] = weakref.WeakKeyDictionary()


def storage_clients() -> StorageClients:
    """The clients of the app's storage account on this loop (the health check, tests)."""
    return loop_wiring().storage


def uploads_clients() -> StorageClients:
    """The clients of the uploads account on this loop (the image store, tests)."""
    return loop_wiring().uploads


def order_storage_clients() -> tuple[StorageClients, ...]:
    """The clients of each order account on this loop, in ORDER_STORAGE_CONNECTIONS order."""
    return loop_wiring().accounts


def loop_wiring() -> Wiring:
    """This loop's wiring, its clients made (which sends no request) on first use."""
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
        wiring = _by_loop[loop] = Wiring(storage, accounts, uploads)
    return wiring


async def ready() -> Wiring:
    """This loop's wiring, every account's identity signed in. Building a client sends no
    request (shared.provisioning), so the only waiting a first use can do is for tokens: the
    first call on a loop (the first invocation, when no warmup ran) fetches every account's at
    once, and every later or concurrent call waits for that one fetch."""
    wiring = loop_wiring()
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


async def order_tables(name: str) -> list[TableClient]:
    """Table `name` in each order account."""
    return [account.table(name) for account in (await ready()).accounts]


async def close_loop_wiring() -> None:
    """Forget this loop's wiring and close what it holds: the next use builds it again."""
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
