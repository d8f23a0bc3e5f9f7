"""Where a function runs, behind one interface: in devhost's process (devhost.inprocess) or in
Microsoft's worker library (devhost.worker). The invoker (devhost.invocation) keeps what is the
host's whichever runs it: the timeout, the log line, telemetry's invocation span, the drain.
"""

from __future__ import annotations

import traceback
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import asyncio

    from devhost.functions import FunctionSpec
    from devhost.telemetry import InvocationTrace
    from devhost.typeddata import InvocationResult, TriggerInput

__all__ = ["FunctionError", "FunctionRunner", "RunnableInvocation", "rpc_exception"]


class FunctionError(Exception):
    """The function failed, as the worker reports it to the host: the exception's type and
    message (`ValueError: bad`) and its stack trace. `cause` is the exception itself when it was
    raised in this process (telemetry records it)."""

    def __init__(self, message: str, stack_trace: str, cause: BaseException | None = None) -> None:
        super().__init__(message)
        self.message, self.stack_trace, self.cause = message, stack_trace, cause


def rpc_exception(exc: BaseException) -> FunctionError:
    """An exception the way the worker library serialises it (`serialize_exception` in
    azure_functions_runtime/utils/tracing.py): `Type: message` and the whole chain's trace."""
    return FunctionError(
        f"{type(exc).__name__}: {exc}",
        "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
        exc,
    )


class RunnableInvocation(Protocol):
    """What a runner reads of an invocation (devhost.invocation.Invocation is one); a protocol,
    so the runners do not import the invoker."""

    @property
    def spec(self) -> FunctionSpec: ...

    @property
    def trigger(self) -> TriggerInput: ...

    @property
    def invocation_id(self) -> str: ...

    @property
    def retry_count(self) -> int: ...

    @property
    def max_retry_count(self) -> int: ...


class FunctionRunner(Protocol):
    """Runs functions for the invoker, on the running event loop."""

    async def start(self, functions: list[FunctionSpec]) -> None:
        """Get ready to run these functions (the worker: init, metadata, load)."""
        ...

    def run(
        self, invocation: RunnableInvocation, trace: InvocationTrace
    ) -> asyncio.Future[InvocationResult]:
        """Start the function; the future ends with its result or a FunctionError. It keeps
        running if the invoker stops waiting (a timeout): the host cannot stop a function."""
        ...

    def close(self) -> None:
        """Release threads and state; invocations still running are left to finish."""
        ...
