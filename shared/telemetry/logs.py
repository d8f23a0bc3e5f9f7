"""The invocation id on every log record the app writes during an invocation.

The worker's OpenTelemetry log handler already stamps each record with the current trace
(operation id, parent span id); this adds the invocation id as the record attribute
`InvocationId`, which the Azure Monitor exporter sends as a custom dimension, named as the
host names it on its own log lines. Installed only with telemetry on.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from shared.telemetry.switch import enabled

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["INVOCATION_ID_ATTRIBUTE", "current_invocation_id", "invocation"]

INVOCATION_ID_ATTRIBUTE = "InvocationId"
_invocation_id: ContextVar[str | None] = ContextVar("invocation_id", default=None)
_lock = threading.Lock()
_installed = False


def current_invocation_id() -> str | None:
    return _invocation_id.get()


def _install_record_factory() -> None:
    """Wrap the logging record factory once, so records from any logger carry the id."""
    global _installed
    with _lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            invocation_id = _invocation_id.get()
            if invocation_id is not None:
                setattr(record, INVOCATION_ID_ATTRIBUTE, invocation_id)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True


@contextlib.contextmanager
def invocation(invocation_id: str | None) -> Iterator[None]:
    """Mark the block as one invocation's work (a context variable: asyncio tasks and the
    threads the code starts with `contextvars.copy_context()` see it too)."""
    if not enabled() or not invocation_id:
        yield
        return
    _install_record_factory()
    token = _invocation_id.set(invocation_id)
    try:
        yield
    finally:
        _invocation_id.reset(token)
