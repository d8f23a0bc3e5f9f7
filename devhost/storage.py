"""Storage clients for the bindings' `connection` settings (connection strings only)."""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

    from azure.storage.blob import BlobServiceClient
    from azure.storage.queue import QueueServiceClient
    from azure.storage.queue.aio import QueueServiceClient as AsyncQueueServiceClient

from shared.azurite import DEVELOPMENT_CONNECTION
from shared.transport import TRANSPORT_OPTIONS, ca_bundle_transport

__all__ = ["ConnectionSettingError", "StorageAccounts", "connection_string_for"]

DEFAULT_CONNECTION = "AzureWebJobsStorage"
_OPTIONS: dict[str, Any] = {"connection_timeout": 5, "read_timeout": 30, "retry_total": 3}
_PROXY_VARIABLES = frozenset({"http_proxy", "https_proxy", "all_proxy", "no_proxy"})


def _transport_options(environ: Mapping[str, str]) -> dict[str, Any]:
    """requests re-reads the whole environment for proxy settings on every call when it may
    (`trust_env`), about 1 ms per order through devhost's queue and blob calls: let it only
    when a proxy is configured, and hand a custom CA bundle to the transport directly (the
    app's own clients follow the same rule, shared/config.py)."""
    options = dict(_OPTIONS)
    options["use_env_settings"] = any(name.lower() in _PROXY_VARIABLES for name in environ)
    bundle = environ.get("REQUESTS_CA_BUNDLE") or environ.get("CURL_CA_BUNDLE")
    if bundle:
        options["connection_verify"] = bundle
    return options


def _async_options(options: dict[str, Any]) -> dict[str, Any]:
    """The asyncio client's options: a CA bundle becomes the one transport of
    shared.transport (one SSL context per session, not one per request)."""
    bundle = options.get("connection_verify")
    if not bundle:
        return options
    kept = {k: v for k, v in options.items() if k != "connection_verify"}
    timeouts = {k: kept.pop(k) for k in TRANSPORT_OPTIONS}
    transport = ca_bundle_transport(bundle, use_env_settings=kept["use_env_settings"], **timeouts)
    return kept | {"transport": transport}


class ConnectionSettingError(LookupError):
    """A binding's connection setting is missing or is not a connection string."""


def connection_string_for(name: str | None, environ: Mapping[str, str] | None = None) -> str:
    """The host's lookup: the setting itself, then `AzureWebJobs<name>`."""
    env = os.environ if environ is None else environ
    setting = name or DEFAULT_CONNECTION
    value = env.get(setting) or env.get(f"AzureWebJobs{setting}") or ""
    if value.replace(" ", "").lower() == "usedevelopmentstorage=true":
        return DEVELOPMENT_CONNECTION
    if "AccountName=" not in value and "SharedAccessSignature=" not in value:
        raise ConnectionSettingError(
            f"connection setting {setting!r} must hold a storage connection string "
            "(devhost does not support identity-based connections)"
        )
    return value


class StorageAccounts:
    """One blob and one queue service client per connection string, created on first use;
    and an asyncio queue client for the listeners that poll on the event loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._options = _transport_options(os.environ)
        self._blob: dict[str, BlobServiceClient] = {}
        self._queue: dict[str, QueueServiceClient] = {}
        self._async_queue: dict[str, AsyncQueueServiceClient] = {}

    def blob(self, connection: str | None) -> BlobServiceClient:
        from azure.storage.blob import BlobServiceClient

        key = connection_string_for(connection)
        with self._lock:
            if key not in self._blob:
                self._blob[key] = BlobServiceClient.from_connection_string(key, **self._options)
            return self._blob[key]

    def queue(self, connection: str | None) -> QueueServiceClient:
        from azure.storage.queue import QueueServiceClient

        key = connection_string_for(connection)
        with self._lock:
            if key not in self._queue:
                self._queue[key] = QueueServiceClient.from_connection_string(key, **self._options)
            return self._queue[key]

    def async_queue(self, connection: str | None) -> AsyncQueueServiceClient:
        """For use on the invoker's event loop only (its aiohttp session belongs to it)."""
        from azure.storage.queue.aio import QueueServiceClient as AsyncQueueServiceClient

        key = connection_string_for(connection)
        with self._lock:
            if key not in self._async_queue:
                self._async_queue[key] = AsyncQueueServiceClient.from_connection_string(
                    key, **_async_options(self._options)
                )
            return self._async_queue[key]

    async def close_async(self) -> None:
        """Close the asyncio clients' sessions (on the loop they ran on)."""
        with self._lock:
            clients, self._async_queue = list(self._async_queue.values()), {}
        for client in clients:
            await client.close()
