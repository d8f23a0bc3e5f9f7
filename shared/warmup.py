"""Getting an instance ready before it takes traffic: how the warmup function's steps run.

The composition root names the steps (`shared.bootstrap.warm_up`: one per table, queue and
container of every account, the signing key); this module runs them all at once and reports.
A step that fails is logged and skipped, never raised: the functions build what they need on
first use anyway, so a failed warmup only leaves that work to the first request, and it must
never be a reason for an instance not to take traffic (docs/architecture.md, "Warm before
traffic").

Each storage step is one cheap request that opens a pooled connection and runs the SDK's
request path once; a table, queue or container it finds missing is created
(shared.provisioning), so on a fresh Azurite the first requests find them too.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from shared.provisioning import creating_queue, creating_table

if TYPE_CHECKING:
    from collections.abc import Awaitable, Mapping, Sequence
    from datetime import datetime

    from azure.data.tables.aio import TableClient
    from azure.storage.queue.aio import QueueClient

    from shared.images.store import AzureImageStore

__all__ = ["WarmupReport", "open_queue", "open_table", "run_steps", "storage_steps"]

logger = logging.getLogger(__name__)

# A partition no row of the app uses: the query that opens a table's connection finds nothing.
_NO_PARTITION = "warmup"


@dataclass(frozen=True, slots=True)
class WarmupReport:
    steps: tuple[str, ...]
    failed: dict[str, str] = field(default_factory=dict)  # step -> the error's type


async def open_table(client: TableClient) -> None:
    """The first page of a query that matches no row (a missing table is created)."""

    async def first_page() -> None:
        pages = client.query_entities(
            "PartitionKey eq @p", parameters={"p": _NO_PARTITION}, results_per_page=1
        ).by_page()
        await anext(pages, None)  # the request is the first page's

    await creating_table(client, first_page)


async def open_queue(client: QueueClient) -> None:
    """The queue's properties (a missing queue is created)."""
    await creating_queue(client, client.get_queue_properties)


def storage_steps(
    tables: Sequence[TableClient],
    queues: Sequence[QueueClient],
    images: AzureImageStore,
    *,
    now: datetime,
) -> dict[str, Awaitable[object]]:
    """One step per table and queue, and the image store's (its containers, its signing key),
    named for the log."""
    steps: dict[str, Awaitable[object]] = {
        f"table {t.table_name} of {t.account_name}": open_table(t) for t in tables
    }
    steps |= {f"queue {q.queue_name} of {q.account_name}": open_queue(q) for q in queues}
    steps["containers and signing key"] = images.warm(now=now)
    return steps


async def run_steps(steps: Mapping[str, Awaitable[object]]) -> WarmupReport:
    """Run every step concurrently; log each failure and one line for the whole."""
    started = time.perf_counter()
    results = await asyncio.gather(*steps.values(), return_exceptions=True)
    failed = {}
    for name, result in zip(steps, results, strict=True):
        if isinstance(result, Exception):
            failed[name] = type(result).__name__
            logger.warning("warmup_step_failed step=%r error=%s", name, type(result).__name__)
        elif isinstance(result, BaseException):  # cancelled: the host is stopping
            raise result
    logger.info(
        "warmup steps=%d failed=%d duration_ms=%.0f",
        len(steps),
        len(failed),
        (time.perf_counter() - started) * 1000,
    )
    return WarmupReport(tuple(steps), failed)
