"""Nightly sweep cost: 100 stale PENDING orders among 0, then among N fresh ones.

The sweep reads each of the 16 order partitions only over the RowKey range of pending-index
rows older than the cutoff, so its time should follow the stale orders, not the table. Fresh
orders are written as the repository writes them (order row + pending-index row, so they sit
in the very key range the sweep reads from), in raw batches to keep set-up short; stale
orders go through the order service with an injected clock, events and all. Each round
creates 100 stale orders and times one sweep; the median of the rounds is reported.

    .venv/bin/python -m bench.sweep [--fresh 50000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from azure.core.exceptions import ResourceExistsError

from devhost.azurite import running_azurite
from tests.support import BACK_OFFICE

STALE = 100
_CONCURRENCY = 8


async def _bounded(calls: list[Any]) -> None:
    """Await `calls` (coroutines), at most _CONCURRENCY at a time."""
    bound = asyncio.Semaphore(_CONCURRENCY)

    async def one(call: Any) -> None:
        async with bound:
            await call

    await asyncio.gather(*(one(call) for call in calls))


async def _create_stale(count: int) -> None:
    from shared import bootstrap
    from shared.orders import services

    then = datetime.now(UTC) - timedelta(days=2)
    body = {"customer_id": "bench-stale", "product_id": "p", "quantity": 1, "total_amount": 1}
    repo = await bootstrap.order_repository()
    await _bounded(
        [
            services.create_order(body, repo=repo, clock=lambda: then, caller=BACK_OFFICE)
            for _ in range(count)
        ]
    )


async def _add_fresh(count: int) -> None:
    """`count` fresh PENDING orders with their index rows, 50 orders per transaction."""
    from shared import bootstrap
    from shared.orders.events import OrderEvent
    from shared.orders.model import Order, OrderDraft, format_time
    from shared.orders.table_layout import order_entity, partition_of, pending_entity

    client = bootstrap.storage_clients().table("Orders")
    with contextlib.suppress(ResourceExistsError):  # a fresh Azurite: infra's job on Azure
        await client.create_table()
    now = format_time(datetime.now(UTC))
    draft = OrderDraft("bench-fresh", "p", 1, Decimal("1.00"))
    by_partition: dict[str, list[tuple[str, dict[str, object], dict[str, object]]]] = {}
    for _ in range(count):
        order = Order.create(str(uuid.uuid4()), draft, now=now)
        event = OrderEvent.for_change(None, order, now=now)
        rows = by_partition.setdefault(partition_of(order.order_id), [])
        rows += [("create", order_entity(order, event), {}), ("create", pending_entity(order), {})]

    await _bounded(
        [
            client.submit_transaction(rows[start : start + 100])
            for rows in by_partition.values()
            for start in range(0, len(rows), 100)
        ]
    )


async def _time_sweeps(rounds: int) -> list[float]:
    from shared import bootstrap
    from shared.changes import run_nightly_sweep

    times = []
    for _ in range(rounds):
        await _create_stale(STALE)
        started = time.perf_counter()
        report = await run_nightly_sweep(
            repo=await bootstrap.order_repository(),
            backlog=await bootstrap.order_backlog(),
            publisher=bootstrap.event_publisher(),
            ttl=timedelta(hours=bootstrap.settings().pending_ttl_hours),
            now=datetime.now(UTC),
            past_due=False,
        )
        times.append(time.perf_counter() - started)
        assert report.expired == STALE, report
    return times


async def _scenario(fresh: int, rounds: int) -> float:
    from shared import bootstrap

    await bootstrap.reset()
    started = time.perf_counter()
    await _add_fresh(fresh)
    if fresh:
        print(f"  wrote {fresh} fresh orders in {time.perf_counter() - started:.1f} s")
    times = await _time_sweeps(rounds)
    print(
        f"  sweep of {STALE} stale among {fresh} fresh: "
        + ", ".join(f"{t * 1000:.0f}" for t in times)
        + " ms"
    )
    await bootstrap.reset()
    return statistics.median(times)


def _scenario_on_own_azurite(fresh: int, rounds: int, location: Path) -> float:
    with running_azurite(location) as azurite:
        os.environ["AzureWebJobsStorage"] = azurite.connection_string  # noqa: SIM112
        return asyncio.run(_scenario(fresh, rounds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fresh", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        empty = _scenario_on_own_azurite(0, args.rounds, Path(folder) / "empty")
        full = _scenario_on_own_azurite(args.fresh, args.rounds, Path(folder) / "full")
    print(f"\n| fresh orders | median sweep ms ({STALE} stale) | ratio |\n|---:|---:|---:|")
    print(f"| 0 | {empty * 1000:.0f} | 1.00x |")
    print(f"| {args.fresh} | {full * 1000:.0f} | {full / empty:.2f}x |")


if __name__ == "__main__":
    main()
