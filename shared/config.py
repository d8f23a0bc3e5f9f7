"""One typed settings object, from app settings (environment variables).

App settings are environment variables on Azure, under `func start` (from local.settings.json)
and under devhost alike, and this module is the only reader of them: shared.bootstrap calls
`read_settings` once per process, and the telemetry switch asks `telemetry_switch`. Reading
them, it has shared.settings_rules check every one first, and shared.connections read the
storage connections (`StorageEndpoints`). A problem is a SettingsError (shared.errors).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from shared.errors import SettingsError
from shared.settings_syntax import (
    EVENT_QUEUES_SETTING,
    ORDER_CONNECTIONS_SETTING,
    STORAGE,
    UPLOADS_CONNECTION,
    event_queues_ok,
    order_connection_names,
    read_switch,
    split_list,
)
from shared.sharding import ORDER_EVENTS_QUEUE

if TYPE_CHECKING:
    from shared.connections import StorageEndpoints

__all__ = [
    "ORDER_EVENTS_MAX_DEQUEUE",
    "ORDER_EVENTS_QUEUE",
    "UPLOADS_CONNECTION",
    "AuthSettings",
    "Settings",
    "SettingsError",
    "ThumbnailSettings",
    "event_queue_count",
    "load_settings",
    "order_storage_connections",
    "read_settings",
    "telemetry_switch",
]

# host.json extensions.queues.maxDequeueCount (a test keeps them equal): the attempt after
# which the host moves a failing message to the poison queue, counted by the feed's metrics.
ORDER_EVENTS_MAX_DEQUEUE = 5


@dataclass(frozen=True, slots=True)
class ThumbnailSettings:
    """How uploads become thumbnails (THUMBNAIL_* app settings; see docs/images.md)."""

    width: int = 200
    height: int = 200
    fit: Literal["contain", "cover"] = "contain"
    quality: int = 85
    max_bytes: int = 50 * 1024 * 1024
    max_pixels: int = 50_000_000
    # How long the thumbnail URL in a `ready` status works (a read SAS; at most an hour, the
    # storage account's SAS expiration policy in infra/).
    url_ttl_seconds: int = 15 * 60


@dataclass(frozen=True, slots=True)
class AuthSettings:
    """Who may call (docs/security.md). `required`: every route but the anonymous ones needs
    a caller with a valid token (AUTH_REQUIRED, default true; false only for local
    development, and refused on Azure). The token must be signed by `issuer` (AUTH_ISSUER),
    whose keys are found through `openid_configuration_url`, name one of `audiences` and be
    issued to one of `allowed_clients` (AUTH_AUDIENCES, AUTH_ALLOWED_CLIENT_APPLICATIONS).
    `customer_claim`: the claim that names a customer (CUSTOMER_ID_CLAIM)."""

    required: bool = True
    customer_claim: str = "oid"
    issuer: str = ""
    openid_configuration_url: str = ""
    audiences: tuple[str, ...] = ()
    allowed_clients: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Settings:
    storage: StorageEndpoints
    cors_allowed_origins: tuple[str, ...]
    paging_secret: bytes = field(repr=False)
    # Keys the pseudonyms of file names and customer ids in logs and spans
    # (shared.telemetry.pseudonyms; docs/operations.md, "What is recorded about people").
    pseudonym_key: bytes = field(repr=False, default=b"")
    orders_table: str = "Orders"
    # Idempotency-Key records written before issue 33: read while one can be alive, never
    # written or created (shared.orders.legacy_keys); infra no longer makes the table.
    legacy_idempotency_table: str = "IdempotencyKeys"
    # Change feed and sweep (docs/change-feed.md). The sweep's schedule is not here: the
    # timer binding reads ORDER_SWEEP_SCHEDULE itself, through %ORDER_SWEEP_SCHEDULE%.
    customer_orders_table: str = "OrdersByCustomer"
    order_summary_table: str = "OrderSummary"
    pending_ttl_hours: int = 24
    # How many queues carry the change feed (ORDER_EVENT_QUEUES; docs/scaling.md). The queue
    # names follow from it (shared.sharding), so the triggers and the publisher agree.
    event_queues: int = 1
    # The storage accounts of orders, read models and event queues (ORDER_STORAGE_CONNECTIONS,
    # docs/scaling.md): each connection's name (queue triggers bind to it) and endpoints.
    # Empty: the one account of AzureWebJobsStorage, `storage`.
    order_connections: tuple[str, ...] = (STORAGE,)
    order_storage: tuple[StorageEndpoints, ...] = ()
    images: ThumbnailSettings = ThumbnailSettings()
    # The uploads account (UPLOADS_CONNECTION); None: unset, the images share `storage`.
    uploads_storage: StorageEndpoints | None = None
    auth: AuthSettings = field(default_factory=lambda: AuthSettings())


def _read_origins(raw: str) -> tuple[str, ...]:
    return tuple(origin.rstrip("/") for origin in split_list(raw))


def _derived_key(env: dict[str, str], storage: StorageEndpoints, purpose: bytes) -> bytes:
    """A key for one purpose, derived from the app's one secret. PAGING_TOKEN_SECRET (azd
    generates it), else a connection string (its account key is a secret every such
    deployment has), seeds it, so it is the same on every instance and after restarts. An
    identity-based connection holds no secret at all: deriving from its public URIs would let
    anyone compute the key, so the setting is then required (shared.settings_rules). Each
    purpose hashes under its own label: one key reveals nothing of another."""
    seed = env.get("PAGING_TOKEN_SECRET", "").strip() or storage.connection_string
    assert seed, "shared.settings_rules requires PAGING_TOKEN_SECRET without a connection string"
    return hashlib.sha256(purpose + b":" + seed.encode()).digest()


def _read_int(env: dict[str, str], name: str, default: int) -> int:
    """A whole number that shared.settings_rules has already checked."""
    raw = env.get(name, "").strip()
    return int(raw) if raw else default


def order_storage_connections() -> tuple[str, ...]:
    """The connection names ORDER_STORAGE_CONNECTIONS lists, read when the change feed's
    blueprint is imported (each event queue's trigger binds to the connection of its
    account). A list the settings check refuses counts as AzureWebJobsStorage alone here."""
    raw = os.environ.get(ORDER_CONNECTIONS_SETTING, "")
    return order_connection_names(raw) or (STORAGE,)


def event_queue_count() -> int:
    """ORDER_EVENT_QUEUES, read when the change feed's blueprint is imported: the worker
    indexes the app's functions once, with the app settings in the environment, so the
    number of queue-triggered functions is fixed then. A value the settings check refuses
    counts as 1 here, so the app still indexes and every function reports the setting
    (503 misconfigured) instead of the app showing no functions at all."""
    raw = os.environ.get(EVENT_QUEUES_SETTING, "")
    return _event_queues(raw) or 1


def _event_queues(raw: str) -> int | None:
    value = raw.strip()
    return int(value) if value and event_queues_ok(value) else None


def telemetry_switch() -> bool:
    """PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY, read from the environment as the Python
    worker reads its own switches. When it is on, the worker has configured OpenTelemetry before
    importing the app, and the app records spans and metrics through its API
    (docs/operations.md)."""
    return read_switch(os.environ.get("PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY", "")) is True


def _read_thumbnails(env: dict[str, str]) -> ThumbnailSettings:
    """THUMBNAIL_* over ThumbnailSettings' own defaults (their one home)."""
    default = ThumbnailSettings()
    width, _, height = env.get("THUMBNAIL_SIZE", "").strip().lower().partition("x")
    fit = env.get("THUMBNAIL_FIT", "").strip().lower() or default.fit
    return ThumbnailSettings(
        width=int(width) if width else default.width,
        height=int(height or width) if width else default.height,
        fit="cover" if fit == "cover" else "contain",
        quality=_read_int(env, "THUMBNAIL_QUALITY", default.quality),
        max_bytes=_read_int(env, "THUMBNAIL_MAX_BYTES", default.max_bytes),
        max_pixels=_read_int(env, "THUMBNAIL_MAX_PIXELS", default.max_pixels),
        url_ttl_seconds=_read_int(env, "THUMBNAIL_URL_TTL_SECONDS", default.url_ttl_seconds),
    )


