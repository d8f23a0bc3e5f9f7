"""A TCP proxy in front of Azurite that can sabotage the next connections.

It reproduces the two faults that make a write ambiguous: a connection that breaks before
the request arrives, and one that breaks after storage applied the request but before the
answer reaches the client; and a pooled keep-alive connection that the server has closed.
"""

from __future__ import annotations

import contextlib
import socket
import threading


class FlakyProxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._faults: list[str] = []
        self.hanging = False
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self.sabotaged = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def fail_next(self, *faults: str) -> None:
        """Queue faults for the next connections: "refuse" or "drop-response"."""
        with self._lock:
            self._faults.extend(faults)

    def hang(self) -> None:
        """From now on hold every connection open and forward nothing, like a stuck server."""
        self.hanging = True

    def close(self) -> None:
        self._server.close()

    def drop_connections(self) -> None:
        """Close every connection now open, as a server does with idle keep-alive ones."""
        with self._lock:
            dropped, self._open = self._open, []
        for sock in dropped:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            with self._lock:
                fault = self._faults.pop(0) if self._faults else None
            threading.Thread(target=self._serve, args=(client, fault), daemon=True).start()

    def _serve(self, client: socket.socket, fault: str | None) -> None:
        if self.hanging:
            return  # accepted, never answered: the socket stays open until the test ends
        if fault == "refuse":
            self.sabotaged += 1
            client.close()
            return
        upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
        with self._lock:
            self._open += [client, upstream]
        threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
        if fault == "drop-response":
            with contextlib.suppress(OSError):
                upstream.recv(65536)  # storage has answered, so it applied the request
            self.sabotaged += 1
            for sock in (client, upstream):
                sock.close()
            return
        self._pump(upstream, client)

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                if not self.hanging:
                    target.sendall(data)
        for sock in (source, target):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
