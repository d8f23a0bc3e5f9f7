"""Run devhost as a subprocess, the way users run it, and read what it did.

Reusable by any e2e test: start it on a free port against an Azurite connection string,
restart it, stop it with SIGINT, parse its one-line-per-invocation log, call it over HTTP.

`DEVHOST_INVOKER=worker` runs every devhost the suite starts with `--invoker worker` (Microsoft's
worker library, Python 3.13+): `make test` runs the e2e and contract suites once per invoker.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devhost.azurite import free_port
from devhost.keys import HostKeys

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from email.message import Message

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_APP = Path(__file__).resolve().parent / "sample_app"
SAMPLE_EVENTS = "e2e-events"  # the container sample_app's Event Grid function watches
_INVOCATION = re.compile(r"\binvocation (function=.*)$")


def invoker_arguments() -> list[str]:
    """The suite's invoker, from DEVHOST_INVOKER (default: devhost's own, in-process)."""
    invoker = os.environ.get("DEVHOST_INVOKER", "")
    return ["--invoker", invoker] if invoker else []


@dataclass
class Response:
    status: int
    headers: Message[str, str]  # case-insensitive, as HTTP header names are
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 30,
) -> Response:
    """One HTTP call with urllib; error statuses are returned, not raised."""
    req = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return Response(resp.status, resp.headers, resp.read())
    except urllib.error.HTTPError as exc:
        return Response(exc.code, exc.headers, exc.read())


def raw_exchange(port: int, data: bytes) -> bytes:
    """Send `data` as it is on a fresh connection to 127.0.0.1 and read the reply until the
    server closes it: for requests urllib will not send (bad bytes, odd methods, huge lines)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(data)
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    return reply


def wait_for(condition: Callable[[], Any], timeout: float, *, interval: float = 0.1) -> Any:
    """Poll until `condition()` is truthy; returns its value or raises TimeoutError."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {timeout} s")
        time.sleep(interval)


@dataclass
class DevhostProcess:
    script_root: Path
    connection_string: str
    log_path: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    extra_args: list[str] = field(default_factory=list)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    # Where devhost's own code comes from (a benchmark may run an older devhost).
    devhost_root: Path = ROOT

    @property
    def uploads_connection(self) -> str:
        """The app's uploads account (UploadsStorage): its own, or the host's."""
        return self.extra_env.get("UploadsStorage", self.connection_string)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> None:
        env = {**os.environ, **self.extra_env, "AzureWebJobsStorage": self.connection_string}
        env["UploadsStorage"] = self.uploads_connection
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(self.devhost_root), env.get("PYTHONPATH")])
        )
        command = [
            sys.executable,
            "-m",
            "devhost",
            "--port",
            str(self.port),
            "--script-root",
            str(self.script_root),
            *invoker_arguments(),
            *self.extra_args,
        ]
        example = self.script_root / "local.settings.json.example"
        if example.is_file():  # a developer's own local.settings.json must not leak into tests
            command += ["--settings-file", str(example)]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=self.devhost_root,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            wait_for(self._ready, timeout, interval=0.1)
        except TimeoutError as exc:
            self.stop()
            raise RuntimeError(f"devhost did not start:\n{self.log_text()[-3000:]}") from exc

    def _ready(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise RuntimeError(f"devhost exited early:\n{self.log_text()[-3000:]}")
        with contextlib.suppress(OSError):
            status = self.admin("GET", "/admin/host/status", timeout=2).status
            return status == 200
        return False

    def admin(self, method: str, path: str, **kwargs: Any) -> Response:
        """A call to the host's own API with the app folder's master key, once devhost made
        one (devhost --easy-auth asks for it; without, it is ignored), as JSON (the only
        kind of body the host's API runs a function from)."""
        keys = HostKeys.read(self.script_root)
        key = {} if keys is None else {"x-functions-key": keys.master}
        headers = (
            key | {"Content-Type": "application/json"} | dict(kwargs.pop("headers", None) or {})
        )
        return self.call(method, path, headers=headers, **kwargs)

    def stop(self, timeout: float = 60) -> int | None:
        """SIGINT (Ctrl-C), as a user stops it; returns the exit code."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def restart(self) -> None:
        self.stop()
        self.start()

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def invocations(self, function: str | None = None) -> list[dict[str, str]]:
        """The structured invocation lines so far, as dicts (`function`, `outcome`, ...)."""
        found = []
        for line in self.log_text().splitlines():
            match = _INVOCATION.search(line)
            if match:
                fields = dict(part.split("=", 1) for part in match.group(1).split() if "=" in part)
                if function is None or fields.get("function") == function:
                    found.append(fields)
        return found

    def call(self, method: str, path: str, **kwargs: Any) -> Response:
        return request(method, f"{self.base_url}{path}", **kwargs)
