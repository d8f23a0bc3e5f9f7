"""One typed settings object, read once from app settings (environment variables).

App settings are environment variables on Azure, under `func start` (from local.settings.json)
and under devhost alike, so this module is the only place that reads them.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Settings", "SettingsError", "StorageEndpoints", "get_settings", "reload_settings"]

# Azurite's well-known development account (public, documented by Microsoft; not a secret).
_DEV_ACCOUNT = "devstoreaccount1"
_DEV_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
DEV_STORAGE_CONNECTION = (
    f"DefaultEndpointsProtocol=http;AccountName={_DEV_ACCOUNT};AccountKey={_DEV_KEY};"
    f"BlobEndpoint=http://127.0.0.1:10000/{_DEV_ACCOUNT};"
    f"QueueEndpoint=http://127.0.0.1:10001/{_DEV_ACCOUNT};"
    f"TableEndpoint=http://127.0.0.1:10002/{_DEV_ACCOUNT};"
)
_CONNECTION = "AzureWebJobsStorage"


class SettingsError(RuntimeError):
    """A required app setting is missing or malformed."""


@dataclass(frozen=True, slots=True)
class StorageEndpoints:
    """How to reach Storage: a connection string, or identity-based service URIs."""

    connection_string: str | None
    blob_uri: str | None = None
    queue_uri: str | None = None
    table_uri: str | None = None


@dataclass(frozen=True, slots=True)
class Settings:
    storage: StorageEndpoints
    cors_allowed_origins: tuple[str, ...]
    paging_secret: bytes
    orders_table: str = "Orders"
    idempotency_table: str = "IdempotencyKeys"


def _read_storage(env: dict[str, str]) -> StorageEndpoints:
    value = env.get(_CONNECTION, "").strip()
    if value.replace(" ", "").lower() == "usedevelopmentstorage=true":
        return StorageEndpoints(DEV_STORAGE_CONNECTION)
    if value:
        return StorageEndpoints(value)
    account = env.get(f"{_CONNECTION}__accountName", "").strip()
    uris = {
        service: env.get(f"{_CONNECTION}__{service}ServiceUri", "").strip()
        or (f"https://{account}.{service}.core.windows.net" if account else "")
        for service in ("blob", "queue", "table")
    }
    if not all(uris.values()):
        raise SettingsError(
            f"Set {_CONNECTION} to a connection string, or {_CONNECTION}__accountName "
            "for an identity-based connection."
        )
    return StorageEndpoints(None, uris["blob"], uris["queue"], uris["table"])


def _read_origins(raw: str) -> tuple[str, ...]:
    return tuple(origin.strip().rstrip("/") for origin in raw.split(",") if origin.strip())


def _read_paging_secret(env: dict[str, str], storage: StorageEndpoints) -> bytes:
    """Continuation tokens are signed; without a configured secret the storage connection
    (a secret every deployment already has) seeds it, so tokens survive restarts and
    scale-out without extra setup."""
    explicit = env.get("PAGING_TOKEN_SECRET", "")
    seed = explicit or storage.connection_string or (storage.table_uri or "")
    return hashlib.sha256(b"paging-token:" + seed.encode()).digest()


def load_settings(env: dict[str, str]) -> Settings:
    storage = _read_storage(env)
    return Settings(
        storage=storage,
        cors_allowed_origins=_read_origins(env.get("CORS_ALLOWED_ORIGINS", "")),
        paging_secret=_read_paging_secret(env, storage),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings(dict(os.environ))


def reload_settings() -> Settings:
    """Forget cached settings (tests and devhost change the environment between runs)."""
    get_settings.cache_clear()
    return get_settings()
