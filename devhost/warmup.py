"""The warmup trigger: run once when the host starts, before it admits HTTP traffic.

On Azure the platform calls the host's warmup endpoint on an instance that scale-out adds, and
the host runs the app's `warmup` function (a `warmupTrigger`) once, before that instance gets
requests; never on a restart (docs/local-host.md, "Warmup", cites the pages). devhost starts
the way a scaled-out instance does: after the invoker is ready and before its HTTP server
listens or any listener starts, it runs the warmup function once, through whichever invoker
runs the functions. A failure, a timeout included, is logged and the host starts anyway, as
an instance takes traffic whether or not its warmup succeeded.

`POST /admin/functions/warmup` runs it again on demand, as Core Tools' `/admin/warmup` does.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from devhost.invocation import FunctionFailed, Invocation
from devhost.triggerdata.warmup import warmup_trigger

if TYPE_CHECKING:
    from devhost.functions import FunctionSpec
    from devhost.runtime import Runtime

__all__ = ["WARMUP_FUNCTION", "WARMUP_TRIGGER", "WarmupListener", "run_warmup", "warmup_function"]

logger = logging.getLogger(__name__)
WARMUP_TRIGGER = "warmupTrigger"
WARMUP_FUNCTION = "warmup"  # the host runs only the function of this name (any case)


def warmup_function(functions: list[FunctionSpec]) -> FunctionSpec | None:
    """The app's warmup function: a warmupTrigger named `warmup`; None if it has none."""
    return next(
        (
            spec
            for spec in functions
            if spec.trigger_type == WARMUP_TRIGGER and spec.name.lower() == WARMUP_FUNCTION
        ),
        None,
    )


async def run_warmup(functions: list[FunctionSpec], runtime: Runtime) -> bool | None:
    """Run the warmup function once: True if it succeeded, False if it failed (logged), None
    when the app has none."""
    spec = warmup_function(functions)
    if spec is None:
        return None
    return await _run(spec, runtime, reason="start")


async def _run(spec: FunctionSpec, runtime: Runtime, *, reason: str) -> bool:
    invocation = Invocation(spec, warmup_trigger(), detail=f"reason={reason}")
    try:
        await runtime.invoker.run(invocation)
    except FunctionFailed as exc:  # the invoker logged the function's own failure
        logger.warning("host_warmup_failed function=%s error=%s", spec.name, exc)
        return False
    return True


class WarmupListener:
    """The warmup function's place among the listeners: it listens to nothing (the host
    fires it at start), describes itself in the start-up listing and runs on admin request."""

    def __init__(self, spec: FunctionSpec, runtime: Runtime) -> None:
        self.spec, self.runtime = spec, runtime

    def describe(self) -> str:
        return f"{WARMUP_TRIGGER} (once at start, before HTTP is admitted)"

    async def start(self) -> None:
        return None

    async def stop(self, grace: float) -> None:
        return None

    async def invoke_once(self, raw_input: str | None) -> None:
        await _run(self.spec, self.runtime, reason="admin")
