"""A small Debug Adapter Protocol client, as an editor is one: messages are JSON, each framed
by a `Content-Length` header, over one TCP socket; requests carry a `seq`, responses name it in
`request_seq`, events arrive in between. Enough to attach, set breakpoints, wait for a stop,
read the stack and continue (https://microsoft.github.io/debug-adapter-protocol/)."""

from __future__ import annotations

import json
import socket
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

Message = dict[str, Any]


class DapError(RuntimeError):
    """The adapter refused a request, or did not answer in time."""


class DapClient:
    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buffer = b""
        self._seq = 0
        self._unread: list[Message] = []  # what arrived while waiting for something else
        self.events: list[Message] = []  # every event seen, in order, for failure messages

    @classmethod
    def connect(cls, port: int, *, timeout: float = 30) -> DapClient:
        """Connect to an adapter listening on 127.0.0.1:`port`, retrying until it listens."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return cls(socket.create_connection(("127.0.0.1", port), timeout=5))
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def close(self) -> None:
        self._sock.close()

    # --- requests -------------------------------------------------------------------------
    def send(self, command: str, arguments: Message | None = None) -> int:
        """Send a request; its seq (the response names it)."""
        self._seq += 1
        message = {"seq": self._seq, "type": "request", "command": command}
        if arguments is not None:
            message["arguments"] = arguments
        body = json.dumps(message).encode("utf-8")
        self._sock.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        return self._seq

    def response(self, seq: int, *, timeout: float = 30) -> Message:
        """The response to request `seq`; DapError if it failed."""
        answer = self._wait(
            lambda m: m.get("type") == "response" and m.get("request_seq") == seq, timeout
        )
        if not answer.get("success"):
            raise DapError(f"{answer.get('command')} failed: {answer.get('message')}")
        return answer

    def request(self, command: str, arguments: Message | None = None, **kw: float) -> Message:
        return self.response(self.send(command, arguments), **kw)

    def event(self, name: str, *, timeout: float = 30) -> Message:
        return self._wait(lambda m: m.get("type") == "event" and m.get("event") == name, timeout)

    # --- reading --------------------------------------------------------------------------
    def _wait(self, wanted: Callable[[Message], bool], timeout: float) -> Message:
        for index, message in enumerate(self._unread):
            if wanted(message):
                return self._unread.pop(index)
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                seen = [e.get("event") for e in self.events]
                raise DapError(f"nothing wanted within {timeout} s; events so far: {seen}")
            arrived = self._read(remaining)
            if arrived is None:
                continue
            if arrived.get("type") == "event":
                self.events.append(arrived)
            if arrived.get("type") == "request":  # a reverse request: nothing here needs one
                continue
            if wanted(arrived):
                return arrived
            self._unread.append(arrived)

    def _read(self, timeout: float) -> Message | None:
        """One message, or None when none completed within `timeout`."""
        while True:
            header_end = self._buffer.find(b"\r\n\r\n")
            if header_end >= 0:
                headers = self._buffer[:header_end].decode("ascii").split("\r\n")
                length = next(
                    int(h.split(":", 1)[1])
                    for h in headers
                    if h.lower().startswith("content-length")
                )
                start = header_end + 4
                if len(self._buffer) >= start + length:
                    body = self._buffer[start : start + length]
                    self._buffer = self._buffer[start + length :]
                    message: Message = json.loads(body)
                    return message
            self._sock.settimeout(max(timeout, 0.01))
            try:
                chunk = self._sock.recv(65536)
            except TimeoutError:
                return None
            if not chunk:
                raise DapError("the adapter closed the connection")
            self._buffer += chunk
