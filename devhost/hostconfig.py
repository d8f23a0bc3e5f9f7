"""The parts of host.json the local host honours.

`AzureFunctionsJobHost__<path>` environment variables override host.json values, as on
Azure (for example `AzureFunctionsJobHost__extensions__http__routePrefix`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from devhost.timespan import parse_timespan

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

__all__ = ["BlobOptions", "HostConfig", "QueueOptions", "load_host_config"]

_OVERRIDE_PREFIX = "AzureFunctionsJobHost__"
# Premium/Dedicated default; Consumption caps at 5 minutes, which this app sets explicitly.
_DEFAULT_FUNCTION_TIMEOUT = 30 * 60.0


@dataclass(frozen=True, slots=True)
class QueueOptions:
    """extensions.queues, with the documented defaults."""

    max_polling_interval: float = 60.0
    visibility_timeout: float = 0.0
    batch_size: int = 16
    new_batch_threshold: int = 8
    max_dequeue_count: int = 5
    message_encoding: str = "base64"


@dataclass(frozen=True, slots=True)
class BlobOptions:
    """extensions.blobs (Storage extension 5.x, which extension bundle 4.x carries)."""

    max_degree_of_parallelism: int = 8 * (os.cpu_count() or 1)
    # Tries per blob before its message goes to webjobs-blobtrigger-poison.
    poison_blob_threshold: int = 5

    @property
    def host_queue_batch(self) -> tuple[int, int]:
        """(batchSize, newBatchThreshold) of the host's blob trigger queue: the extension
        splits maxDegreeOfParallelism between the two (SharedBlobQueueListenerFactory)."""
        batch = min(32, self.max_degree_of_parallelism // 2 + 1)
        return batch, self.max_degree_of_parallelism - batch


@dataclass(frozen=True, slots=True)
class HostConfig:
    route_prefix: str = "api"
    function_timeout: float | None = _DEFAULT_FUNCTION_TIMEOUT
    queues: QueueOptions = field(default_factory=QueueOptions)
    blobs: BlobOptions = field(default_factory=BlobOptions)
    host_id: str | None = None


def _get(section: Mapping[str, Any], name: str) -> Any:
    """Case-insensitive lookup, as the host's configuration binder does."""
    for key, value in section.items():
        if key.lower() == name.lower():
            return value
    return None


def _apply_overrides(document: dict[str, Any], environ: Mapping[str, str]) -> None:
    for key, value in environ.items():
        if not key.startswith(_OVERRIDE_PREFIX):
            continue
        path = key[len(_OVERRIDE_PREFIX) :].split("__")
        node = document
        for part in path[:-1]:
            existing = next((k for k in node if k.lower() == part.lower()), part)
            node = node.setdefault(existing, {})
        last = next((k for k in node if k.lower() == path[-1].lower()), path[-1])
        node[last] = value


def _queue_options(section: Mapping[str, Any]) -> QueueOptions:
    defaults = QueueOptions()
    batch = int(_get(section, "batchSize") or defaults.batch_size)
    if not 1 <= batch <= 32:
        raise ValueError("extensions.queues.batchSize must be within 1..32")
    threshold = _get(section, "newBatchThreshold")
    polling = _get(section, "maxPollingInterval")
    visibility = _get(section, "visibilityTimeout")
    encoding = str(_get(section, "messageEncoding") or defaults.message_encoding).lower()
    if encoding not in ("base64", "none"):
        raise ValueError("extensions.queues.messageEncoding must be base64 or none")
    return QueueOptions(
        max_polling_interval=parse_timespan(polling) if polling else 60.0,
        visibility_timeout=parse_timespan(visibility) if visibility else 0.0,
        batch_size=batch,
        new_batch_threshold=int(threshold) if threshold is not None else batch // 2,
        max_dequeue_count=int(_get(section, "maxDequeueCount") or defaults.max_dequeue_count),
        message_encoding=encoding,
    )


def _blob_options(section: Mapping[str, Any]) -> BlobOptions:
    defaults = BlobOptions()
    parallelism = int(_get(section, "maxDegreeOfParallelism") or defaults.max_degree_of_parallelism)
    threshold = int(_get(section, "poisonBlobThreshold") or defaults.poison_blob_threshold)
    if parallelism < 1 or threshold < 1:
        raise ValueError("extensions.blobs: maxDegreeOfParallelism and poisonBlobThreshold >= 1")
    return BlobOptions(parallelism, threshold)


def _function_timeout(raw: Any) -> float | None:
    if raw is None:
        return _DEFAULT_FUNCTION_TIMEOUT
    if str(raw).strip() in ("", "-1"):
        return None
    return parse_timespan(raw)


def load_host_config(script_root: Path, environ: Mapping[str, str] | None = None) -> HostConfig:
    path = script_root / "host.json"
    document: dict[str, Any] = (
        json.loads(path.read_text(encoding="utf-8-sig")) if path.is_file() else {}
    )
    _apply_overrides(document, os.environ if environ is None else environ)
    extensions = _get(document, "extensions") or {}
    http = _get(extensions, "http") or {}
    prefix = _get(http, "routePrefix")
    blobs = _get(extensions, "blobs") or {}
    return HostConfig(
        route_prefix=("api" if prefix is None else str(prefix)).strip("/"),
        function_timeout=_function_timeout(_get(document, "functionTimeout")),
        queues=_queue_options(_get(extensions, "queues") or {}),
        blobs=_blob_options(blobs),
        host_id=_get(document, "id"),
    )
