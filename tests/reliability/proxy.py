"""A TCP proxy in front of Azurite's three services that can make storage unreachable.

`cut()` makes storage look like a dead network path, the hardest kind of outage: connections
are still accepted but nothing is forwarded or answered, so clients wait for their own
timeouts (a refused connection would fail fast and prove less). `restore()` breaks the
connections that were stalled and forwards new ones again.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from devhost.azurite import Azurite


class _Forwarder:
    def __init__(self, owner: StorageProxy, upstream_port: int) -> None:
        self.owner, self.upstream_port = owner, upstream_port
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.server.getsockname()[1])
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            self.owner.track(client)
            if not self.owner.is_cut:
                threading.Thread(target=self._connect, args=(client,), daemon=True).start()

    def _connect(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
        except OSError:
            client.close()
            return
        self.owner.track(upstream)
        threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
        self._pump(upstream, client)

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                if self.owner.is_cut:
                    continue  # swallowed: the other side waits for its timeout
                target.sendall(data)
        for sock in (source, target):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class StorageProxy:
    def __init__(self, azurite: Azurite) -> None:
        self.azurite = azurite
        self.is_cut = False
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._forwarders = [
            _Forwarder(self, port)
            for port in (azurite.blob_port, azurite.queue_port, azurite.table_port)
        ]

    @property
    def connection_string(self) -> str:
        text = self.azurite.connection_string
        for forwarder in self._forwarders:
            text = text.replace(f":{forwarder.upstream_port}/", f":{forwarder.port}/")
        return text

    def track(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.append(sock)

    def cut(self) -> None:
        self.is_cut = True

    def restore(self) -> None:
        """Forward again; the connections stalled during the cut are broken, as after a real
        network outage."""
        with self._lock:
            stalled, self._open = self._open, []
            self.is_cut = False
        for sock in stalled:
            with contextlib.suppress(OSError):
                sock.close()

    def close(self) -> None:
        self.restore()
        for forwarder in self._forwarders:
            forwarder.server.close()
