"""The cost model of docs/cost.md: the work one order and one thumbnail cause (measured), priced
on the deployed Azure design and on the seed's AWS design (Lambda, API Gateway, DynamoDB, S3).

Measured (bench/measured.json): CPU per order and storage requests per order
(bench.throughput, bench.storage_requests), telemetry bytes per order and per thumbnail and
CPU per thumbnail (bench.telemetry_volume). Assumed, each with a range where this machine
cannot tell: how fast an Azure or AWS vCPU runs this code against one core here, a storage
round trip in the region, how the billed telemetry size compares with the JSON envelopes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

__all__ = [
    "HIGH",
    "LOW",
    "MID",
    "Assumptions",
    "Measured",
    "aws_order",
    "aws_thumbnail",
    "azure_order",
    "azure_thumbnail",
]

GB = 1e9  # a billed GB (10^9 bytes, as Log Analytics and CloudWatch count ingestion)
LAMBDA_FULL_VCPU_MB = 1769  # Lambda gives one full vCPU at 1,769 MB (AWS Lambda docs)


@dataclass(frozen=True)
class Assumptions:
    speed: float  # a cloud vCPU against one core of this machine, for this code
    rtt_s: float  # one storage round trip in the region
    billed_ratio: float  # billed telemetry bytes / JSON envelope bytes
    flex_memory_gb: float = 2.0  # instanceMemoryMB 2048 (infra/main.bicep's default)
    http_concurrency: int = 16  # httpPerInstanceConcurrency (infra/main.bicep's default)
    lambda_memory_mb: int = 1024  # the seed's functions (not known: a common choice)
    order_trips: tuple[int, int] = (2, 1)  # round trips: create (transaction, send); feed
    thumbnail_trips: int = 4  # status read, download, thumbnail write, status write
    thumbnail_executions: int = 3  # POST /api/images, make_thumbnail, one status read
    event_grid_operations: int = 3  # publish, advanced filter match, delivery
    order_bytes_stored: int = 2_000  # order, index and read-model rows of one order
    thumbnail_bytes: int = 20_000  # one 200x200 thumbnail
    lambda_log_bytes: int = 600  # START, END, REPORT and a log line per invocation


MID = Assumptions(speed=1.0, rtt_s=0.008, billed_ratio=1.0)
LOW = replace(MID, speed=1.5, rtt_s=0.004, billed_ratio=0.6)  # the cheapest case
HIGH = replace(MID, speed=0.6, rtt_s=0.015, billed_ratio=1.2)  # the dearest case


@dataclass(frozen=True)
class Measured:
    cpu_s_per_order: float
    table_requests: float  # per order, the outbox cleanup included
    queue_requests: float
    telemetry_bytes: dict[float, float]  # sampling ratio -> bytes per order
    thumbnail_telemetry_bytes: dict[float, float]
    cpu_s_per_thumbnail: float
    image_bytes: int

    @classmethod
    def of(cls, measured: dict[str, Any], table: float, queue: float, cpu_ms: float) -> Measured:
        runs = measured["telemetry_volume"]["runs"]
        first = runs[0]
        return cls(
            cpu_s_per_order=cpu_ms / 1000,
            table_requests=table,
            queue_requests=queue,
            telemetry_bytes={r["sampling_ratio"]: r["bytes_per_order"] for r in runs},
            thumbnail_telemetry_bytes={r["sampling_ratio"]: r["bytes_per_thumbnail"] for r in runs},
            cpu_s_per_thumbnail=first["cpu_ms_per_thumbnail"] / 1000,
            image_bytes=int(first["image_bytes"]),
        )


def instance_seconds(rate: float, cpu_s: float, wall_s: float, concurrency: int) -> float:
    """Billed instance time per execution on Flex Consumption, which bills the memory of an
    instance while it runs at least one execution: the greater of the CPU it needs, the
    instances its concurrency limit needs, and the share of time a lone instance is busy when
    executions of `wall_s` arrive at random (`rate` per second)."""
    busy = max(rate * cpu_s, rate * wall_s / concurrency, 1 - math.exp(-rate * wall_s))
    return busy / rate


def azure_order(
    m: Measured, a: Assumptions, rate: float, prices: dict[str, float]
) -> dict[str, float]:
    """USD per million orders, by component."""
    cpu = m.cpu_s_per_order / a.speed / 2  # half on the HTTP function, half on the feed
    seconds = sum(
        instance_seconds(rate, cpu, trips * a.rtt_s + cpu, a.http_concurrency)
        for trips in a.order_trips
    )
    telemetry = {
        ratio: 1e6 * b * a.billed_ratio / GB * prices["log_analytics_gb"]
        for ratio, b in m.telemetry_bytes.items()
    }
    return {
        "executions": 2 * prices["flex_executions"],
        "execution time": 1e6 * a.flex_memory_gb * seconds * prices["flex_execution_gb_s"],
        "storage transactions": 1e6
        / 1e4
        * (
            m.table_requests * prices["table_transactions"]
            + m.queue_requests * prices["queue_operations"]
        ),
        **{f"telemetry, {ratio:.0%} sampled": cost for ratio, cost in telemetry.items()},
        "capacity, a month kept": 1e6 * a.order_bytes_stored / GB * prices["table_capacity"],
    }


def _lambda_s(cpu_s: float, trips: int, a: Assumptions) -> float:
    """Billed duration of one invocation: round trips plus CPU at the memory's vCPU share,
    rounded up to the millisecond."""
    share = min(1.0, a.lambda_memory_mb / LAMBDA_FULL_VCPU_MB)
    return math.ceil((trips * a.rtt_s + cpu_s / a.speed / share) * 1000) / 1000


def aws_order(m: Measured, a: Assumptions, prices: dict[str, float]) -> dict[str, float]:
    """USD per million orders on the seed's design: API Gateway (HTTP API) -> Lambda writes the
    order (one PutItem); DynamoDB Streams -> Lambda writes the two read-model items."""
    cpu = m.cpu_s_per_order / 2
    seconds = _lambda_s(cpu, 1, a) + _lambda_s(cpu, 1, a)
    logs = 2 * a.lambda_log_bytes
    return {
        "API Gateway requests": prices["api_gateway_http"],
        "Lambda requests": 2 * prices["lambda_requests"],
        "Lambda duration": 1e6 * a.lambda_memory_mb / 1024 * seconds * prices["lambda_gb_s"],
        "DynamoDB writes": 3 * prices["dynamodb_wru"],
        "CloudWatch Logs": 1e6 * logs / GB * prices["cloudwatch_logs_gb"],
        "capacity, a month kept": 1e6 * a.order_bytes_stored / GB * prices["dynamodb_capacity"],
    }


def azure_thumbnail(m: Measured, a: Assumptions, prices: dict[str, float]) -> dict[str, float]:
    """USD per thousand thumbnails (12 MP JPEG uploads)."""
    busy = m.cpu_s_per_thumbnail / a.speed + a.thumbnail_trips * a.rtt_s
    busy += (a.thumbnail_executions - 1) * (a.rtt_s + m.cpu_s_per_order / a.speed / 2)
    kept = (m.image_bytes + a.thumbnail_bytes) / GB
    return {
        "executions": 1e3 * a.thumbnail_executions * prices["flex_executions"] / 1e6,
        "execution time": 1e3 * a.flex_memory_gb * busy * prices["flex_execution_gb_s"],
        # the client's PUT and the thumbnail's; the download and its properties; two status
        # writes and a read; the host queue's put, receive and delete
        "storage transactions": 1e3
        / 1e4
        * (
            2 * prices["blob_writes"]
            + 2 * prices["blob_reads"]
            + 3 * prices["table_transactions"]
            + 3 * prices["queue_operations"]
        ),
        "Event Grid": 1e3 * a.event_grid_operations * prices["event_grid_operations"] / 1e6,
        **{
            f"telemetry, {ratio:.0%} sampled": 1e3
            * b
            * a.billed_ratio
            / GB
            * prices["log_analytics_gb"]
            for ratio, b in m.thumbnail_telemetry_bytes.items()
        },
        "capacity, a month kept": 1e3 * kept * prices["blob_capacity"],
    }


def aws_thumbnail(m: Measured, a: Assumptions, prices: dict[str, float]) -> dict[str, float]:
    """USD per thousand thumbnails on the seed's design: a presigned PUT, S3's event to a
    Lambda that makes the thumbnail, a status item in DynamoDB read through API Gateway."""
    seconds = _lambda_s(m.cpu_s_per_thumbnail, 3, a) + 2 * _lambda_s(m.cpu_s_per_order / 2, 1, a)
    kept = (m.image_bytes + a.thumbnail_bytes) / GB
    return {
        "API Gateway requests": 1e3 * 2 * prices["api_gateway_http"] / 1e6,
        "Lambda requests": 1e3 * 3 * prices["lambda_requests"] / 1e6,
        "Lambda duration": 1e3 * a.lambda_memory_mb / 1024 * seconds * prices["lambda_gb_s"],
        "S3 requests": 1e3 / 1e3 * (2 * prices["s3_puts"] + prices["s3_gets"]),
        "DynamoDB": 1e3 * (2 * prices["dynamodb_wru"] + prices["dynamodb_rru"]) / 1e6,
        "CloudWatch Logs": 1e3 * 3 * a.lambda_log_bytes / GB * prices["cloudwatch_logs_gb"],
        "capacity, a month kept": 1e3 * kept * prices["s3_capacity"],
    }
