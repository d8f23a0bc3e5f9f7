"""Run a function once: sync functions on a thread pool, async ones on one event loop (as
the Python worker does), bounded by host.json `functionTimeout`, with one structured log line,
and with telemetry on, inside the invocation's span (devhost.telemetry).

The HTTP front end serves on that same loop and awaits `run` directly, so an HTTP request
to an async function never changes thread: with the request on one thread and the function
on another, each hand-off waited on the other thread to get the GIL back (up to the 5 ms
switch interval), which capped throughput with a core still idle (docs/benchmarks.md).
Listeners that run on their own threads call `call`, which runs the same coroutine there.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from devhost.context import InvocationContext
from devhost.telemetry import NoTelemetry

if TYPE_CHECKING:
    from collections.abc import Callable

    from devhost.functions import FunctionSpec
    from devhost.telemetry import HostTelemetry, InvocationTrace

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
    complete: Callable[[Any], None] | None = None

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
    def __init__(
        self,
        *,
        timeout: float | None,
        max_workers: int = 64,
        telemetry: HostTelemetry | NoTelemetry | None = None,
    ) -> None:
        self._timeout = timeout
        self.telemetry = telemetry or NoTelemetry()
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers, "devhost-worker")
        self._loop = asyncio.new_event_loop()
        self._loop_thread = threading.Thread(
            target=self._loop.run_forever, name="devhost-asyncio", daemon=True
        )
        self._loop_thread.start()
        self._in_flight = 0
        self._idle = threading.Condition()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The loop async functions (and the HTTP front end) run on."""
        return self._loop

    def _start(self, invocation: Invocation, trace: InvocationTrace) -> asyncio.Future[Any]:
        """Start the function where the worker would, under the invocation's trace context:
        an async one as its own task with a fresh context (nothing of the caller's leaks in),
        a sync one on the thread pool."""
        spec = invocation.spec
        kwargs = dict(invocation.arguments)
        if "context" in spec.parameters:
            kwargs["context"] = invocation.context(trace)
        if spec.is_async:
            coroutine = trace.run_async(spec.callable(**kwargs))
            return self._loop.create_task(coroutine, context=contextvars.Context())
        return self._loop.run_in_executor(self._pool, trace.run_sync, spec.callable, kwargs)

    def call(self, invocation: Invocation) -> Any:
        """Run and wait, from a thread other than the loop's; raises FunctionFailed (logged)
        when the function does not succeed."""
        return asyncio.run_coroutine_threadsafe(self.run(invocation), self._loop).result()

    async def run(self, invocation: Invocation) -> Any:
        """Run on the loop; raises FunctionFailed (logged) when the function does not succeed."""
        with self.telemetry.invocation(invocation) as trace:
            return await self._run(invocation, trace)

    async def _run(self, invocation: Invocation, trace: InvocationTrace) -> Any:
        with self._idle:
            self._in_flight += 1
        started = time.perf_counter()
        outcome, detail, result = "succeeded", invocation.detail, None
        error: BaseException | None = None
        try:
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
            if invocation.complete is not None:  # output bindings: the sync SDK, off the loop
                await self._loop.run_in_executor(self._pool, invocation.complete, result)
            if invocation.describe is not None:
                detail = f"{detail} {invocation.describe(result)}".strip()
            return result
        except _ReturnedValue as exc:
            outcome = "failed"
            error_logger.error(
                "function_error function=%s invocation_id=%s error=%s",
                invocation.spec.name,
                invocation.invocation_id,
                exc,
            )
            raise FunctionFailed(str(exc)) from exc
        except _TimedOut as exc:
            outcome = "timeout"
            raise FunctionFailed(f"{invocation.spec.name} exceeded functionTimeout") from exc
        except Exception as exc:
            outcome, error = "failed", exc
            error_logger.error(
                "function_error function=%s invocation_id=%s error=%s",
                invocation.spec.name,
                invocation.invocation_id,
                type(exc).__name__,
                exc_info=exc,
            )
            raise FunctionFailed(f"{invocation.spec.name} raised {type(exc).__name__}") from exc
        finally:
            trace.finish(outcome, result, error)
            self._log(invocation, outcome, detail, time.perf_counter() - started)
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

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

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no invocation is running; False if `timeout` passed first."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._in_flight:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._idle.wait(remaining)
        return True

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._loop.set_exception_handler(_quiet_about_open_sessions)
        self._loop.call_soon_threadsafe(self._loop.stop)


_OPEN_AT_EXIT = ("Unclosed client session", "Unclosed connector")


def _quiet_about_open_sessions(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """An app keeps its storage clients for the life of the process (the worker gives it no
    shutdown hook; it is stopped, not asked): their aiohttp sessions are still open when
    devhost exits, which is expected, not an error worth a screen of ERROR lines."""
    if str(context.get("message", "")).startswith(_OPEN_AT_EXIT):
        logger.debug("open_at_exit %s", context["message"])
        return
    loop.default_exception_handler(context)
