"""Concrete `func.Context` and `func.Out` objects, as the Python worker passes them."""

from __future__ import annotations

import threading
from typing import Any, Generic, TypeVar

import azure.functions as func
from azure.functions._abc import RetryContext, TraceContext

__all__ = ["InvocationContext", "OutValue", "invocation_trace_parent"]

T = TypeVar("T")


def invocation_trace_parent(invocation_id: str) -> str:
    """Without telemetry: a W3C traceparent built from the invocation id, so logs can still be
    correlated (the host always sends its Activity's id; devhost has no Activity then)."""
    trace_id = invocation_id.replace("-", "")
    return f"00-{trace_id}-{trace_id[:16]}-01"


class _TraceContext(TraceContext):
    def __init__(self, trace_parent: str, trace_state: str = "") -> None:
        self._parent, self._state = trace_parent, trace_state

    @classmethod
    def for_invocation(cls, invocation_id: str) -> _TraceContext:
        return cls(invocation_trace_parent(invocation_id))

    @property
    def trace_state(self) -> str:
        return self._state

    @property
    def trace_parent(self) -> str:
        return self._parent

    @property
    def attributes(self) -> dict[str, str]:
        return {}


class _RetryContext(RetryContext):
    def __init__(self, retry_count: int, max_retry_count: int) -> None:
        self._count, self._max = retry_count, max_retry_count

    @property
    def retry_count(self) -> int:
        return self._count

    @property
    def max_retry_count(self) -> int:
        return self._max

    @property
    def exception(self) -> Any:
        return None


class InvocationContext(func.Context):
    """The `context` argument: invocation id, function name and directory."""

    def __init__(
        self,
        invocation_id: str,
        function_name: str,
        function_directory: str,
        *,
        retry_count: int = 0,
        max_retry_count: int = 0,
        trace_parent: str | None = None,
        trace_state: str = "",
    ) -> None:
        """`trace_parent`/`trace_state`: the invocation span's W3C context (telemetry on)."""
        self._invocation_id = invocation_id
        self._function_name = function_name
        self._function_directory = function_directory
        self._trace = (
            _TraceContext(trace_parent, trace_state)
            if trace_parent
            else _TraceContext.for_invocation(invocation_id)
        )
        self._retry = _RetryContext(retry_count, max_retry_count)
        self._local = threading.local()
        self._local.invocation_id = invocation_id

    @property
    def invocation_id(self) -> str:
        return self._invocation_id

    @property
    def thread_local_storage(self) -> Any:
        return self._local

    @property
    def function_name(self) -> str:
        return self._function_name

    @property
    def function_directory(self) -> str:
        return self._function_directory

    @property
    def trace_context(self) -> TraceContext:
        return self._trace

    @property
    def retry_context(self) -> RetryContext:
        return self._retry


class OutValue(func.Out[T | None], Generic[T]):
    """An output binding parameter; its value (None until the function sets one, as the
    worker's) is written after the function succeeds."""

    def __init__(self) -> None:
        self._value: T | None = None
        self.is_set = False

    def set(self, val: T | None) -> None:
        self._value = val
        self.is_set = True

    def get(self) -> T | None:
        return self._value
