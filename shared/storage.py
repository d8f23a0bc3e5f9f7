"""Storage clients (the SDKs' asyncio clients), created once per process on first use.

The SDK imports live inside the factories so that importing the app (cold start) loads none
of them, nor aiohttp; a function that never touches blobs never pays for the blob SDK.

Clients hold an aiohttp session, and a session belongs to the event loop it was opened on.
The Functions worker runs every `async def` function on one loop for the life of the process,
so in production the clients are made once. Tests may run several loops: each loop gets its
own clients, and `reset_clients` (awaited by the test fixtures) closes the running loop's.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast

from shared.config import get_settings
from shared.identity import async_storage_credential
from shared.tables import storage_unavailable_on_failure
from shared.transport import TRANSPORT_OPTIONS, ca_bundle_transport

if TYPE_CHECKING:
    from azure.core.credentials_async import AsyncTokenCredential
    from azure.data.tables.aio import TableClient, TableServiceClient
    from azure.storage.blob.aio import BlobServiceClient
    from azure.storage.queue.aio import QueueServiceClient

    from shared.config import StorageEndpoints

__all__ = [
    "CLIENT_OPTIONS",
    "STORAGE_CLIENT_OPTIONS",
    "blob_service",
    "queue_service",
    "reset_clients",
    "table",
    "table_service",
]

logger = logging.getLogger(__name__)

# Bounded so that a request against unreachable storage ends well inside 15 s: three attempts
# of at most 2 s to connect and 3 s per read, short backoff. The Tables SDK uses azure-core's
# retry policy; the blob and queue SDKs have their own (default backoff 15 s, then 18 s).
CLIENT_OPTIONS: dict[str, Any] = {
    "retry_total": 2,
    "retry_backoff_factor": 0.3,
    "retry_backoff_max": 1,
    "connection_timeout": 2,
    "read_timeout": 3,
}
STORAGE_CLIENT_OPTIONS: dict[str, Any] = {
    "retry_total": 2,
    "initial_backoff": 0.2,
    "increment_base": 1,
    "random_jitter_range": 0.1,
    "connection_timeout": 2,
    "read_timeout": 3,
}
ClientT = TypeVar("ClientT")


@dataclass(eq=False)
class _Clients:
    """Every client made on one event loop, so they can be closed together."""

    services: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, TableClient] = field(default_factory=dict)
    credential: AsyncTokenCredential | None = None

    async def close(self) -> None:
        for client in self.services.values():
            await client.close()
        if self.credential is not None:
            await self.credential.close()


_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Clients] = (
    weakref.WeakKeyDictionary()
)


def _clients() -> _Clients:
    loop = asyncio.get_running_loop()
    clients = _by_loop.get(loop)
    if clients is None:
        clients = _by_loop[loop] = _Clients()
    return clients


def _credential(clients: _Clients) -> AsyncTokenCredential:
    """The identity the host's own clients use for these settings (shared.identity)."""
    if clients.credential is None:
        clients.credential = async_storage_credential(get_settings().storage)
    return clients.credential


def _with_transport(storage: StorageEndpoints, options: dict[str, Any]) -> dict[str, Any]:
    """`options` plus the HTTP transport's: with a custom CA bundle, shared.transport's."""
    if not storage.ca_bundle:
        return options | {"use_env_settings": storage.use_env_settings}
    kept = dict(options)
    timeouts = {name: kept.pop(name) for name in TRANSPORT_OPTIONS}
    transport = ca_bundle_transport(
        storage.ca_bundle, use_env_settings=storage.use_env_settings, **timeouts
    )
    return kept | {"transport": transport}


def _service(
    kind: str, client_class: type[ClientT], service_uri: str | None, options: dict[str, Any]
) -> ClientT:
    """The one client of `kind` on this loop: from the connection string, or from a URI and
    an identity."""
    clients = _clients()
    client = clients.services.get(kind)
    if client is None:
        factory: Any = client_class
        storage = get_settings().storage
        options = _with_transport(storage, options)
        if storage.connection_string:
            client = factory.from_connection_string(storage.connection_string, **options)
        else:
            client = factory(service_uri, credential=_credential(clients), **options)
        clients.services[kind] = client
    return cast("ClientT", client)


def table_service() -> TableServiceClient:
    from azure.data.tables.aio import TableServiceClient

    uri = get_settings().storage.table_uri
    return _service("table", TableServiceClient, uri, CLIENT_OPTIONS)


def blob_service() -> BlobServiceClient:
    from azure.storage.blob.aio import BlobServiceClient

    uri = get_settings().storage.blob_uri
    return _service("blob", BlobServiceClient, uri, STORAGE_CLIENT_OPTIONS)


def queue_service() -> QueueServiceClient:
    from azure.storage.queue.aio import QueueServiceClient

    uri = get_settings().storage.queue_uri
    return _service("queue", QueueServiceClient, uri, STORAGE_CLIENT_OPTIONS)


async def table(name: str) -> TableClient:
    """The client for table `name`, creating the table on first use in this process.
    Table clients share the service client's connection pool.

    No lock is held over the network call: creation is idempotent, and a lock made every
    concurrent first use wait out the others' timeouts while storage was unreachable (in a
    60 s outage, tests/reliability, the slowest 503 took 14.6-15.1 s with it, 9.7 s without)."""
    clients = _clients()
    client = clients.tables.get(name)
    if client is None:
        service = table_service()
        with storage_unavailable_on_failure("create_table"):
            await service.create_table_if_not_exists(name)
        client = clients.tables.setdefault(name, service.get_table_client(name))
    return client


async def reset_clients() -> None:
    """Close this loop's clients and forget the settings, so the next use reads them again
    (tests point the app at another storage account)."""
    get_settings.cache_clear()
    clients = _by_loop.pop(asyncio.get_running_loop(), None)
    if clients is not None:
        await clients.close()
