"""The composition root: which adapter serves which port, and every process cache.

All wiring of the app is in this package, and this is the one module the blueprints (and
tests, benchmarks) import it from. They ask it for what a function needs (a repository, a
publisher, a store, the settings) and hand it to the core as parameters; nothing in the core
imports it, so the core can be tested with fakes and without it.

What is built here lives for the process, as the Functions worker keeps one process (and one
event loop) for many invocations: the settings are read once (`app_settings`), the check of
callers' tokens is made once (`callers`), and the storage clients (`wiring`) and what is built
on them (`orders`, `change_feed`, `images`) are made on first use, per event loop, as their
aiohttp sessions belong to the loop they were opened on. `operations` holds what spans them
all: the health check's table, the warmup, and `reset()`, which forgets everything for tests
that point the app at another storage account.

Importing this package loads no SDK: each factory imports its adapter when first called, so a
function that never touches blobs never loads the blob SDK (cold start).
"""

from shared.bootstrap.app_settings import settings
from shared.bootstrap.callers import prefetch_signing_keys, token_verifier
from shared.bootstrap.change_feed import (
    customer_orders,
    daily_summary,
    event_publisher,
    order_backlog,
    outbox_cleanup,
    queue_publisher,
)
from shared.bootstrap.images import IMAGE_STATUS_TABLE, blob_origin, image_store
from shared.bootstrap.operations import health_probe, reset, warm_up
from shared.bootstrap.orders import legacy_idempotency_keys, new_order_id, order_repository
from shared.bootstrap.wiring import order_storage_clients, storage_clients, uploads_clients

__all__ = [
    "IMAGE_STATUS_TABLE",
    "blob_origin",
    "customer_orders",
    "daily_summary",
    "event_publisher",
    "health_probe",
    "image_store",
    "legacy_idempotency_keys",
    "new_order_id",
    "order_backlog",
    "order_repository",
    "order_storage_clients",
    "outbox_cleanup",
    "prefetch_signing_keys",
    "queue_publisher",
    "reset",
    "settings",
    "storage_clients",
    "token_verifier",
    "uploads_clients",
    "warm_up",
]
