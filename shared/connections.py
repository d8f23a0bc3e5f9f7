"""How to reach Storage: each connection read as the Functions host reads its connections.

A connection setting holds a connection string, or names the account of an identity-based
connection (`<name>__accountName`, `<name>__<service>ServiceUri`) and its identity
(`__credential`, `__clientId`, ...). The app's own clients read AzureWebJobsStorage, each order
account of ORDER_STORAGE_CONNECTIONS and UploadsStorage this way, so they reach the same
accounts as the host's triggers, as the same identity. shared.config calls these when it reads
the settings, after shared.settings_rules checked them; they load with that first read, not
with the app (cold start).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from shared.azurite import DEVELOPMENT_CONNECTION
from shared.errors import SettingsError
from shared.settings_syntax import (
    ORDER_CONNECTIONS_SETTING,
    STORAGE,
    UPLOADS_CONNECTION,
    order_connection_names,
    uploads_connection_set,
)

__all__ = ["StorageEndpoints", "read_order_storage", "read_storage", "read_uploads_storage"]


@dataclass(frozen=True, slots=True)
class StorageEndpoints:
    """How to reach Storage: a connection string, or identity-based service URIs.

    For identity-based connections, `credential`, `client_id`, `tenant_id` and `client_secret`
    are the connection's `__credential`, `__clientId`, `__tenantId` and `__clientSecret`
    settings, read as the Functions host reads them (see shared/identity.py), so the app's own
    clients authenticate as the same identity as the host's triggers.
    """

    connection_string: str | None
    blob_uri: str | None = None
    queue_uri: str | None = None
    table_uri: str | None = None
    credential: Literal["managedidentity"] | None = None
    client_id: str | None = None
    tenant_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    # The HTTP transport re-reads proxy variables from the whole environment on every request
    # (requests' trust_env; its cost per call: docs/storage-design.md). It does so only when a
    # proxy is configured; a custom CA bundle is handed to the transport directly.
    use_env_settings: bool = True
    ca_bundle: str | None = None


_PROXY_VARIABLES = frozenset({"http_proxy", "https_proxy", "all_proxy", "no_proxy"})


def read_storage(env: dict[str, str], connection: str = STORAGE) -> StorageEndpoints:
    """Connection `connection` (AzureWebJobsStorage unless named), with how its transport
    treats proxies and CA bundles (the process's, read from the same settings)."""
    return replace(
        _read_endpoints(env, connection),
        use_env_settings=any(name.lower() in _PROXY_VARIABLES for name in env),
        ca_bundle=env.get("REQUESTS_CA_BUNDLE") or env.get("CURL_CA_BUNDLE") or None,
    )


def _read_endpoints(env: dict[str, str], connection: str) -> StorageEndpoints:
    """One connection, read as the Functions host reads its connections: the setting holds a
    connection string, or `<name>__accountName` / `<name>__<service>ServiceUri` name the
    account of an identity-based one."""
    value = env.get(connection, "").strip()
    if value.replace(" ", "").lower() == "usedevelopmentstorage=true":
        return StorageEndpoints(DEVELOPMENT_CONNECTION)
    if value:
        return StorageEndpoints(value)
    account = env.get(f"{connection}__accountName", "").strip()
    uris = {
        service: env.get(f"{connection}__{service}ServiceUri", "").strip()
        or (f"https://{account}.{service}.core.windows.net" if account else "")
        for service in ("blob", "queue", "table")
    }
    if not all(uris.values()):
        raise SettingsError(
            f"Set {connection} to a connection string, or {connection}__accountName "
            "for an identity-based connection."
        )
    endpoints = StorageEndpoints(None, uris["blob"], uris["queue"], uris["table"])
    return _with_identity(endpoints, env, connection)


def _with_identity(
    endpoints: StorageEndpoints, env: dict[str, str], connection: str
) -> StorageEndpoints:
    """Add the connection's identity settings. Only `managedidentity` is a valid `__credential`
    (the host's one documented value; shared.settings_rules refuses any other, which would
    silently pick another identity)."""
    credential = env.get(f"{connection}__credential", "").strip().lower()  # checked: rules

    def setting(name: str) -> str | None:
        return env.get(f"{connection}__{name}", "").strip() or None

    return replace(
        endpoints,
        credential="managedidentity" if credential else None,
        client_id=setting("clientId"),
        tenant_id=setting("tenantId"),
        client_secret=setting("clientSecret"),
    )


def read_order_storage(
    env: dict[str, str], storage: StorageEndpoints
) -> tuple[tuple[str, ...], tuple[StorageEndpoints, ...]]:
    """The order accounts' connection names and endpoints (ORDER_STORAGE_CONNECTIONS);
    AzureWebJobsStorage's are `storage` itself."""
    names = order_connection_names(env.get(ORDER_CONNECTIONS_SETTING, "")) or (STORAGE,)
    accounts = tuple(storage if name == STORAGE else read_storage(env, name) for name in names)
    return names, accounts


def read_uploads_storage(env: dict[str, str]) -> StorageEndpoints | None:
    """UploadsStorage, read as the host reads the blob trigger's connection; None when it is
    not set at all (the app's clients then use AzureWebJobsStorage; the host still needs it
    for make_thumbnail's trigger, so local.settings.json.example and infra/ set it)."""
    return read_storage(env, UPLOADS_CONNECTION) if uploads_connection_set(env) else None
