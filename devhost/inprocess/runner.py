"""Functions run in devhost's own process, the way the worker library runs them: decode the
trigger, call the function (sync ones on a thread pool, async ones on the event loop), check
what it returned, encode the outputs. Only the protobuf messages between host and worker are
skipped, so both invokers answer the host alike (devhost.execution).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
from typing import TYPE_CHECKING, Any

from devhost.context import InvocationContext, OutValue
from devhost.execution import FunctionError, rpc_exception
from devhost.inprocess.convert import decode, encode
from devhost.inprocess.plan import FunctionPlan
from devhost.typeddata import InvocationResult

if TYPE_CHECKING:
    from devhost.execution import RunnableInvocation
    from devhost.functions import FunctionSpec
    from devhost.telemetry import InvocationTrace

__all__ = ["InProcessRunner"]


class InProcessRunner:
    def __init__(self, *, max_workers: int | None = None) -> None:
        """`max_workers` None is the worker's default too (PYTHON_THREADPOOL_THREAD_COUNT
        unset: ThreadPoolExecutor's own, min(32, CPUs + 4)), so sync functions run as many at
        once as on Azure."""
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers, "devhost-worker")
        self._plans: dict[str, FunctionPlan] = {}

    async def start(self, functions: list[FunctionSpec]) -> None:
        """Read every signature now: an annotation that does not resolve stops devhost at
        start-up, as the worker's indexing refuses the app on Azure."""
        for spec in functions:
            try:
                self._plans[spec.name] = FunctionPlan.of(spec)
            except Exception as exc:
                raise ValueError(f"{spec.name}: cannot read its signature: {exc!r}") from exc

    def run(
        self, invocation: RunnableInvocation, trace: InvocationTrace
    ) -> asyncio.Future[InvocationResult]:
        """A task of its own with a fresh context, so nothing of the caller's leaks in."""
        loop = asyncio.get_running_loop()
        return loop.create_task(self._invoke(invocation, trace), context=contextvars.Context())

    def _plan(self, spec: FunctionSpec) -> FunctionPlan:
        plan = self._plans.get(spec.name)
        if plan is None:
            plan = self._plans[spec.name] = FunctionPlan.of(spec)
        return plan

    async def _invoke(
        self, invocation: RunnableInvocation, trace: InvocationTrace
    ) -> InvocationResult:
        spec, plan = invocation.spec, self._plan(invocation.spec)
        try:
            # The trigger is the only input binding devhost serves (devhost.functions).
            trigger = invocation.trigger
            name = str(spec.trigger["name"])
            kwargs: dict[str, Any] = {
                name: decode(plan.inputs[name].binding, trigger.data, trigger.metadata)
            }
            outs = {name: OutValue[Any]() for name in plan.outputs}
            kwargs.update(outs)
            if plan.wants_context:
                kwargs["context"] = InvocationContext(
                    invocation.invocation_id,
                    spec.name,
                    plan.directory,
                    retry_count=invocation.retry_count,
                    max_retry_count=invocation.max_retry_count,
                    trace_parent=trace.trace_parent,
                    trace_state=trace.trace_state,
                )
            if spec.is_async:
                result = await trace.run_async(spec.callable(**kwargs))
            else:
                loop = asyncio.get_running_loop()
                result = await loop.run_in_executor(
                    self._pool, trace.run_sync, spec.callable, kwargs
                )
            return _result(spec, plan, result, outs)
        except FunctionError:
            raise
        except Exception as exc:
            raise rpc_exception(exc) from exc

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _result(
    spec: FunctionSpec, plan: FunctionPlan, result: Any, outs: dict[str, OutValue[Any]]
) -> InvocationResult:
    if result is not None and plan.returns is None:
        # The library's check, and its exception type (handle_event.invocation_request).
        raise RuntimeError(
            f"function {spec.name!r} without a $return binding returned a non-None value"
        )
    outputs = {}
    for name, param in plan.outputs.items():
        value = outs[name].get()
        if value is not None:
            encoded = encode(param.binding, value, param.pytype)
            if encoded is not None:
                outputs[name] = encoded
    returned = None
    if plan.returns is not None:
        returned = encode(plan.returns.binding, result, plan.returns.pytype)
    return InvocationResult(returned, outputs)
