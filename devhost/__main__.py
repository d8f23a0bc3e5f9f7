"""`python -m devhost [--port N] [--script-root DIR] [--debugpy PORT]`: run the app like
`func start`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from devhost import debugger
from devhost.bootstrap import INVOKERS, HostOptions, UnsupportedFunction, build_host
from devhost.console import configure_logging, quiet_about_open_sessions, stop_signal
from devhost.functions import AppLoadError
from devhost.pageuploads import allow_page_uploads
from devhost.startup_check import StartupCheckFailed
from devhost.worker import WorkerError

logger = logging.getLogger("devhost")


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devhost", description=__doc__)
    parser.add_argument(
        "--port", type=int, default=None, help="HTTP port (default: Host.LocalHttpPort, else 7071)"
    )
    parser.add_argument(
        "--script-root",
        "--app-dir",
        dest="script_root",
        type=Path,
        default=Path.cwd(),
        help="folder holding function_app.py and host.json",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback)")
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=30.0,
        help="seconds to let in-flight invocations finish on shutdown",
    )
    parser.add_argument(
        "--functions",
        nargs="+",
        default=None,
        help="run only these functions (as `func start --functions`)",
    )
    parser.add_argument(
        "--settings-file",
        type=Path,
        default=None,
        help="read app settings from this file instead of local.settings.json",
    )
    parser.add_argument(
        "--no-event-source",
        dest="event_source",
        action="store_false",
        help="do not deliver Azurite uploads to EventGrid blob triggers (post events yourself)",
    )
    parser.add_argument(
        "--easy-auth",
        action="store_true",
        help="emulate App Service authentication: bearer tokens of the local test issuer "
        "(python -m devhost.auth token), 401 without one; docs/security.md",
    )
    parser.add_argument(
        "--invoker",
        choices=INVOKERS,
        default="inprocess",
        help="run functions in devhost's process (default) or in Microsoft's worker library "
        "(azure-functions-runtime, Python 3.13+)",
    )
    parser.add_argument("--log-level", default="INFO")
    debugger.add_arguments(parser)
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> int:
    """Build and start the host, run until SIGINT or SIGTERM, then stop it gracefully: 0, or
    3 when invocations outlasted the drain timeout (1 if it could not start)."""
    asyncio.get_running_loop().set_exception_handler(quiet_about_open_sessions)
    stop = stop_signal()
    options = HostOptions(
        args.script_root,
        port=args.port,
        bind=args.host,
        only=tuple(args.functions or ()),
        settings_file=args.settings_file,
        event_source=args.event_source,
        easy_auth=args.easy_auth,
        invoker=args.invoker,
    )
    failures = (
        AppLoadError,
        UnsupportedFunction,
        StartupCheckFailed,
        WorkerError,
        OSError,
        ValueError,
    )
    try:
        host = build_host(options)
        # Before it serves a page: the host's account and those the app's uploads land in.
        watched = host.event_source.subscriptions if host.event_source else []
        accounts = [None, *(subscription.connection for subscription in watched)]
        await allow_page_uploads(host.runtime.storage, host.port, accounts)
        await host.start()
    except failures as exc:
        logger.error("devhost_start_failed error=%s", exc)
        return 1
    await stop.wait()
    return 0 if await host.stop(args.drain_timeout) else 3


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    configure_logging(args.log_level)
    if args.debugpy is not None:  # before the app is imported, so no breakpoint is missed
        debugger.listen(args.debugpy, wait=args.debugpy_wait)
    return asyncio.run(serve(args))


if __name__ == "__main__":
    sys.exit(main())
