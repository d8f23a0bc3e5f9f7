"""`make run`: the whole app on a fresh machine, with Core Tools if present, else devhost.

Copies local.settings.json.example to local.settings.json when missing, starts Azurite on
its default ports with its data in `.azurite/` (unless one is already listening there), lets
pages served by the app PUT uploads to its blob service (CORS rules for the app's origin), then
runs `func start` when `func` is on PATH and `python -m devhost` otherwise (always devhost with
`--easy-auth`: Core Tools run no App Service authentication). Azurite emits
no Event Grid events, so beside `func start` it also runs the local event source
(`python -m devhost.eventsource`) for the app's EventGrid blob triggers; devhost runs that
source in-process. Ctrl-C reaches the host through the terminal; Azurite and the event source
run in their own sessions (process groups on Windows) and are asked to stop after the host has
finished (devhost/processes.py), so in-flight work can still reach storage.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

from devhost import processes
from devhost.azurite import Azurite, allow_browser_uploads, start_azurite
from devhost.settings import load_local_settings
from shared.azurite import ACCOUNT, KEY, connection_string

__all__ = ["main"]

logger = logging.getLogger("devhost.launcher")
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PORTS = (10000, 10001, 10002)
EASY_AUTH = "--easy-auth"


def _listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.3):
        return True
    return False


def _ensure_settings() -> None:
    settings, example = ROOT / "local.settings.json", ROOT / "local.settings.json.example"
    if not settings.exists():
        shutil.copyfile(example, settings)
        logger.info("created local.settings.json from local.settings.json.example")


def _start_storage() -> Azurite | None:
    busy = [port for port in DEFAULT_PORTS if _listening(port)]
    if len(busy) == len(DEFAULT_PORTS):
        logger.info("storage emulator already listening on %s; using it", DEFAULT_PORTS)
        return None
    if busy:
        raise SystemExit(f"ports {busy} are taken by something else; free 10000-10002")
    location = ROOT / ".azurite"
    azurite = start_azurite(location, ports=DEFAULT_PORTS, log_file=location / "azurite.log")
    logger.info("Azurite listening on 127.0.0.1:10000-10002, data in .azurite/")
    return azurite


def _host(argv: list[str]) -> str | None:
    """`func` when Core Tools should serve the app: installed, and no devhost-only option."""
    func = shutil.which("func")
    if func and EASY_AUTH in argv:
        logger.info(
            "%s: Core Tools run no App Service authentication, so devhost serves", EASY_AUTH
        )
        return None
    return func


def _host_command(func: str | None, argv: list[str]) -> list[str]:
    if func:
        logger.info("Azure Functions Core Tools found: func start")
        return [func, "start", *argv]
    logger.info("Core Tools not found (or not wanted): running the app with devhost")
    return [sys.executable, "-m", "devhost", "--script-root", str(ROOT), *argv]


def _host_port(argv: list[str]) -> int:
    """The port `func start` listens on: `--port`/`-p`, else Host.LocalHttpPort, else 7071."""
    for flag in ("--port", "-p"):
        if flag in argv[:-1]:
            return int(argv[argv.index(flag) + 1])
    return load_local_settings(ROOT).local_http_port or 7071


def _allow_browser_uploads(port: int) -> None:
    """The upload page (http://localhost:<port>/api/upload) PUTs straight to Azurite's blob
    service, a cross-origin request that needs a CORS rule there (docs/images.md): on every
    account this Azurite serves (AZURITE_ACCOUNTS; the uploads account among them)."""
    origins = [f"http://localhost:{port}", f"http://127.0.0.1:{port}"]
    for account, key in _served_accounts(os.environ.get("AZURITE_ACCOUNTS", "")).items():
        allow_browser_uploads(connection_string(account=account, key=key), origins)
    logger.info("Azurite blob CORS: browser uploads allowed from %s", ", ".join(origins))


def _served_accounts(variable: str) -> dict[str, str]:
    """name -> key of AZURITE_ACCOUNTS (`name:key;...`); the development account without it."""
    pairs = (item.split(":", 1) for item in variable.split(";") if ":" in item)
    return {name.strip(): key.strip() for name, key in pairs} or {ACCOUNT: KEY}


def _start_event_source(argv: list[str]) -> subprocess.Popen[bytes]:
    target = f"http://localhost:{_host_port(argv)}"
    logger.info("local Event Grid source for Azurite: posting BlobCreated events to %s", target)
    command = [
        sys.executable,
        "-m",
        "devhost.eventsource",
        "--target",
        target,
        "--script-root",
        str(ROOT),
    ]
    return subprocess.Popen(command, **processes.own_group())  # noqa: S603


def _stop(process: subprocess.Popen[bytes]) -> None:
    processes.stop(process, 15)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="[run] %(message)s", stream=sys.stdout)
    _ensure_settings()
    azurite = _start_storage()
    arguments = list(sys.argv[1:] if argv is None else argv)
    _allow_browser_uploads(_host_port(arguments))
    func = _host(arguments)
    source: subprocess.Popen[bytes] | None = None
    try:
        host = subprocess.Popen(_host_command(func, arguments))  # noqa: S603
        # Ctrl-C goes to the host via the terminal's process group; forward SIGTERM too.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, lambda *_: host.send_signal(signal.SIGINT))
        if func:
            source = _start_event_source(arguments)
        return host.wait()
    finally:
        if source is not None:
            logger.info("stopping the local Event Grid source")
            _stop(source)
        if azurite is not None:
            logger.info("stopping Azurite")
            azurite.stop()


if __name__ == "__main__":
    sys.exit(main())
