"""devhost's composition root: `build_host` turns the command line's options into a `DevHost`.

Its steps are the Functions host's and the Python worker's, in their order: app settings
(local.settings.json `Values`) into the environment, with `--easy-auth` the platform's
authentication settings too (devhost.auth) and the host's keys (devhost.keys), host.json,
OpenTelemetry set up before the app is imported, the app imported and indexed, the app's
start-up check, then one listener per non-HTTP trigger, the HTTP front end and, for
`source="EventGrid"` blob triggers, the host blob queue, its webhook and the local event source.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from devhost.adminruns import AdminRuns, host_status
from devhost.auth import EasyAuth
from devhost.blobqueue import EventGridBlobListener, HostBlobQueue
from devhost.blobs import BlobTriggerListener
from devhost.eventsource import EVENT_GRID_CONFIG, EventSource, SourceOptions, subscriptions_for
from devhost.frontend import (
    AdminApi,
    CorsPolicy,
    ExtensionWebhooks,
    Frontend,
    HostApiGuard,
    HttpFunctions,
)
from devhost.functions import SUPPORTED_TRIGGERS, load_functions
from devhost.host import DevHost
from devhost.hostconfig import load_host_config
from devhost.inprocess import InProcessRunner
from devhost.invocation import Invoker
from devhost.keys import HostKeys
from devhost.outputs import OutputWriter
from devhost.project import devhost_table
from devhost.queues import QueueTriggerListener
from devhost.runtime import Runtime, derive_host_id
from devhost.settings import apply_values, load_local_settings
from devhost.startup_check import run_startup_check
from devhost.storage import StorageAccounts
from devhost.telemetry import HostTelemetry
from devhost.telemetry import configure as configure_telemetry
from devhost.timers import TimerTriggerListener
from devhost.warmup import WARMUP_TRIGGER, WarmupListener
from devhost.webhooks import BlobsWebhook

if TYPE_CHECKING:
    from pathlib import Path

    from devhost.execution import FunctionRunner
    from devhost.functions import FunctionSpec
    from devhost.hostconfig import HostConfig
    from devhost.listener import Listener, ListenerFactory
    from devhost.settings import LocalSettings
    from devhost.telemetry import Telemetry

__all__ = ["DEFAULT_PORT", "INVOKERS", "HostOptions", "UnsupportedFunction", "build_host"]

logger = logging.getLogger(__name__)

DEFAULT_PORT = 7071
# Where functions run: devhost's own process, or Microsoft's worker library (3.13+).
INVOKERS = ("inprocess", "worker")
_LISTENERS: dict[str, ListenerFactory] = {
    "blobTrigger": BlobTriggerListener,
    "queueTrigger": QueueTriggerListener,
    "timerTrigger": TimerTriggerListener,
    WARMUP_TRIGGER: WarmupListener,
}


class UnsupportedFunction(RuntimeError):
    """The app has a function whose trigger devhost cannot run."""


@dataclass(frozen=True, slots=True)
class HostOptions:
    """`python -m devhost`'s options."""

    script_root: Path
    port: int | None = None  # else Host.LocalHttpPort, else 7071
    bind: str = "127.0.0.1"
    only: tuple[str, ...] = ()  # `func start --functions a b`: load just these
    settings_file: Path | None = None
    event_source: bool = True
    easy_auth: bool = False  # emulate App Service authentication (devhost.auth)
    invoker: str = "inprocess"


def build_host(options: HostOptions) -> DevHost:
    """Read the settings into the environment, set up telemetry, import the app and make every
    part of the host; nothing runs until `DevHost.start`."""
    script_root = options.script_root.resolve()
    local = load_local_settings(script_root, options.settings_file)
    apply_values(local)
    easy_auth = _easy_auth(script_root, enabled=options.easy_auth)
    keys = _host_keys(script_root) if options.easy_auth else None
    config = load_host_config(script_root)
    # As the worker does: OpenTelemetry is set up before the app is imported.
    telemetry = configure_telemetry(os.environ, route_prefix=config.route_prefix)
    runner = _runner(options, script_root, telemetry)  # before the import: fail fast
    functions = _load_app(script_root, options.only)
    runtime = _runtime(
        script_root, config, Invoker(runner, timeout=config.function_timeout, telemetry=telemetry)
    )
    listeners = {
        spec.name: _listener(spec, runtime) for spec in functions if spec.trigger_type in _LISTENERS
    }
    # The host's blob trigger queue serves every blob trigger, fed by the webhook.
    blob_specs = [spec for spec in functions if spec.trigger_type == "blobTrigger"]
    blob_queue = HostBlobQueue(runtime, blob_specs) if blob_specs else None
    admin = AdminRuns(functions, listeners)
    port = options.port or local.local_http_port or DEFAULT_PORT
    source = (
        _event_source(functions, runtime, script_root, options.bind, port, keys)
        if options.event_source
        else None
    )
    return DevHost(
        functions,
        runtime,
        listeners,
        _frontend(functions, runtime, local, admin, blob_queue, (easy_auth, keys)),
        admin,
        options.bind,
        port,
        config.route_prefix,
        blob_queue,
        source,
    )


