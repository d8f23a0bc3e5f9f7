"""Azurite keeps what was written when it is asked to stop, on each platform's way of asking:
SIGINT here, and on Windows Ctrl-Break, which Node raises as SIGBREAK and devhost/azurite.cjs
turns into Azurite's own shutdown. SIGBREAK cannot be sent outside Windows, so that test has
Node raise it itself when this process sends SIGUSR2: the same listener, the same shutdown."""

from __future__ import annotations

import signal
import subprocess
from typing import TYPE_CHECKING

from azure.storage.blob import BlobServiceClient

from devhost import azurite as azurite_module
from devhost.azurite import free_port, start_azurite
from shared.azurite import connection_string

if TYPE_CHECKING:
    from pathlib import Path

WRAPPER = azurite_module.ROOT / "devhost" / "azurite.cjs"
# Raise SIGBREAK on SIGUSR2, then run the wrapper with Azurite's options in process.argv.
PREAMBLE = (
    "process.on('SIGUSR2', () => process.emit('SIGBREAK'));"
    "process.argv.splice(1, 0, {wrapper!r});"
    "require({wrapper!r});"
)


def _put(connection: str, body: bytes) -> None:
    with BlobServiceClient.from_connection_string(connection) as service:
        container = service.get_container_client("kept")
        container.create_container()
        container.upload_blob("blob", body)


def _get(connection: str) -> bytes:
    with BlobServiceClient.from_connection_string(connection) as service:
        return service.get_blob_client("kept", "blob").download_blob().readall()


def test_sigint_keeps_the_writes(tmp_path: Path) -> None:
    first = start_azurite(tmp_path)
    _put(first.connection_string, b"written just before the stop")
    first.stop()
    assert first.process.returncode == 0

    second = start_azurite(tmp_path, ports=(first.blob_port, first.queue_port, first.table_port))
    try:
        assert _get(second.connection_string) == b"written just before the stop"
    finally:
        second.stop()


def test_ctrl_break_runs_azurites_own_shutdown(tmp_path: Path) -> None:
    ports = (free_port(), free_port(), free_port())
    options = [
        "--silent",
        "--location",
        str(tmp_path),
        "--skipApiVersionCheck",
        "--disableTelemetry",
    ]
    for service, port in zip(("blob", "queue", "table"), ports, strict=True):
        options += [f"--{service}Host", "127.0.0.1", f"--{service}Port", str(port)]
    log = tmp_path / "azurite.log"
    script = PREAMBLE.format(wrapper=str(WRAPPER))
    with log.open("wb") as out:
        node = subprocess.Popen(["node", "-e", script, "--", *options], stdout=out, stderr=out)
    connection = connection_string(blob_port=ports[0], queue_port=ports[1], table_port=ports[2])
    try:
        azurite_module._wait_until_listening(ports, node)
        _put(connection, b"written just before Ctrl-Break")
        node.send_signal(signal.SIGUSR2)
        assert node.wait(15) == 0
    finally:
        if node.poll() is None:
            node.kill()
    assert "Azurite Blob service successfully closed" in log.read_text(encoding="utf-8")

    again = start_azurite(tmp_path, ports=ports)
    try:
        assert _get(again.connection_string) == b"written just before Ctrl-Break"
    finally:
        again.stop()
