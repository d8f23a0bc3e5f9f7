"""Logs from the worker's side, as `RpcLog` messages, and the host printing them.

The proxy worker detaches console logging and sends every log record of the process to the host
as an `RpcLog` (its `AsyncLoggingHandler` on the root logger and `Dispatcher.on_logging`,
proxy_worker/dispatcher.py; the categories of proxy_worker/logging.py): the level mapped to
the host's, the logger's name as category, `System` for the worker's and library's own loggers
and `User` for the app's, and the invocation id the record belongs to. The host logs `User`
messages under the function and keeps `System` ones for its diagnostics, shown by Core Tools
only with `--verbose`: devhost prints the first at their level and the second at DEBUG.

devhost's own records (loggers under `devhost`) are the host's: they stay off the channel and go
to the console as before; everything else goes through the channel and is printed once.
"""

from __future__ import annotations

import contextvars
import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["CURRENT_INVOCATION", "attach", "print_rpc_log"]

# The invocation an async function (and any task it starts) runs for; the library's own
# `invocation_id_cv` covers sync functions on its thread pool.
CURRENT_INVOCATION: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "devhost_worker_invocation", default=None
)
_HOST = "devhost"
_SYSTEM = ("proxy_worker", "azure.functions", "azure_functions_runtime")
_LEVELS = (
    (logging.CRITICAL, "Critical"),
    (logging.ERROR, "Error"),
    (logging.WARNING, "Warning"),
    (logging.INFO, "Information"),
    (logging.DEBUG, "Debug"),
)
_PYTHON_LEVELS = {
    "Critical": logging.CRITICAL,
    "Error": logging.ERROR,
    "Warning": logging.WARNING,
    "Information": logging.INFO,
    "Debug": logging.DEBUG,
    "Trace": logging.DEBUG,
}
host_logger = logging.getLogger("devhost.worker")


def _is_host(record: logging.LogRecord) -> bool:
    return record.name == _HOST or record.name.startswith(_HOST + ".")


class _HostOnly(logging.Filter):
    """On the console's handlers: the worker's records reach the console as RpcLogs only."""

    def filter(self, record: logging.LogRecord) -> bool:
        return _is_host(record)


class RpcLogHandler(logging.Handler):
    def __init__(self, protos: Any, library: Any, deliver: Callable[[Any], None]) -> None:
        super().__init__()
        self.protos, self._library, self._deliver = protos, library, deliver

    def _invocation_id(self) -> str | None:
        return self._library.invocation_id_cv.get() or CURRENT_INVOCATION.get()

    def emit(self, record: logging.LogRecord) -> None:
        if _is_host(record):
            return
        try:
            level = next((name for number, name in _LEVELS if record.levelno >= number), "None")
            system = record.name.startswith(_SYSTEM)
            log = self.protos.RpcLog(
                level=getattr(self.protos.RpcLog, level),
                message=self.format(record),
                category=record.name,
                log_category=self.protos.RpcLog.RpcLogCategory.Value(
                    "System" if system else "User"
                ),
                invocation_id=self._invocation_id() or "",
            )
            self._deliver(log)
        except Exception:  # noqa: BLE001 - logging's own contract: report, never raise
            self.handleError(record)


def print_rpc_log(protos: Any, log: Any) -> None:
    """The host's side: one console line per RpcLog."""
    level_name = protos.RpcLog.Level.Name(log.level)
    system = log.log_category == protos.RpcLog.RpcLogCategory.Value("System")
    level = logging.DEBUG if system else _PYTHON_LEVELS.get(level_name, logging.INFO)
    host_logger.log(
        level,
        "rpc_log invocation_id=%s category=%s %s",
        log.invocation_id or "-",
        log.category,
        log.message,
    )


def attach(protos: Any, library: Any) -> Callable[[], None]:
    """Route the process's non-host records to the console through RpcLogs; returns the undo.
    Only the console's stream handlers are filtered: an exporter's handler (Azure Monitor's,
    set up in the worker's place) keeps receiving the app's records, as on Azure."""
    root = logging.getLogger()
    host_only = _HostOnly()
    consoles = [h for h in root.handlers if isinstance(h, logging.StreamHandler)]
    for handler in consoles:
        handler.addFilter(host_only)
    channel = RpcLogHandler(protos, library, lambda log: print_rpc_log(protos, log))
    root.addHandler(channel)

    def detach() -> None:
        root.removeHandler(channel)
        for handler in consoles:
            handler.removeFilter(host_only)

    return detach