def _easy_auth(script_root: Path, *, enabled: bool) -> EasyAuth | None:
    """The platform's gate, its settings put in the environment before the app is imported,
    as on Azure, and the local issuer's keys served where the app fetches them."""
    return EasyAuth.start(script_root, os.environ) if enabled else None


def _host_keys(script_root: Path) -> HostKeys:
    """The keys the host's own API asks for under --easy-auth, as on Azure (made on first
    use); the log says how to read them, never what they are."""
    keys = HostKeys.open(script_root)
    logger.info(
        "host_keys on: the admin API needs the master key in x-functions-key, the blobs "
        "webhook the blobs_extension key as code=; read them from %s or with: "
        "python -m devhost.keys [master|blobs_extension]",
        keys.path,
    )
    return keys


def _load_app(script_root: Path, only: tuple[str, ...]) -> list[FunctionSpec]:
    functions = load_functions(script_root)
    run_startup_check(script_root)  # after the app's import, as the worker's indexing
    if only:
        wanted = {name.lower() for name in only}
        functions = [spec for spec in functions if spec.name.lower() in wanted]
    for spec in functions:
        if spec.trigger_type not in SUPPORTED_TRIGGERS:
            raise UnsupportedFunction(
                f"{spec.name}: {spec.trigger_type} is not supported by devhost "
                "(see docs/local-host.md)"
            )
        OutputWriter.check(spec)
    return functions


def _runner(options: HostOptions, script_root: Path, telemetry: Telemetry) -> FunctionRunner:
    if options.invoker == "worker":
        from devhost.worker import WorkerRunner

        return WorkerRunner(
            script_root,
            host=options.bind,
            telemetry_configured=isinstance(telemetry, HostTelemetry),
            subset=bool(options.only),
        )
    return InProcessRunner()


def _runtime(script_root: Path, config: HostConfig, invoker: Invoker) -> Runtime:
    storage = StorageAccounts(os.environ)
    return Runtime(
        invoker,
        OutputWriter(storage, os.environ, encoding=config.queues.message_encoding),
        storage,
        config,
        derive_host_id(script_root, config.host_id),
        os.environ,
    )


def _listener(spec: FunctionSpec, runtime: Runtime) -> Listener:
    if spec.trigger_type == "blobTrigger" and spec.source_is_event_grid:
        return EventGridBlobListener(spec, runtime)
    return _LISTENERS[spec.trigger_type](spec, runtime)


def _frontend(
    functions: list[FunctionSpec],
    runtime: Runtime,
    local: LocalSettings,
    admin: AdminRuns,
    blob_queue: HostBlobQueue | None,
    locks: tuple[EasyAuth | None, HostKeys | None],
) -> Frontend:
    cors = CorsPolicy(local.cors_origins, local.cors_credentials)
    http = HttpFunctions(
        functions,
        runtime.invoker,
        runtime.outputs,
        route_prefix=runtime.config.route_prefix,
        cors=cors,
    )
    status = partial(host_status, runtime, functions)
    webhook = BlobsWebhook(blob_queue.enqueue) if blob_queue is not None else None
    easy_auth, keys = locks
    return Frontend(
        http,
        AdminApi(admin.start, status),
        ExtensionWebhooks(webhook),
        easy_auth,
        host_api=HostApiGuard(keys),
    )


def _event_source(
    functions: list[FunctionSpec],
    runtime: Runtime,
    script_root: Path,
    bind: str,
    port: int,
    keys: HostKeys | None,
) -> EventSource | None:
    """Posts to this host over HTTP, exactly as the standalone source posts to func start
    (with the webhook's key when the host asks for one)."""
    config = devhost_table(script_root).get(EVENT_GRID_CONFIG)
    subscriptions = subscriptions_for(functions, runtime.environ, config)
    if not subscriptions:
        return None
    address = "127.0.0.1" if bind in ("0.0.0.0", "", "::") else bind
    target = f"http://{address}:{port}"
    options = SourceOptions(target=target, host_id=runtime.host_id, keys=keys)
    return EventSource(subscriptions, options, runtime.storage)
