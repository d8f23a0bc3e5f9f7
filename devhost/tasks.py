"""What devhost's listeners share on the event loop: a pause that a stop signal cuts short,
and a grace period for the tasks still running when the host stops."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["finish", "wait_for_event"]


async def wait_for_event(event: asyncio.Event, seconds: float) -> bool:
    """Wait up to `seconds` for `event`; True if it is set (at once if it already was)."""
    if not event.is_set():
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(seconds, 0.0)):
                await event.wait()
    return event.is_set()


async def finish(tasks: Iterable[asyncio.Task[Any]], grace: float) -> bool:
    """Wait up to `grace` s for `tasks`, cancelling none; True if all of them ended."""
    pending = {task for task in tasks if not task.done()}
    if not pending:
        return True
    _, still = await asyncio.wait(pending, timeout=max(grace, 0.0))
    return not still
