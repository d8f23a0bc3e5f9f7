"""Storage clients for the bindings' `connection` settings (connection strings only).

Every client devhost uses is made here, once per connection string: the SDKs' asyncio
clients, on the one event loop all of devhost's own work runs on (docs/local-host.md,
"Where devhost's own work runs").
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

    from azure.storage.blob.aio import BlobServiceClient
    from azure.storage.queue.aio import QueueServiceClient

from shared.azurite import DEVELOPMENT_CONNECTION
from shared.transport import TRANSPORT_OPTIONS, ca_bundle_transport

__all__ = ["ConnectionSettingError", "StorageAccounts", "connection_string_for"]

DEFAULT_CONNECTION = "AzureWebJobsStorage"
# Retries as the .NET host's storage clients make them (Azure.Core `RetryOptions`: 3 retries,
# exponential from 0.8 s), not the Python SDK's default 15 s first pause, which held devhost's
# queue polling back for half a minute after a short storage blip.
_OPTIONS: dict[str, Any] = {
    "connection_timeout": 5,
    "read_timeout": 30,
    "retry_total": 3,
    "initial_backoff": 0.8,
    "increment_base": 2,
}
_PROXY_VARIABLES = frozenset({"http_proxy", "https_proxy", "all_proxy", "no_proxy"})


def _transport_options(environ: Mapping[str, str]) -> dict[str, Any]:
    """aiohttp re-reads the environment for proxy settings on every request when it may
    (`trust_env`): let it only when a proxy is configured, and hand a custom CA bundle to the
    transport directly (the app's own clients follow the same rule, shared/config.py)."""
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
    """One asyncio blob and one asyncio queue service client per connection string, made on
    first use. Use them on one event loop only: their aiohttp sessions belong to it."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = os.environ if environ is None else environ
        self._options = _transport_options(self._environ)
        self._blob: dict[str, BlobServiceClient] = {}
        self._queue: dict[str, QueueServiceClient] = {}

    def connection_string(self, connection: str | None) -> str:
        return connection_string_for(connection, self._environ)

    def blob(self, connection: str | None) -> BlobServiceClient:
        from azure.storage.blob.aio import BlobServiceClient

        key = self.connection_string(connection)
        if key not in self._blob:
            options = _async_options(self._options)  # a transport of its own, if any
            self._blob[key] = BlobServiceClient.from_connection_string(key, **options)
        return self._blob[key]

    def queue(self, connection: str | None) -> QueueServiceClient:
        from azure.storage.queue.aio import QueueServiceClient

        key = self.connection_string(connection)
        if key not in self._queue:
            options = _async_options(self._options)
            self._queue[key] = QueueServiceClient.from_connection_string(key, **options)
        return self._queue[key]

    async def close(self) -> None:
        """Close every client's session (on the loop they ran on)."""
        clients: list[BlobServiceClient | QueueServiceClient] = [
            *self._blob.values(),
            *self._queue.values(),
        ]
        self._blob, self._queue = {}, {}
        for client in clients:
            await client.close()
