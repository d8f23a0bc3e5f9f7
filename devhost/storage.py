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

__all__ = ["ConnectionSettingError", "StorageAccounts", "connection_string_for"]

_DEV_ACCOUNT = "devstoreaccount1"
# Azurite's well-known development key (public, documented by Microsoft; not a secret).
_DEV_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
DEV_CONNECTION = (
    f"DefaultEndpointsProtocol=http;AccountName={_DEV_ACCOUNT};AccountKey={_DEV_KEY};"
    f"BlobEndpoint=http://127.0.0.1:10000/{_DEV_ACCOUNT};"
    f"QueueEndpoint=http://127.0.0.1:10001/{_DEV_ACCOUNT};"
    f"TableEndpoint=http://127.0.0.1:10002/{_DEV_ACCOUNT};"
)
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
    """The asyncio client's options. A CA bundle becomes one SSL context for the session:
    given as `connection_verify`, azure-core's aiohttp transport would load the bundle into a
    new SSL context on every request (two thirds of devhost's CPU under load, measured)."""
    bundle = options.get("connection_verify")
    if not bundle:
        return options
    kept = {k: v for k, v in options.items() if k != "connection_verify"}
    # A transport given to a client takes its own timeouts; the retries stay the client's.
    timeouts = {k: kept.pop(k) for k in ("connection_timeout", "read_timeout")}
    transport = _bundle_transport(bundle, use_env_settings=kept["use_env_settings"], **timeouts)
    return kept | {"transport": transport}


def _bundle_transport(bundle: str, **kwargs: Any) -> Any:
    from azure.core.pipeline.transport import AioHttpTransport

    class BundleTransport(AioHttpTransport):  # type: ignore[misc]
        """Opens its session (on the loop, as aiohttp requires) with the bundle's context."""

        def __init__(self, bundle: str, **kwargs: Any) -> None:
            super().__init__(session_owner=True, **kwargs)
            self._bundle = bundle

        async def open(self) -> None:
            if self.session is None:
                import ssl

                import aiohttp

                context = ssl.create_default_context(cafile=self._bundle)
                self.session = aiohttp.ClientSession(
                    connector=aiohttp.TCPConnector(ssl=context),
                    trust_env=self._use_env_settings,
                    cookie_jar=aiohttp.DummyCookieJar(),
                    auto_decompress=False,
                )
            await super().open()

    return BundleTransport(bundle, **kwargs)


class ConnectionSettingError(LookupError):
    """A binding's connection setting is missing or is not a connection string."""


def connection_string_for(name: str | None, environ: Mapping[str, str] | None = None) -> str:
    """The host's lookup: the setting itself, then `AzureWebJobs<name>`."""
    env = os.environ if environ is None else environ
    setting = name or DEFAULT_CONNECTION
    value = env.get(setting) or env.get(f"AzureWebJobs{setting}") or ""
    if value.replace(" ", "").lower() == "usedevelopmentstorage=true":
        return DEV_CONNECTION
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
