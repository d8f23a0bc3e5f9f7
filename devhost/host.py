"""Assemble and run the local host: settings, host.json, the app's functions, HTTP and the
trigger listeners (and, for `source="EventGrid"` blob triggers, the host blob queue, its
webhook and a local event source); stop gracefully (stop taking work, finish what is running)."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from typing import TYPE_CHECKING, Any, Protocol

from devhost.blobqueue import EventGridBlobListener, HostBlobQueue
from devhost.blobs import BlobTriggerListener
from devhost.eventsource import EventSource, SourceOptions, subscriptions_for
from devhost.functions import SUPPORTED_TRIGGERS, load_functions
from devhost.hostconfig import load_host_config
from devhost.httpserver import HttpFrontend
from devhost.invocation import Invoker
from devhost.outputs import OutputWriter
from devhost.queues import QueueTriggerListener
from devhost.runtime import Runtime, derive_host_id
from devhost.settings import apply_values, load_local_settings
from devhost.startup_check import run_startup_check
from devhost.storage import StorageAccounts
from devhost.telemetry import configure as configure_telemetry
from devhost.timers import TimerTriggerListener
from devhost.webhooks import BlobsWebhook

if TYPE_CHECKING:
    from pathlib import Path

    from devhost.functions import FunctionSpec

__all__ = ["DevHost", "UnsupportedFunction"]

logger = logging.getLogger(__name__)
DEFAULT_PORT = 7071


class UnsupportedFunction(RuntimeError):
    """The app has a function whose trigger devhost cannot run."""


class Listener(Protocol):
    def describe(self) -> str: ...
    def start(self) -> None: ...
    def join(self, timeout: float) -> None: ...
    def invoke_once(self, raw_input: str | None) -> None: ...


_LISTENERS: dict[str, Any] = {
    "blobTrigger": BlobTriggerListener,
    "queueTrigger": QueueTriggerListener,
    "timerTrigger": TimerTriggerListener,
}


class DevHost:
    def __init__(
        self,
        script_root: Path,
        *,
        port: int | None = None,
        host: str = "127.0.0.1",
        only: list[str] | None = None,
        settings_file: Path | None = None,
        event_source: bool = True,
    ) -> None:
        self.script_root = script_root.resolve()
        local = load_local_settings(self.script_root, settings_file)
        apply_values(local)
        self.config = load_host_config(self.script_root)
        self.port = port or local.local_http_port or DEFAULT_PORT
        self.bind = host
        # As the worker does: OpenTelemetry is set up before the app is imported.
        telemetry = configure_telemetry(os.environ, route_prefix=self.config.route_prefix)
        self.functions = load_functions(self.script_root)
        run_startup_check(self.script_root)  # after the app's import, as the worker's indexing
        if only:  # `func start --functions a b`: load just these
            wanted = {name.lower() for name in only}
            self.functions = [f for f in self.functions if f.name.lower() in wanted]
        self._check(self.functions)
        self.invoker = Invoker(timeout=self.config.function_timeout, telemetry=telemetry)
        storage = StorageAccounts()
        outputs = OutputWriter(storage, os.environ, encoding=self.config.queues.message_encoding)
        self.runtime = Runtime(
            self.invoker,
            outputs,
            storage,
            self.config,
            derive_host_id(self.script_root, self.config.host_id),
            os.environ,
        )
        self.listeners: dict[str, Listener] = {
            spec.name: self._listener(spec)
            for spec in self.functions
            if spec.trigger_type in _LISTENERS
        }
        # The host's blob trigger queue serves every blob trigger, fed by the webhook.
        blob_specs = [spec for spec in self.functions if spec.trigger_type == "blobTrigger"]
        self.blob_queue = HostBlobQueue(self.runtime, blob_specs) if blob_specs else None
        self.http = HttpFrontend(
            self.functions,
            self.invoker,
            outputs,
            route_prefix=self.config.route_prefix,
            cors_origins=local.cors_origins,
            cors_credentials=local.cors_credentials,
            admin=self.admin,
            status=self.status,
            blobs_webhook=BlobsWebhook(self.blob_queue.enqueue) if self.blob_queue else None,
        )
        self.subscriptions = subscriptions_for(self.functions, os.environ) if event_source else []
        self.event_source: EventSource | None = None
        self._admin_threads: list[threading.Thread] = []

    def _listener(self, spec: FunctionSpec) -> Listener:
        if spec.trigger_type == "blobTrigger" and spec.source_is_event_grid:
            return EventGridBlobListener(spec, self.runtime)
        listener: Listener = _LISTENERS[spec.trigger_type](spec, self.runtime)
        return listener

    @staticmethod
    def _check(functions: list[FunctionSpec]) -> None:
        for spec in functions:
            if spec.trigger_type not in SUPPORTED_TRIGGERS:
                raise UnsupportedFunction(
                    f"{spec.name}: {spec.trigger_type} is not supported by devhost "
                    "(see docs/local-host.md)"
                )
            OutputWriter.check(spec)

    # --- admin API ------------------------------------------------------------------------
    def admin(self, name: str, raw_input: str | None) -> bool | None:
        """Start a non-HTTP function in the background; None if unknown, False if HTTP."""
        spec = next((s for s in self.functions if s.name.lower() == name.lower()), None)
        if spec is None:
            return None
        listener = self.listeners.get(spec.name)
        if listener is None:
            return False
        thread = threading.Thread(
            target=listener.invoke_once, args=(raw_input,), name=f"admin-{spec.name}"
        )
        self._admin_threads.append(thread)
        thread.start()
        return True

    def status(self) -> dict[str, Any]:
        state = "Stopping" if self.runtime.stopping.is_set() else "Running"
        return {"state": state, "id": self.runtime.host_id, "functions": len(self.functions)}

    # --- lifecycle ------------------------------------------------------------------------
    def start(self) -> int:
        self.port = self.http.start(self.bind, self.port)
        if self.blob_queue is not None:
            self.blob_queue.start()
        for listener in self.listeners.values():
            listener.start()
        if self.subscriptions:
            self.event_source = self._event_source()
            self.event_source.start()
        self._print_functions()
        return self.port

    def _event_source(self) -> EventSource:
        """Posts to this host over HTTP, exactly as the standalone source posts to func start."""
        address = "127.0.0.1" if self.bind in ("0.0.0.0", "", "::") else self.bind
        target = f"http://{address}:{self.port}"
        options = SourceOptions(target=target, host_id=self.runtime.host_id)
        return EventSource(self.subscriptions, options, os.environ)

    def stop(self, timeout: float = 30.0) -> bool:
        """Stop taking work and wait up to `timeout` s for invocations in flight."""
        logger.info("host_stopping in_flight_grace_s=%s", timeout)
        if self.event_source is not None:
            self.event_source.stop(timeout)
        self.runtime.stopping.set()
        drained = self.http.stop(timeout)
        for listener in self.listeners.values():
            listener.join(timeout)
        if self.blob_queue is not None:
            self.blob_queue.join(timeout)
        for thread in self._admin_threads:
            thread.join(timeout)
        drained = self.invoker.wait_idle(timeout) and drained
        self._close_storage()
        self.invoker.close()
        logger.info("host_stopped drained=%s", str(drained).lower())
        self.invoker.telemetry.shutdown()
        return drained

    def _close_storage(self) -> None:
        future = asyncio.run_coroutine_threadsafe(
            self.runtime.storage.close_async(), self.invoker.loop
        )
        try:
            future.result(5)
        except Exception:
            logger.warning("storage_clients_not_closed", exc_info=True)

    def urls(self) -> list[tuple[str, str]]:
        lines = []
        base = f"http://localhost:{self.port}"
        prefix = f"/{self.config.route_prefix}" if self.config.route_prefix else ""
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
