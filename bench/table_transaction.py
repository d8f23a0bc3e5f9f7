"""One order's entity-group transaction (three rows: order, outbox event, sweep index) through
`TableClient.submit_transaction` against `shared.table_transactions.submit_transaction`, on
the same asyncio client and the same Azurite, in the same run. Reports the process CPU
per transaction, one at a time and with 12 in flight (the throughput benchmark's load),
rounds alternating between the two so machine noise hits both alike.

    .venv/bin/python -m bench.table_transaction [--transactions 400] [--rounds 4]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devhost.azurite import running_azurite
from shared.table_transactions import Insert, submit_transaction

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from azure.data.tables.aio import TableClient

    Submit = Callable[[TableClient, list[dict[str, Any]]], Awaitable[Any]]


def order_rows() -> list[dict[str, Any]]:
    """The rows the app writes for a new order (shared.orders.table_layout)."""
    from shared.orders.events import OrderEvent
    from shared.orders.model import Order, OrderDraft
    from shared.orders.table_layout import order_entity, outbox_entity, pending_entity

    draft = OrderDraft("bench", "p-1", 2, Decimal("9.99"))
    order = Order.create(str(uuid.uuid4()), draft, now="2026-12-02T00:00:00.000Z")
    event = OrderEvent.for_change(None, order, now=order.created_at)
    return [order_entity(order, event), outbox_entity(event), pending_entity(order)]


async def sdk(client: TableClient, rows: list[dict[str, Any]]) -> Any:
    return await client.submit_transaction([("create", row) for row in rows])


async def lean(client: TableClient, rows: list[dict[str, Any]]) -> Any:
    return await submit_transaction(client, [Insert(row) for row in rows])


async def cpu_per_transaction(
    client: TableClient, submit: Submit, count: int, in_flight: int
) -> float:
    """Milliseconds of this process's CPU per transaction."""
    gate = asyncio.Semaphore(in_flight)

    async def one() -> None:
        async with gate:
            await submit(client, order_rows())

    started = time.process_time()
    await asyncio.gather(*(one() for _ in range(count)))
    return (time.process_time() - started) * 1000 / count


async def run(connection: str, count: int, rounds: int) -> dict[tuple[str, int], list[float]]:
    from azure.data.tables.aio import TableServiceClient

    cpu: dict[tuple[str, int], list[float]] = {}
    async with TableServiceClient.from_connection_string(connection) as service:
        await service.create_table_if_not_exists("BenchTransactions")
        client = service.get_table_client("BenchTransactions")
        for submit in (sdk, lean):  # warm connections and imports on both sides
            await cpu_per_transaction(client, submit, 50, 12)
        for _ in range(rounds):
            for in_flight in (1, 12):
                for submit in (sdk, lean):
                    cpu_ms = await cpu_per_transaction(client, submit, count, in_flight)
                    cpu.setdefault((submit.__name__, in_flight), []).append(cpu_ms)
    return cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--transactions", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, running_azurite(Path(folder)) as azurite:
        os.environ["AzureWebJobsStorage"] = azurite.connection_string  # noqa: SIM112 - the host's name
        cpu = asyncio.run(run(azurite.connection_string, args.transactions, args.rounds))
    print(
        f"3-row transaction, {args.transactions} per round, {args.rounds} rounds alternating; "
        "process CPU ms per transaction (median of rounds)\n"
    )
    print("| in flight | SDK submit_transaction | shared.table_transactions | SDK / this |")
    print("|---:|---:|---:|---:|")
    for in_flight in (1, 12):
        theirs, ours = (statistics.median(cpu[(side, in_flight)]) for side in ("sdk", "lean"))
        print(f"| {in_flight} | {theirs:.2f} | {ours:.2f} | {theirs / ours:.1f}x |")


if __name__ == "__main__":
    main()
