"""`python -m devhost [--port N] [--script-root DIR]`: run the app like `func start`."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path

from devhost.functions import AppLoadError
from devhost.host import DevHost, UnsupportedFunction
from devhost.startup_check import StartupCheckFailed

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
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    logging.basicConfig(
        level=args.log_level.upper(), stream=sys.stdout,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )  # fmt: skip
    # The storage SDKs log every request at INFO; keep the console to the host's own lines.
    logging.getLogger("azure").setLevel(logging.WARNING)
    try:
        host = DevHost(
            args.script_root, port=args.port, host=args.host, only=args.functions,
            settings_file=args.settings_file,
        )  # fmt: skip
        host.start()
    except (AppLoadError, UnsupportedFunction, StartupCheckFailed, OSError, ValueError) as exc:
        logger.error("devhost_start_failed error=%s", exc)
        return 1
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass
    return 0 if host.stop(args.drain_timeout) else 3


if __name__ == "__main__":
    sys.exit(main())
