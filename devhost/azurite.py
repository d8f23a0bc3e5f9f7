"""Start and stop Azurite, the Azure Storage emulator, for the run command and the tests.

Azurite loses recent writes when killed, so it is always asked to stop (SIGINT; Ctrl-Break on
Windows, devhost/processes.py), and killed only when it does not within the timeout.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from devhost import processes
from shared import azurite
from shared.azurite import accounts_variable

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = [
    "BLOB_CORS",
    "BLOB_CORS_MAX_AGE",
    "Azurite",
    "allow_browser_uploads",
    "free_port",
    "running_azurite",
    "start_azurite",
]

ROOT = Path(__file__).resolve().parent.parent
# The blob service's CORS rule for browser uploads (a PUT to the SAS URL of POST /api/images),
# the same as infra/modules/storage.bicep sets on Azure; tests/deploy checks that they agree.
BLOB_CORS = {
    "allowed_methods": ["PUT", "OPTIONS"],
    "allowed_headers": [
        "content-type",
        "x-ms-blob-type",
        "x-ms-version",
        "x-ms-date",
        "x-ms-client-request-id",
    ],
    "exposed_headers": ["etag", "x-ms-request-id"],
}
BLOB_CORS_MAX_AGE = 600


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Azurite:
    process: subprocess.Popen[bytes]
    blob_port: int
    queue_port: int
    table_port: int
    location: Path
    # Accounts besides the development one (name -> key), served through AZURITE_ACCOUNTS.
    accounts: dict[str, str] = field(default_factory=dict)

    @property
    def connection_string(self) -> str:
        return azurite.connection_string(
            blob_port=self.blob_port, queue_port=self.queue_port, table_port=self.table_port
        )

    def connection_string_of(self, account: str) -> str:
        """The connection string of one of `accounts`."""
        return azurite.connection_string(
            blob_port=self.blob_port,
            queue_port=self.queue_port,
            table_port=self.table_port,
            account=account,
            key=self.accounts[account],
        )

    def stop(self, timeout: float = 15) -> None:
        processes.stop(self.process, timeout)


def _binary() -> list[str]:
    """Node running Azurite through devhost/azurite.cjs, which gives Windows' Ctrl-Break
    Azurite's graceful shutdown; the same command on every platform."""
    installed = ROOT / "node_modules" / "azurite" / "package.json"
    node = shutil.which("node")
    if not installed.exists() or node is None:
        raise RuntimeError("Azurite is not installed: run `npm ci` (make setup does).")
    return [node, str(Path(__file__).with_name("azurite.cjs"))]


def _wait_until_listening(ports: tuple[int, ...], process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    pending = list(ports)
    while pending:
        if process.poll() is not None:
            raise RuntimeError(f"Azurite exited with code {process.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"Azurite did not listen on {pending} within 30 s")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", pending[0]), 0.2):
            pending.pop(0)
            continue
        time.sleep(0.05)


def start_azurite(
    location: Path,
    *,
    ports: tuple[int, int, int] | None = None,
    log_file: Path | None = None,
    accounts: dict[str, str] | None = None,
) -> Azurite:
    """Start Azurite with its data under `location`, on free ports unless `ports` are given;
    with `accounts` (name -> key) it serves those accounts beside the development one."""
    blob, queue, table = ports or (free_port(), free_port(), free_port())
    location.mkdir(parents=True, exist_ok=True)
    command = [
        *_binary(),
        "--silent",
        "--location",
        str(location),
        "--blobHost",
        "127.0.0.1",
        "--blobPort",
        str(blob),
        "--queueHost",
        "127.0.0.1",
        "--queuePort",
        str(queue),
        "--tableHost",
        "127.0.0.1",
        "--tablePort",
        str(table),
        "--skipApiVersionCheck",
        "--disableTelemetry",
        "--loose",
    ]
    output = open(log_file, "ab") if log_file else subprocess.DEVNULL  # noqa: SIM115
    env = os.environ.copy()
    if accounts:
        env["AZURITE_ACCOUNTS"] = accounts_variable(accounts)
    process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        command,
        stdout=output,
        stderr=subprocess.STDOUT,
        env=env,
        **processes.own_group(),
    )
    azurite = Azurite(process, blob, queue, table, location, dict(accounts or {}))
    try:
        _wait_until_listening((blob, queue, table), process)
    except BaseException:
        azurite.stop()
        raise
    return azurite


def allow_browser_uploads(connection_string: str, origins: list[str]) -> None:
    """Set the blob service's CORS rules (Set Blob Service Properties) so that pages served
    from `origins` may PUT uploads to it; replaces any rules it had."""
    from azure.storage.blob import BlobServiceClient, CorsRule

    rule = CorsRule(
        origins,
        BLOB_CORS["allowed_methods"],
        allowed_headers=BLOB_CORS["allowed_headers"],
        exposed_headers=BLOB_CORS["exposed_headers"],
        max_age_in_seconds=BLOB_CORS_MAX_AGE,
    )
    with BlobServiceClient.from_connection_string(connection_string) as service:
        service.set_service_properties(cors=[rule])


@contextlib.contextmanager
def running_azurite(
    location: Path,
    *,
    ports: tuple[int, int, int] | None = None,
    log_file: Path | None = None,
    accounts: dict[str, str] | None = None,
) -> Iterator[Azurite]:
    azurite = start_azurite(location, ports=ports, log_file=log_file, accounts=accounts)
    try:
        yield azurite
    finally:
        azurite.stop()
