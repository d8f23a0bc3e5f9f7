"""Run a function once: sync functions on a thread pool, async ones on the event loop (as the
Python worker does), bounded by host.json `functionTimeout`, with one structured log line,
and with telemetry on, inside the invocation's span (devhost.telemetry).

Everything that starts invocations (the HTTP server, queue polling, blob scans, timers, the
admin API) runs on that same loop and awaits `run`, so an invocation of an async function
never changes thread: with the caller on one thread and the function on another, each
hand-off waited on the other thread to get the GIL back (up to the 5 ms switch interval),
which capped throughput with a core still idle (docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from devhost.context import InvocationContext
from devhost.tasks import wait_for_event
from devhost.telemetry import NoTelemetry

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    from devhost.functions import FunctionSpec
    from devhost.telemetry import InvocationTrace, Telemetry

__all__ = ["FunctionFailed", "Invocation", "Invoker"]

logger = logging.getLogger("devhost.invocations")
error_logger = logging.getLogger("devhost.errors")


class FunctionFailed(RuntimeError):
    """The function raised, timed out, or broke a host rule; the cause is chained."""


@dataclass
class Invocation:
    """One call: the arguments by binding name and what the log line should say."""

    spec: FunctionSpec
    arguments: dict[str, Any]
    detail: str = ""
    invocation_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    retry_count: int = 0
    max_retry_count: int = 0
    describe: Callable[[Any], str] | None = None
    # Runs after the function returned (output bindings); its failure fails the invocation.
    complete: Callable[[Any], Coroutine[Any, Any, None]] | None = None

    def context(self, trace: InvocationTrace | None = None) -> InvocationContext:
        return InvocationContext(
            self.invocation_id,
            self.spec.name,
            str(self.spec.script_root),
            retry_count=self.retry_count,
            max_retry_count=self.max_retry_count,
            trace_parent=trace.trace_parent if trace else None,
            trace_state=trace.trace_state if trace else "",
        )


class _TimedOut(Exception):
    """The function outlasted host.json `functionTimeout`."""


class _ReturnedValue(TypeError):
    """A function without a `$return` binding returned something other than None."""


def _check_return(spec: FunctionSpec, result: Any) -> None:
    # The Python worker rejects this too: the value would silently go nowhere.
    if result is not None and spec.returns_to() is None:
        raise _ReturnedValue(
            f"function {spec.name} without a $return binding returned a non-None value"
        )


class Invoker:
    """Runs invocations on the running event loop; use it from that loop only."""

    def __init__(
        self,
        *,
        timeout: float | None,
        max_workers: int = 64,
        telemetry: Telemetry | None = None,
    ) -> None:
        self._timeout = timeout
        self.telemetry: Telemetry = telemetry or NoTelemetry()
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers, "devhost-worker")
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def _start(self, invocation: Invocation, trace: InvocationTrace) -> asyncio.Future[Any]:
        """Start the function where the worker would, under the invocation's trace context:
        an async one as its own task with a fresh context (nothing of the caller's leaks in),
        a sync one on the thread pool."""
        loop = asyncio.get_running_loop()
        spec = invocation.spec
        kwargs = dict(invocation.arguments)
        if "context" in spec.parameters:
            kwargs["context"] = invocation.context(trace)
        if spec.is_async:
            coroutine = trace.run_async(spec.callable(**kwargs))
            return loop.create_task(coroutine, context=contextvars.Context())
        return loop.run_in_executor(self._pool, trace.run_sync, spec.callable, kwargs)

    async def run(self, invocation: Invocation) -> Any:
        """Run the function; raises FunctionFailed (logged) when it does not succeed."""
        with self.telemetry.invocation(invocation) as trace:
            return await self._run(invocation, trace)

    async def _complete(self, invocation: Invocation, result: Any) -> None:
        """Output bindings, in a fresh context: writing them is the host's work, which on
        Azure never reaches the worker's telemetry (so not a child of the invocation span)."""
        if invocation.complete is not None:
            await asyncio.create_task(invocation.complete(result), context=contextvars.Context())

    async def _outcome(self, invocation: Invocation, trace: InvocationTrace) -> Any:
        running = self._start(invocation, trace)
        if self._timeout is None:
            result = await running
        else:
            # Not cancelled on timeout: the host does not stop a function either.
            done, _ = await asyncio.wait({running}, timeout=self._timeout)
            if not done:
                raise _TimedOut
            result = running.result()
        _check_return(invocation.spec, result)
        await self._complete(invocation, result)
        return result

    async def _run(self, invocation: Invocation, trace: InvocationTrace) -> Any:
        self._in_flight += 1
        self._idle.clear()
        started = time.perf_counter()
        outcome, detail, result = "succeeded", invocation.detail, None
        error: BaseException | None = None
        try:
            result = await self._outcome(invocation, trace)
            if invocation.describe is not None:
                detail = f"{detail} {invocation.describe(result)}".strip()
            return result
        except _ReturnedValue as exc:
            outcome = "failed"
            self._log_error(invocation, str(exc))
            raise FunctionFailed(str(exc)) from exc
        except _TimedOut as exc:
            outcome = "timeout"
            raise FunctionFailed(f"{invocation.spec.name} exceeded functionTimeout") from exc
        except asyncio.CancelledError:
            outcome = "cancelled"  # the host stopped without waiting for it
            raise
        except Exception as exc:
            outcome, error = "failed", exc
            self._log_error(invocation, type(exc).__name__, exc)
            raise FunctionFailed(f"{invocation.spec.name} raised {type(exc).__name__}") from exc
        finally:
            trace.finish(outcome, result, error)
            self._log(invocation, outcome, detail, time.perf_counter() - started)
            self._in_flight -= 1
            if not self._in_flight:
                self._idle.set()

    @staticmethod
    def _log_error(invocation: Invocation, error: str, exc: BaseException | None = None) -> None:
        error_logger.error(
            "function_error function=%s invocation_id=%s error=%s",
            invocation.spec.name,
            invocation.invocation_id,
            error,
            exc_info=exc,
        )

    def _log(self, invocation: Invocation, outcome: str, detail: str, seconds: float) -> None:
        detail = f" {detail}" if detail else ""
        logger.info(
            "invocation function=%s trigger=%s invocation_id=%s duration_ms=%.1f outcome=%s%s",
            invocation.spec.name,
            invocation.spec.trigger_type,
            invocation.invocation_id,
            seconds * 1000,
            outcome,
            detail,
        )

    async def wait_idle(self, grace: float) -> bool:
        """Wait until no invocation is running; False if `grace` s passed first."""
        return await wait_for_event(self._idle, grace)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
