"""`make run`: the whole app on a fresh machine, with Core Tools if present, else devhost.

Copies local.settings.json.example to local.settings.json when missing, starts Azurite on
its default ports with its data in `.azurite/` (unless one is already listening there),
then runs `func start` when `func` is on PATH and `python -m devhost` otherwise. Ctrl-C
reaches the host through the terminal; Azurite runs in its own session and is stopped with
SIGINT only after the host has finished, so in-flight work can still reach storage.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

from devhost.azurite import Azurite, start_azurite

__all__ = ["main"]

logger = logging.getLogger("devhost.launcher")
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PORTS = (10000, 10001, 10002)


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


def _host_command(argv: list[str]) -> list[str]:
    func = shutil.which("func")
    if func:
        logger.info("Azure Functions Core Tools found: func start")
        return [func, "start", *argv]
    logger.info("Core Tools not found: running the app with devhost")
    return [sys.executable, "-m", "devhost", "--script-root", str(ROOT), *argv]


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="[run] %(message)s", stream=sys.stdout)
    _ensure_settings()
    azurite = _start_storage()
    try:
        host = subprocess.Popen(_host_command(list(sys.argv[1:] if argv is None else argv)))  # noqa: S603
        # Ctrl-C goes to the host via the terminal's process group; forward SIGTERM too.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, lambda *_: host.send_signal(signal.SIGINT))
        return host.wait()
    finally:
        if azurite is not None:
            logger.info("stopping Azurite")
            azurite.stop()


if __name__ == "__main__":
    sys.exit(main())
