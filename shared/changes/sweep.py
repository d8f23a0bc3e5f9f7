"""The nightly sweep: expire stale PENDING orders and relay events left in the outbox.

Its cost follows the work, not the table: each of the fixed partitions is read only over the
RowKey range of pending-index rows older than the cutoff, and of outbox rows. Expiry goes
through the order service (ETag-guarded, with its event), so two sweeps at once, or a sweep
racing a PATCH, cannot both change an order. A late (past-due) run simply finds more to do.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shared import telemetry
from shared.changes.outbox import RELAY_AGE, relay_unsent
from shared.errors import AppError
from shared.orders.model import format_time
from shared.orders.services import expire_order
from shared.telemetry import metrics

if TYPE_CHECKING:
    from datetime import datetime, timedelta

    from shared.changes.cleanup import SentEvents
    from shared.changes.publisher import EventPublisher
    from shared.orders.repository import OrderBacklog, OrderRepository

__all__ = ["SweepReport", "run_nightly_sweep", "sweep"]

logger = logging.getLogger(__name__)

PER_PARTITION = 1000  # a bound per run; anything beyond is picked up by the next run
_PARALLEL_PARTITIONS = 8  # partitions swept at once (each one sequentially)


@dataclass(frozen=True, slots=True)
class SweepReport:
    stale: int = 0
    expired: int = 0
    skipped: int = 0
    failed: int = 0
    relayed: int = 0
    relay_failed: int = 0


@dataclass(frozen=True, slots=True)
class _Expiry:
    expired: int
    skipped: int
    failed: int


async def _expire_partition(
    partition: str, *, cutoff: str, repo: OrderRepository, backlog: OrderBacklog, now: datetime
) -> _Expiry:
    expired = skipped = failed = 0
    stale = await backlog.stale_pending(partition, created_before=cutoff, limit=PER_PARTITION)
    for order_id in stale:
        try:
            done = await expire_order(order_id, created_before=cutoff, repo=repo, clock=lambda: now)
        except AppError as exc:  # the index row stays, so the next run tries again
            logger.warning("order_expiry_failed order_id=%s error=%s", order_id, exc.code)
            failed += 1
            continue
        expired, skipped = expired + done, skipped + (not done)
    return _Expiry(expired, skipped, failed)


async def sweep(
    *,
    repo: OrderRepository,
    backlog: OrderBacklog,
    publisher: EventPublisher,
    now: datetime,
    ttl: timedelta,
    cleanup: SentEvents | None = None,
) -> SweepReport:
    """One sweep; `repo` must publish what it writes (PublishingOrderRepository), and
    `cleanup` is where it reports what it sent (its rows are flushed before the relay pass)."""
    cutoff = format_time(now - ttl)
    bound = asyncio.Semaphore(_PARALLEL_PARTITIONS)

    async def expire(partition: str) -> _Expiry:
        async with bound:
            return await _expire_partition(
                partition, cutoff=cutoff, repo=repo, backlog=backlog, now=now
            )

    parts = await asyncio.gather(*(expire(p) for p in backlog.partitions()))
    relay = await relay_unsent(
        backlog=backlog,
        publisher=publisher,
        created_before=format_time(now - RELAY_AGE),
        limit=PER_PARTITION,
        cleanup=cleanup,
    )
    expired, skipped = sum(p.expired for p in parts), sum(p.skipped for p in parts)
    failed = sum(p.failed for p in parts)
    if expired:
        telemetry.record(metrics.SWEEP_EXPIRED, expired)
    return SweepReport(
        expired + skipped + failed, expired, skipped, failed, relay.sent, relay.failed
    )


def log_report(report: SweepReport, *, past_due: bool, started: float) -> None:
    logger.info(
        "nightly_sweep stale=%d expired=%d skipped=%d failed=%d relayed=%d relay_failed=%d "
        "past_due=%s duration_ms=%d",
        report.stale,
        report.expired,
        report.skipped,
        report.failed,
        report.relayed,
        report.relay_failed,
        str(past_due).lower(),
        (time.monotonic() - started) * 1000,
    )


async def run_nightly_sweep(
    *,
    repo: OrderRepository,
    backlog: OrderBacklog,
    publisher: EventPublisher,
    ttl: timedelta,
    now: datetime,
    past_due: bool,
    cleanup: SentEvents | None = None,
) -> SweepReport:
    """The timer's entry point: one sweep, and one summary line in the log."""
    started = time.monotonic()
    report = await sweep(
        repo=repo, backlog=backlog, publisher=publisher, now=now, ttl=ttl, cleanup=cleanup
    )
    log_report(report, past_due=past_due, started=started)
    return report
