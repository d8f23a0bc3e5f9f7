"""A TCP proxy in front of Azurite's three services that can make storage unreachable.

`cut()` makes storage look like a dead network path, the hardest kind of outage: connections
are still accepted but nothing is forwarded or answered, so clients wait for their own
timeouts (a refused connection would fail fast and prove less). `cut("queue")` does it to one
service only. `restore()` breaks the connections that were stalled and forwards new ones
again.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from devhost.azurite import Azurite

SERVICES = ("blob", "queue", "table")


class _Forwarder:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.is_cut = False
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.server.getsockname()[1])
        threading.Thread(target=self._accept, daemon=True).start()

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.append(sock)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            self._track(client)
            if not self.is_cut:
                threading.Thread(target=self._connect, args=(client,), daemon=True).start()

    def _connect(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
        except OSError:
            client.close()
            return
        self._track(upstream)
        threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
        self._pump(upstream, client)

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                if self.is_cut:
                    continue  # swallowed: the other side waits for its timeout
                target.sendall(data)
        for sock in (source, target):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def restore(self) -> None:
        """Forward again; the connections stalled during the cut are broken, as after a real
        network outage (a forwarder that was not cut keeps its connections)."""
        with self._lock:
            stalled, self._open = (self._open, []) if self.is_cut else ([], self._open)
            self.is_cut = False
        for sock in stalled:
            # shutdown first: a plain close() while a pump thread is blocked in recv() on the
            # socket leaves the connection open, and the client waits out its read timeout.
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()


class StorageProxy:
    def __init__(self, azurite: Azurite) -> None:
        self.azurite = azurite
        self._forwarders = {
            "blob": _Forwarder(azurite.blob_port),
            "queue": _Forwarder(azurite.queue_port),
            "table": _Forwarder(azurite.table_port),
        }

    @property
    def is_cut(self) -> bool:
        return any(forwarder.is_cut for forwarder in self._forwarders.values())

    @property
    def connection_string(self) -> str:
        text = self.azurite.connection_string
        for forwarder in self._forwarders.values():
            text = text.replace(f":{forwarder.upstream_port}/", f":{forwarder.port}/")
        return text

    def cut(self, *services: str) -> None:
        """Stall every service, or only `services` (of SERVICES)."""
        for service in services or SERVICES:
            self._forwarders[service].is_cut = True

    def restore(self) -> None:
        for forwarder in self._forwarders.values():
            forwarder.restore()

    def close(self) -> None:
        for forwarder in self._forwarders.values():
            forwarder.is_cut = True
            forwarder.restore()
            forwarder.server.close()
