"""The storage SDKs' asyncio clients for one account, made on first use, closed together.

The SDK imports live inside the methods, so importing the app (cold start) loads none of them,
nor aiohttp; a function that never touches blobs never pays for the blob SDK.

Clients hold an aiohttp session, and a session belongs to the event loop it was opened on.
`shared.bootstrap` (the composition root) keeps one `StorageClients` per event loop: the
Functions worker runs every `async def` function on one loop for the life of the process, so
in production they are made once.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, TypeVar, cast

from shared.identity import async_storage_credential
from shared.transport import TRANSPORT_OPTIONS, ca_bundle_transport

if TYPE_CHECKING:
    from azure.core.credentials_async import AsyncTokenCredential
    from azure.data.tables.aio import TableClient, TableServiceClient
    from azure.storage.blob.aio import BlobServiceClient
    from azure.storage.queue.aio import QueueServiceClient

    from shared.connections import StorageEndpoints

__all__ = ["CLIENT_OPTIONS", "STORAGE_CLIENT_OPTIONS", "STORAGE_SCOPE", "StorageClients"]

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
# The scope every storage client asks its credential for (tables, queues and blobs alike).
STORAGE_SCOPE = "https://storage.azure.com/.default"


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


class StorageClients:
    """One account's service clients, its table clients, and the credential they share."""

    def __init__(self, endpoints: StorageEndpoints) -> None:
        self.endpoints = endpoints
        self._services: dict[str, Any] = {}
        self._tables: dict[str, TableClient] = {}
        self._credential: AsyncTokenCredential | None = None

    def _identity(self) -> AsyncTokenCredential:
        """The identity the host's own clients use for these settings (shared.identity)."""
        if self._credential is None:
            self._credential = async_storage_credential(self.endpoints)
        return self._credential

    def _service(
        self,
        kind: str,
        client_class: type[ClientT],
        service_uri: str | None,
        options: dict[str, Any],
    ) -> ClientT:
        """The one client of `kind`: from the connection string, or a URI and an identity."""
        client = self._services.get(kind)
        if client is None:
            factory: Any = client_class
            options = _with_transport(self.endpoints, options)
            if self.endpoints.connection_string:
                client = factory.from_connection_string(self.endpoints.connection_string, **options)
            else:
                client = factory(service_uri, credential=self._identity(), **options)
            self._services[kind] = client
        return cast("ClientT", client)

    def table_service(self) -> TableServiceClient:
        from azure.data.tables.aio import TableServiceClient

        uri = self.endpoints.table_uri
        return self._service("table", TableServiceClient, uri, CLIENT_OPTIONS)

    def blob_service(self) -> BlobServiceClient:
        from azure.storage.blob.aio import BlobServiceClient

        uri = self.endpoints.blob_uri
        return self._service("blob", BlobServiceClient, uri, STORAGE_CLIENT_OPTIONS)

    def queue_service(self) -> QueueServiceClient:
        from azure.storage.queue.aio import QueueServiceClient

        uri = self.endpoints.queue_uri
        return self._service("queue", QueueServiceClient, uri, STORAGE_CLIENT_OPTIONS)

    def table(self, name: str) -> TableClient:
        """The client for table `name`, sharing the service client's connection pool. No
        request: infra creates the tables, and a write that finds one missing creates it
        (shared.provisioning), so no process pays an existence call per table."""
        client = self._tables.get(name)
        if client is None:
            client = self._tables.setdefault(name, self.table_service().get_table_client(name))
        return client

    async def sign_in(self) -> None:
        """Fetch the identity's token for storage now, so that the clients' first requests
        find it in the credential's cache (the SDKs' policies ask the same credential). With
        a connection string there is no token: nothing to do."""
        if not self.endpoints.connection_string:
            await self._identity().get_token(STORAGE_SCOPE)

    async def close(self) -> None:
        for client in self._services.values():
            await client.close()
        if self._credential is not None:
            await self._credential.close()