def read_settings() -> Settings:
    """The settings in this process's environment: the app settings."""
    return load_settings(dict(os.environ))


def load_settings(env: dict[str, str]) -> Settings:
    """The settings in `env`; SettingsError naming every bad one (shared.settings_rules)."""
    # The rules and the connections' reading load with the first read of the settings, not
    # with the app (cold start).
    from shared.connections import read_order_storage, read_storage, read_uploads_storage
    from shared.settings_rules import check_settings

    problems = check_settings(env)
    if problems:
        raise SettingsError.from_problems(problems)
    storage = read_storage(env)
    order_connections, order_storage = read_order_storage(env, storage)
    return Settings(
        storage=storage,
        order_connections=order_connections,
        order_storage=order_storage,
        cors_allowed_origins=_read_origins(env.get("CORS_ALLOWED_ORIGINS", "")),
        paging_secret=_derived_key(env, storage, b"paging-token"),
        pseudonym_key=_derived_key(env, storage, b"telemetry-pseudonym"),
        pending_ttl_hours=_read_int(env, "ORDER_PENDING_TTL_HOURS", 24),
        event_queues=_event_queues(env.get(EVENT_QUEUES_SETTING, "")) or 1,
        images=_read_thumbnails(env),
        uploads_storage=read_uploads_storage(env),
        auth=_read_auth(env),
    )


def _read_auth(env: dict[str, str]) -> AuthSettings:
    issuer = env.get("AUTH_ISSUER", "").strip()
    discovery = f"{issuer.rstrip('/')}/.well-known/openid-configuration" if issuer else ""
    return AuthSettings(
        required=read_switch(env.get("AUTH_REQUIRED", "")) is not False,
        customer_claim=env.get("CUSTOMER_ID_CLAIM", "").strip() or "oid",
        issuer=issuer,
        openid_configuration_url=env.get("AUTH_OPENID_CONFIGURATION_URL", "").strip() or discovery,
        audiences=split_list(env.get("AUTH_AUDIENCES", "")),
        allowed_clients=frozenset(split_list(env.get("AUTH_ALLOWED_CLIENT_APPLICATIONS", ""))),
    )
