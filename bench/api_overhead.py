"""API overhead: create and get through the registered HTTP functions against raw
`TableClient.create_entity` / `get_entity`, on the same Azurite in the same run.

The app's create is one entity-group transaction (order + outbox event + sweep index row)
plus validation and JSON, and the change feed's send-after-commit; the raw baselines write one
bare entity, and the same three rows in one raw transaction (the floor any outbox design on
Table Storage pays). Raw calls use the app's own asyncio table client, so the ratios show
what the app adds; the sync client's bare calls are listed too, for comparison with the
figures measured before the core became async. Calls are interleaved so machine noise hits
every side alike, one at a time on one event loop, as the worker runs them.

    .venv/bin/python -m bench.api_overhead [--requests 300]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.stats import summary_ms
from devhost.azurite import running_azurite

if TYPE_CHECKING:
    from collections.abc import Callable

NAMES = (
    "app create",
    "raw create",
    "raw transaction",
    "app get",
    "raw get",
    "sync raw create",
    "sync raw transaction",
    "sync raw get",
)


async def timed(into: list[float], call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    started = time.perf_counter()
    result = call(*args, **kwargs)
    if asyncio.iscoroutine(result):
        result = await result
    into.append(time.perf_counter() - started)
    return result


async def run(requests: int, connection: str) -> dict[str, list[float]]:
    from azure.data.tables import TableClient

    from shared import bootstrap
    from tests.support import call_http, json_of, table

    await bootstrap.reset()
    raw = await table("BenchRaw")
    sync_raw = TableClient.from_connection_string(connection, "BenchRaw", use_env_settings=False)
    body = {"customer_id": "bench", "product_id": "p-1", "quantity": 2, "total_amount": 9.99}
    samples: dict[str, list[float]] = {name: [] for name in NAMES}
    for _ in range(20):  # warm up connections and caches on every side
        await call_http("create_order", "POST", body=body)
        await raw.create_entity({"PartitionKey": "warm", "RowKey": str(uuid.uuid4())})
        sync_raw.create_entity({"PartitionKey": "warm", "RowKey": str(uuid.uuid4())})
    for _ in range(requests):
        created = await timed(samples["app create"], call_http, "create_order", "POST", body=body)
        order_id = json_of(created)["order_id"]
        row = str(uuid.uuid4())
        entity = {"PartitionKey": "p00", "RowKey": row} | body | {"total_amount": "9.99"}
        await timed(samples["raw create"], raw.create_entity, entity)
        sync_entity = entity | {"RowKey": f"{row}-s"}
        await timed(samples["sync raw create"], sync_raw.create_entity, sync_entity)
        rows = [("create", entity | {"RowKey": f"{row}-{n}"}) for n in range(3)]
        await timed(samples["raw transaction"], raw.submit_transaction, rows)
        sync_rows = [(op, row | {"RowKey": f"{row['RowKey']}-s"}) for op, row in rows]
        await timed(samples["sync raw transaction"], sync_raw.submit_transaction, sync_rows)
        route = {"order_id": order_id}
        await timed(samples["app get"], call_http, "get_order", "GET", route_params=route)
        await timed(samples["raw get"], raw.get_entity, "p00", row)
        await timed(samples["sync raw get"], sync_raw.get_entity, "p00", row)
    sync_raw.close()
    await bootstrap.reset()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    requests = parser.parse_args().requests
    with tempfile.TemporaryDirectory() as folder, running_azurite(Path(folder)) as azurite:
        os.environ["AzureWebJobsStorage"] = azurite.connection_string  # noqa: SIM112 - the host's name
        samples = asyncio.run(run(requests, azurite.connection_string))
    stats = {name: summary_ms(values) for name, values in samples.items()}
    print(f"API overhead, {requests} requests each, same Azurite, interleaved\n")
    print("| operation | p50 ms | p95 ms | p50 ratio app/raw | p95 ratio app/raw |")
    print("|---|---:|---:|---:|---:|")
    rows = (
        ("app create", "raw create"),
        ("raw create", None),
        ("app create", "raw transaction"),
        ("raw transaction", None),
        ("app get", "raw get"),
        ("raw get", None),
        ("app create", "sync raw transaction"),
        ("sync raw create", None),
        ("sync raw transaction", None),
        ("sync raw get", None),
    )
    for name, baseline in rows:
        figures = stats[name]
        label = f"{name} vs {baseline}" if baseline else name
        ratios = ["", ""]
        if baseline:
            ratios = [f"{figures[q] / stats[baseline][q]:.2f}x" for q in ("p50", "p95")]
        p50, p95 = figures["p50"], figures["p95"]
        print(f"| {label} | {p50:.2f} | {p95:.2f} | {ratios[0]} | {ratios[1]} |")


if __name__ == "__main__":
    main()
