"""Storage clients for the bindings' `connection` settings (connection strings only)."""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

    from azure.storage.blob import BlobServiceClient
    from azure.storage.queue import QueueServiceClient

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
    """One blob and one queue service client per connection string, created on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._options = _transport_options(os.environ)
        self._blob: dict[str, BlobServiceClient] = {}
        self._queue: dict[str, QueueServiceClient] = {}

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
