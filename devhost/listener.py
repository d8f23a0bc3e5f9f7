"""What the host asks of every trigger listener (blob, queue, timer).

All of it runs on the host's event loop: `start` begins the listener's own tasks, `stop`
waits for them once the host's `Runtime.stopping` is set, and `invoke_once` is the admin
API's run (`POST /admin/functions/<name>`), which the host starts as a task of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, TypeAlias

if TYPE_CHECKING:
    from collections.abc import Callable

    from devhost.functions import FunctionSpec
    from devhost.runtime import Runtime

__all__ = ["Listener", "ListenerFactory"]


class Listener(Protocol):
    def describe(self) -> str:
        """One line for the start-up listing, as `func start` prints it."""
        ...

    async def start(self) -> None:
        """Begin listening (its tasks run on the current event loop)."""
        ...

    async def stop(self, grace: float) -> None:
        """Once the host is stopping: wait up to `grace` s for the work in flight."""
        ...

    async def invoke_once(self, raw_input: str | None) -> None:
        """Run the function once, as the admin API asks (its failure is logged, not raised)."""
        ...


# A listener class: made from its function and the host's shared runtime.
ListenerFactory: TypeAlias = "Callable[[FunctionSpec, Runtime], Listener]"
