"""The worker invoker: every function runs inside Microsoft's worker library
(`azure-functions-runtime`), the code Azure runs Python 3.13 apps with, in devhost's process and
on its event loop. devhost plays the host (listeners, the request and response messages, retries,
timeouts) and the proxy worker (devhost.worker.channel); the library indexes, validates,
converts and calls the functions.
"""

from __future__ import annotations

import asyncio
import contextvars
import sys
from typing import TYPE_CHECKING

from devhost.context import invocation_trace_parent
from devhost.triggerdata import as_reference
from devhost.worker import rpclog
from devhost.worker.channel import WorkerChannel
from devhost.worker.convert import invocation_request, invocation_result
from devhost.worker.library import load_library
from devhost.worker.metadata import match_metadata
from devhost.worker.protos import load_protos

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from devhost.execution import RunnableInvocation
    from devhost.functions import FunctionSpec
    from devhost.telemetry import InvocationTrace
    from devhost.typeddata import InvocationResult, TriggerInput
    from devhost.worker.metadata import WorkerFunction

__all__ = ["WorkerRunner"]


def _forget_own_indexing() -> None:
    """The library indexes the app again (`get_functions()`), which a FunctionApp refuses once
    it has been indexed (`validate_function_names` remembers the names): devhost indexed it
    first for its own routing, so the app's record of that is cleared. On Azure only the
    worker indexes."""
    module = sys.modules.get("function_app")
    for value in vars(module).values() if module else ():
        if hasattr(value, "functions_bindings") and hasattr(value, "get_functions"):
            value.functions_bindings = None


class WorkerRunner:
    def __init__(
        self, script_root: Path, *, host: str, telemetry_configured: bool, subset: bool
    ) -> None:
        self._library = load_library()
        self.protos = load_protos()
        self._channel = WorkerChannel(self._library, self.protos, app_dir=script_root, host=host)
        self._telemetry, self._subset = telemetry_configured, subset
        self._functions: dict[str, WorkerFunction] = {}
        self._detach_logs: Callable[[], None] | None = None
        self._running = 0

    async def start(self, functions: list[FunctionSpec]) -> None:
        """WorkerInitRequest, FunctionsMetadataRequest, the index check, one load request per
        function; raises a devhost.worker exception if any of it fails."""
        self._detach_logs = rpclog.attach(self.protos, self._library)
        _forget_own_indexing()
        await self._channel.init(telemetry_configured=self._telemetry)
        metadata = await self._channel.metadata()
        self._functions = match_metadata(functions, metadata, subset=self._subset)
        for worker_function in self._functions.values():
            await self._channel.load(worker_function.metadata)

    def run(
        self, invocation: RunnableInvocation, trace: InvocationTrace
    ) -> asyncio.Future[InvocationResult]:
        loop = asyncio.get_running_loop()
        return loop.create_task(self._invoke(invocation, trace), context=contextvars.Context())

    def _trigger(self, invocation: RunnableInvocation) -> TriggerInput:
        spec = invocation.spec
        if str(spec.trigger["name"]) in self._functions[spec.name].deferred_bindings:
            return as_reference(invocation.trigger, str(spec.trigger.get("connection") or ""))
        return invocation.trigger

    async def _invoke(
        self, invocation: RunnableInvocation, trace: InvocationTrace
    ) -> InvocationResult:
        rpclog.CURRENT_INVOCATION.set(invocation.invocation_id)
        request = invocation_request(
            self.protos,
            invocation_id=invocation.invocation_id,
            function_id=self._functions[invocation.spec.name].function_id,
            parameter=str(invocation.spec.trigger["name"]),
            trigger=self._trigger(invocation),
            trace_parent=trace.trace_parent or invocation_trace_parent(invocation.invocation_id),
            trace_state=trace.trace_state,
        )
        self._running += 1
        try:
            response = await self._channel.invoke(request)
        finally:
            self._running -= 1
        return invocation_result(self.protos, response)

    def close(self) -> None:
        self._channel.close(idle=not self._running)
        if self._detach_logs is not None:
            self._detach_logs()
