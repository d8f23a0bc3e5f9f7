"""The worker invoker (`python -m devhost --invoker worker`, Python 3.13+): devhost plays the
Functions host and the proxy worker, and every function runs in Microsoft's worker library,
through the host protocol's messages (built by `protos` from `schema`). See docs/local-host.md.
"""

from devhost.worker.exceptions import (
    MetadataMismatch,
    WorkerError,
    WorkerStartFailed,
    WorkerUnavailable,
)
from devhost.worker.runner import WorkerRunner

__all__ = [
    "MetadataMismatch",
    "WorkerError",
    "WorkerRunner",
    "WorkerStartFailed",
    "WorkerUnavailable",
]
