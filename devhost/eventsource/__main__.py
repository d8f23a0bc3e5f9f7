"""`python -m devhost.eventsource --target http://localhost:7071`: deliver Azurite uploads as
Event Grid BlobCreated events to a running host (`func start` or devhost).

Reads the app's metadata (function_app.py) for its `source="EventGrid"` blob triggers and
local.settings.json for their connections, exactly as devhost does.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from devhost.console import configure_logging, stop_signal
from devhost.eventsource.delivery import RetryPolicy
from devhost.eventsource.source import EventSource, SourceOptions
from devhost.eventsource.subscriptions import CONFIG_KEY, subscriptions_for
from devhost.functions import AppLoadError, load_functions
from devhost.hostconfig import load_host_config
from devhost.keys import HostKeys
from devhost.project import devhost_table
from devhost.runtime import derive_host_id
from devhost.settings import apply_values, load_local_settings
from devhost.storage import StorageAccounts

logger = logging.getLogger("devhost.eventsource")


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devhost.eventsource", description=__doc__)
    add = parser.add_argument
    add("--target", required=True, help="base URL of the host, e.g. http://localhost:7071")
    add("--script-root", type=Path, default=Path.cwd(), help="folder holding function_app.py")
    add("--settings-file", type=Path, default=None, help="instead of local.settings.json")
    add("--functions", nargs="+", default=None, help="only these functions' subscriptions")
    add("--schema", choices=("eventgrid", "cloudevents"), default="eventgrid")
    add("--interval", type=float, default=1.0, help="seconds between scans, at least")
    add("--busy", type=float, default=0.05, help="share of time spent listing, at most")
    add("--grace", type=float, default=60.0, help="seconds an upload may take to finish")
    add("--max-attempts", type=int, default=8, help="deliveries tried per event")
    add("--first-retry", type=float, default=0.5, help="seconds before the first retry")
    add("--log-level", default="INFO")
    return parser.parse_args(argv)


def build_source(args: argparse.Namespace) -> EventSource:
    """Settings into the environment, the app's metadata, one subscription per Event Grid
    blob trigger; nothing runs until `EventSource.start`."""
    script_root = args.script_root.resolve()
    apply_values(load_local_settings(script_root, args.settings_file))
    config = load_host_config(script_root)
    functions = load_functions(script_root)
    if args.functions:
        wanted = {name.lower() for name in args.functions}
        functions = [spec for spec in functions if spec.name.lower() in wanted]
    options = SourceOptions(
        target=args.target,
        host_id=derive_host_id(script_root, config.host_id),
        schema=args.schema,
        interval=args.interval,
        busy=args.busy,
        grace=args.grace,
        retry=RetryPolicy(max_attempts=args.max_attempts, first_delay=args.first_retry),
        # A devhost --easy-auth of this folder asks for its keys; func start asks for none.
        keys=HostKeys.read(script_root),
    )
    storage = StorageAccounts(os.environ)
    filters = devhost_table(script_root).get(CONFIG_KEY)
    return EventSource(subscriptions_for(functions, os.environ, filters), options, storage)


async def serve(args: argparse.Namespace) -> int:
    stop = stop_signal()
    try:
        source = build_source(args)
    except (AppLoadError, OSError, ValueError, LookupError) as exc:
        logger.error("event_source_start_failed error=%s", exc)
        return 1
    if not source.subscriptions:
        logger.info("event_source_idle reason=no_event_grid_blob_triggers")
        return 0
    await source.start()
    await stop.wait()
    await source.stop()
    await source.storage.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    configure_logging(args.log_level)
    return asyncio.run(serve(args))


if __name__ == "__main__":
    sys.exit(main())
