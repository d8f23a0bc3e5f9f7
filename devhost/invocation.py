"""Run a function once, as the host asks its worker to: the runner (devhost.execution) runs it
in devhost's process or in Microsoft's worker library; this module keeps the host's part, the
same for both: host.json `functionTimeout`, one structured log line, the failure as the worker
reported it, the output bindings written after success and, with telemetry on, the invocation's
span.

Everything that starts invocations (the HTTP server, queue polling, blob scans, timers, the
admin API) runs on the event loop and awaits `run`, and both runners start an async function on
that same loop, so it never changes thread: with the caller on one thread and the function on
another, each hand-off waited on the other thread to get the GIL back (up to the 5 ms switch
interval), which capped throughput with a core still idle (docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from devhost.execution import FunctionError
from devhost.tasks import wait_for_event
from devhost.telemetry import NoTelemetry

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    from devhost.execution import FunctionRunner
    from devhost.functions import FunctionSpec
    from devhost.telemetry import InvocationTrace, Telemetry
    from devhost.typeddata import InvocationResult, TriggerInput

__all__ = ["FunctionFailed", "Invocation", "Invoker"]

logger = logging.getLogger("devhost.invocations")
error_logger = logging.getLogger("devhost.errors")


class FunctionFailed(RuntimeError):
    """The function raised, timed out, or broke a host rule; the cause is chained."""


@dataclass
class Invocation:
    """One call: the trigger as the host sends it and what the log line should say.

    The retry context is the host's: it sends one only under a retry policy (`@app.retry`,
    which devhost does not run), so queue and blob retries leave it at 0 as on Azure."""

    spec: FunctionSpec
    trigger: TriggerInput
    detail: str = ""
    invocation_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    retry_count: int = 0
    max_retry_count: int = 0
    describe: Callable[[InvocationResult], str] | None = None
    # Runs after the function returned (output bindings); its failure fails the invocation.
    complete: Callable[[InvocationResult], Coroutine[Any, Any, None]] | None = None


class _TimedOut(Exception):
    """The function outlasted host.json `functionTimeout`."""


class Invoker:
    """Runs invocations on the running event loop; use it from that loop only."""

    def __init__(
        self,
        runner: FunctionRunner,
        *,
        timeout: float | None,
        telemetry: Telemetry | None = None,
    ) -> None:
        self.runner = runner
        self._timeout = timeout
        self.telemetry: Telemetry = telemetry or NoTelemetry()
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def start(self, functions: list[FunctionSpec]) -> None:
        """Get the runner ready (the worker: init, metadata, one load per function)."""
        await self.runner.start(functions)

    async def run(self, invocation: Invocation) -> InvocationResult:
        """Run the function; raises FunctionFailed (logged) when it does not succeed."""
        with self.telemetry.invocation(invocation) as trace:
            return await self._run(invocation, trace)

    async def _complete(self, invocation: Invocation, result: InvocationResult) -> None:
        """Output bindings, in a fresh context: writing them is the host's work, which on
        Azure never reaches the worker's telemetry (so not a child of the invocation span)."""
        if invocation.complete is not None:
            await asyncio.create_task(invocation.complete(result), context=contextvars.Context())

    async def _outcome(self, invocation: Invocation, trace: InvocationTrace) -> InvocationResult:
        running = self.runner.run(invocation, trace)
        if self._timeout is None:
            result = await running
        else:
            # Not cancelled on timeout: the host does not stop a function either.
            done, _ = await asyncio.wait({running}, timeout=self._timeout)
            if not done:
                running.add_done_callback(_quiet)
                raise _TimedOut
            result = running.result()
        await self._complete(invocation, result)
        return result

    async def _run(self, invocation: Invocation, trace: InvocationTrace) -> InvocationResult:
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
        except _TimedOut as exc:
            outcome = "timeout"
            raise FunctionFailed(f"{invocation.spec.name} exceeded functionTimeout") from exc
        except asyncio.CancelledError:
            outcome = "cancelled"  # the host stopped without waiting for it
            raise
        except FunctionError as exc:
            outcome, error = "failed", exc.cause or exc
            self._log_error(invocation, exc)
            raise FunctionFailed(f"{invocation.spec.name} failed: {exc.message}") from exc
        except Exception as exc:  # writing an output binding, say: the host's own failure
            outcome, error = "failed", exc
            error_logger.exception(
                "function_error function=%s invocation_id=%s error=%s",
                invocation.spec.name,
                invocation.invocation_id,
                type(exc).__name__,
            )
            raise FunctionFailed(f"{invocation.spec.name} raised {type(exc).__name__}") from exc
        finally:
            trace.finish(outcome, result, error)
            self._log(invocation, outcome, detail, time.perf_counter() - started)
            self._in_flight -= 1
            if not self._in_flight:
                self._idle.set()

    @staticmethod
    def _log_error(invocation: Invocation, exc: FunctionError) -> None:
        """The failure as the host logs what the worker reported: message, then its stack."""
        error_logger.error(
            "function_error function=%s invocation_id=%s error=%s\n%s",
            invocation.spec.name,
            invocation.invocation_id,
            exc.message,
            exc.stack_trace.rstrip(),
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
        self.runner.close()


def _quiet(future: asyncio.Future[Any]) -> None:
    """A timed-out invocation ends later, unobserved: fetch its outcome so asyncio does not
    report 'exception never retrieved' (the failure was already logged as a timeout)."""
    if not future.cancelled():
        future.exception()
