"""The process as a whole: what the health check reads, the warmup that builds everything
before traffic, and the reset that forgets everything (as a new process)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.bootstrap.app_settings import forget_settings, settings
from shared.bootstrap.callers import forget_token_verifier, prefetch_signing_keys
from shared.bootstrap.change_feed import customer_orders, daily_summary, event_publisher
from shared.bootstrap.images import IMAGE_STATUS_TABLE, azure_image_store
from shared.bootstrap.orders import order_repository, table_legacy_keys
from shared.bootstrap.wiring import close_loop_wiring, ready

if TYPE_CHECKING:
    from datetime import datetime

    from azure.data.tables.aio import TableClient

    from shared.warmup import WarmupReport

__all__ = ["health_probe", "reset", "warm_up"]


async def health_probe() -> TableClient:
    """What the health check reads: the orders table."""
    name = settings().orders_table
    return (await ready()).storage.table(name)


async def warm_up(*, now: datetime) -> WarmupReport:
    """Everything a function needs, before the instance takes traffic (blueprints/warmup.py):
    every adapter of every account built (importing the SDKs), each identity's token fetched,
    then at once one cheap call per table, event queue and container, opening its pooled
    connection (and creating one that is missing), the image store's signing key and the
    token issuer's signing keys. Failed steps are logged and skipped (shared.warmup)."""
    from shared.warmup import run_steps, storage_steps

    wiring = await ready()
    current = settings()
    await order_repository()  # the orders' adapters, the backlog, the cleanup, the publisher
    await customer_orders()
    await daily_summary()
    names = (current.orders_table, current.customer_orders_table, current.order_summary_table)
    tables = [account.table(name) for account in wiring.accounts for name in names]
    tables.append(wiring.uploads.table(IMAGE_STATUS_TABLE))
    queues = [shard.queue for shard in event_publisher().shards]
    steps = storage_steps(tables, queues, await azure_image_store(), now=now)
    steps["token issuer's signing keys"] = prefetch_signing_keys()  # with authentication on
    # Whether keys written before issue 33 are still read (never creating their table).
    steps["Idempotency-Keys written before"] = (await table_legacy_keys()).reading(now)
    return await run_steps(steps)


async def reset() -> None:
    """As a new process: forget the settings (and which problems were logged) and close this
    loop's clients, so the next use builds everything again from the app settings as they
    are now (tests point the app at another account)."""
    forget_settings()
    forget_token_verifier()
    await close_loop_wiring()
