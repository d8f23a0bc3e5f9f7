"""The local host, assembled (devhost.bootstrap builds it): HTTP, the trigger listeners (and, for
`source="EventGrid"` blob triggers, the host blob queue and a local event source), started
on the running event loop and stopped gracefully (stop taking work, finish what is running)."""

from __future__ import annotations

import asyncio
import logging
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from devhost.frontend import HttpServer
from devhost.warmup import run_warmup

if TYPE_CHECKING:
    from devhost.adminruns import AdminRuns
    from devhost.blobqueue import HostBlobQueue
    from devhost.eventsource import EventSource
    from devhost.frontend import Frontend
    from devhost.functions import FunctionSpec
    from devhost.listener import Listener
    from devhost.runtime import Runtime

__all__ = ["DevHost"]

logger = logging.getLogger(__name__)
STORAGE_CLOSE_SECONDS = 5.0


@dataclass
class DevHost:
    functions: list[FunctionSpec]
    runtime: Runtime
    listeners: dict[str, Listener]
    frontend: Frontend
    admin: AdminRuns
    bind: str
    port: int
    route_prefix: str
    blob_queue: HostBlobQueue | None = None
    event_source: EventSource | None = None
    server: HttpServer = field(init=False)

    def __post_init__(self) -> None:
        self.server = HttpServer(self.frontend.handle)

    # --- lifecycle ------------------------------------------------------------------------
    async def start(self) -> int:
        """Start the invoker (the worker: init, metadata, load), run the warmup function
        (devhost.warmup), listen, start every listener, print the functions; the port."""
        await self.runtime.invoker.start(self.functions)
        await run_warmup(self.functions, self.runtime)  # as a scaled-out instance: before HTTP
        self.port = await self.server.start(self.bind, self.port)
        if self.blob_queue is not None:
            await self.blob_queue.start()
        for listener in self.listeners.values():
            await listener.start()
        if self.event_source is not None:
            await self.event_source.start()
        self._print_functions()
        return self.port

    async def stop(self, grace: float = 30.0) -> bool:
        """Stop taking work and wait up to `grace` s for invocations in flight."""
        logger.info("host_stopping in_flight_grace_s=%s", grace)
        if self.event_source is not None:
            await self.event_source.stop(grace)
        self.runtime.stopping.set()
        drained = await self.server.stop(grace)
        listeners = [listener.stop(grace) for listener in self.listeners.values()]
        if self.blob_queue is not None:
            listeners.append(self.blob_queue.stop(grace))
        await asyncio.gather(*listeners, self.admin.finish(grace))
        invoker = self.runtime.invoker
        drained = await invoker.wait_idle(grace) and drained
        await self._close_storage()
        invoker.close()
        logger.info("host_stopped drained=%s", str(drained).lower())
        invoker.telemetry.shutdown()
        return drained

    async def _close_storage(self) -> None:
        try:
            async with asyncio.timeout(STORAGE_CLOSE_SECONDS):
                await self.runtime.storage.close()
        except Exception:
            logger.warning("storage_clients_not_closed", exc_info=True)

    # --- the start-up listing -------------------------------------------------------------
    def urls(self) -> list[tuple[str, str]]:
        lines = []
        base = f"http://localhost:{self.port}"
        prefix = f"/{self.route_prefix}" if self.route_prefix else ""
        for spec in self.functions:
            if spec.trigger_type == "httpTrigger":
                methods = ",".join(spec.trigger.get("methods") or ["GET", "POST"])
                route = spec.trigger.get("route") or spec.name
                lines.append((spec.name, f"[{methods}] {base}{prefix}/{route}"))
            else:
                lines.append((spec.name, self.listeners[spec.name].describe()))
        return lines

    def _print_functions(self) -> None:
        out = ["", "Functions:", ""]
        out += [f"\t{name}: {what}" for name, what in self.urls()]
        out += ["", f"devhost listening on http://{self.bind}:{self.port} (Ctrl-C to stop)", ""]
        sys.stdout.write("\n".join(out) + "\n")
        sys.stdout.flush()
