"""What the admin API starts: a run of a non-HTTP function (`POST /admin/functions/<name>`),
as a task on the host's event loop, and the host status it reports."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from devhost.tasks import finish

if TYPE_CHECKING:
    from collections.abc import Mapping

    from devhost.functions import FunctionSpec
    from devhost.listener import Listener
    from devhost.runtime import Runtime

__all__ = ["AdminRuns", "host_status"]

logger = logging.getLogger(__name__)


class AdminRuns:
    def __init__(self, functions: list[FunctionSpec], listeners: Mapping[str, Listener]) -> None:
        self._functions, self._listeners = functions, listeners
        self._running: set[asyncio.Task[None]] = set()

    def start(self, name: str, raw_input: str | None) -> bool | None:
        """Start the function named `name` (any case) in the background; None if there is
        no such function, False if it is HTTP-triggered (it has no listener)."""
        spec = next((s for s in self._functions if s.name.lower() == name.lower()), None)
        if spec is None:
            return None
        listener = self._listeners.get(spec.name)
        if listener is None:
            return False
        task = asyncio.create_task(self._run(spec, listener, raw_input), name=f"admin-{spec.name}")
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        return True

    @staticmethod
    async def _run(spec: FunctionSpec, listener: Listener, raw_input: str | None) -> None:
        try:
            await listener.invoke_once(raw_input)
        except Exception:  # storage, say: the function's own failure is logged by the invoker
            logger.exception("admin_run_failed function=%s", spec.name)

    async def finish(self, grace: float) -> None:
        """Wait up to `grace` s for the runs in flight."""
        await finish(set(self._running), grace)


def host_status(runtime: Runtime, functions: list[FunctionSpec]) -> dict[str, Any]:
    """`GET /admin/host/status`: Running, or Stopping once the host stops."""
    state = "Stopping" if runtime.stopping.is_set() else "Running"
    return {"state": state, "id": runtime.host_id, "functions": len(functions)}
