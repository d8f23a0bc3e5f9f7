"""A breakpoint in a function stops, without Core Tools, both ways VS Code debugs devhost:

- attach: devhost started as `python -m devhost --debugpy PORT --debugpy-wait` waits for a
  debugger; a DAP client (tests/e2e/dap.py, as "Attach to Python Functions" and "Attach to
  devhost" are) attaches over the socket;
- launch: the "devhost (no Core Tools)" configuration of .vscode/launch.json, sent as VS Code
  sends it to debugpy's adapter, which starts devhost under the debugger.

Each sets a breakpoint inside a handler of blueprints/orders.py; an HTTP request stops there
(the `stopped` event, and the stack's top frame names that file, function and line), and after
`continue` the response arrives."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import pytest

from devhost.azurite import free_port
from tests import jsonc
from tests.e2e.dap import DapClient
from tests.e2e.harness import ROOT, DevhostProcess, request, wait_for

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from devhost.azurite import Azurite

ORDERS = ROOT / "blueprints" / "orders.py"
# Found by its text, so an edit above it does not move the breakpoint off the handler.
BREAKPOINT_TEXT = "order = await services.get_order("
NEVER = "0 0 0 1 1 *"  # no nightly sweep during the test (tests/e2e/conftest.py)


def breakpoint_line() -> int:
    lines = ORDERS.read_text(encoding="utf-8").splitlines()
    found = [number for number, line in enumerate(lines, 1) if BREAKPOINT_TEXT in line]
    assert len(found) == 1, f"{BREAKPOINT_TEXT!r} should be on one line of {ORDERS}: {found}"
    return found[0]


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(2) as threads:
        yield threads


def configure(client: DapClient, start: str, arguments: dict[str, Any], line: int) -> None:
    """initialize, attach or launch, the breakpoint, configurationDone: an editor's sequence."""
    client.request(
        "initialize",
        {
            "clientID": "tests",
            "adapterID": "debugpy",
            "pathFormat": "path",
            "linesStartAt1": True,
            "columnsStartAt1": True,
        },
    )
    started = client.send(start, arguments)
    client.event("initialized")
    answer = client.request(
        "setBreakpoints", {"source": {"path": str(ORDERS)}, "breakpoints": [{"line": line}]}
    )
    assert [b["line"] for b in answer["body"]["breakpoints"]] == [line]
    client.request("configurationDone")
    client.response(started)


def stop_at_the_breakpoint(
    client: DapClient, base_url: str, line: int, pool: ThreadPoolExecutor
) -> None:
    order_id = str(uuid.uuid4())
    answer = pool.submit(request, "GET", f"{base_url}/api/orders/{order_id}", timeout=120)
    stopped = client.event("stopped", timeout=60)
    assert stopped["body"]["reason"] == "breakpoint"
    assert not answer.done()  # the request waits at the breakpoint

    thread = stopped["body"]["threadId"]
    frames = client.request("stackTrace", {"threadId": thread, "levels": 1})
    top = frames["body"]["stackFrames"][0]
    assert (top["name"], top["line"]) == ("get_order", line)
    assert os.path.samefile(top["source"]["path"], ORDERS)

    client.request("continue", {"threadId": thread})
    response = answer.result(timeout=60)
    # No such order: services.get_order, the line stopped at, ran and raised its 404.
    assert response.status == 404
    assert response.json()["type"].endswith(":order-not-found")


def test_attached_to_devhost_debugpy_a_breakpoint_stops_a_request(
    azurite: Azurite, tmp_path: Path, pool: ThreadPoolExecutor
) -> None:
    debug_port = free_port()
    host = DevhostProcess(
        ROOT,
        azurite.connection_string,
        tmp_path / "devhost.log",
        extra_env={"ORDER_SWEEP_SCHEDULE": NEVER},
        extra_args=["--debugpy", str(debug_port), "--debugpy-wait"],
    )
    host.log_path.touch()  # read below before the thread's start() has opened it
    started = pool.submit(host.start, 120)  # returns once it serves: only after the attach
    try:
        wait_for(lambda: "debugger_listening" in host.log_text(), 60)
        with pytest.raises(OSError):  # --debugpy-wait: nothing is served before the attach
            request("GET", f"{host.base_url}/admin/host/status", timeout=2)

        client = DapClient.connect(debug_port)
        try:
            configure(client, "attach", {"justMyCode": True}, breakpoint_line())
            started.result(timeout=120)
            stop_at_the_breakpoint(client, host.base_url, breakpoint_line(), pool)
            client.request("disconnect", {"terminateDebuggee": False})
        finally:
            client.close()
        assert host.stop() == 0  # and it still stops gracefully
    finally:
        host.stop()


def _launch_arguments(connection_string: str, port: int) -> dict[str, Any]:
    """The "devhost (no Core Tools)" configuration as VS Code resolves and sends it, with the
    test's port, storage and settings file. Its console is the adapter's own (internalConsole):
    a DAP client without a terminal cannot host VS Code's integrated one."""
    configurations = jsonc.load(ROOT / ".vscode" / "launch.json")["configurations"]
    [config] = [c for c in configurations if c["name"] == "devhost (no Core Tools)"]
    resolved: dict[str, Any] = json.loads(
        json.dumps(config).replace("${workspaceFolder}", str(ROOT))
    )
    args: list[str] = resolved["args"]
    args[args.index("--port") + 1] = str(port)
    args += ["--settings-file", str(ROOT / "local.settings.json.example")]
    return resolved | {
        "args": args,
        "console": "internalConsole",
        "python": [sys.executable],
        "env": {"AzureWebJobsStorage": connection_string, "ORDER_SWEEP_SCHEDULE": NEVER},
    }


def test_the_devhost_launch_configuration_stops_at_a_breakpoint(
    azurite: Azurite, tmp_path: Path, pool: ThreadPoolExecutor
) -> None:
    adapter_port, http_port = free_port(), free_port()
    with (tmp_path / "adapter.log").open("wb") as log:
        adapter = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "debugpy.adapter",
                "--host",
                "127.0.0.1",
                "--port",
                str(adapter_port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    client = DapClient.connect(adapter_port)
    devhost_pid = None
    try:
        arguments = _launch_arguments(azurite.connection_string, http_port)
        configure(client, "launch", arguments, breakpoint_line())
        devhost_pid = client.event("process", timeout=60)["body"]["systemProcessId"]
        base_url = f"http://127.0.0.1:{http_port}"
        wait_for(lambda: _serving(base_url), 120)
        stop_at_the_breakpoint(client, base_url, breakpoint_line(), pool)

        os.kill(devhost_pid, signal.SIGINT)  # Ctrl-C in VS Code's terminal
        assert client.event("exited", timeout=60)["body"]["exitCode"] == 0
    finally:
        if devhost_pid is not None:  # after a failure: leave no devhost behind
            with contextlib.suppress(ProcessLookupError):
                os.kill(devhost_pid, signal.SIGKILL)
        client.close()
        adapter.terminate()
        adapter.wait(30)


def _serving(base_url: str) -> bool:
    try:
        return request("GET", f"{base_url}/admin/host/status", timeout=2).status == 200
    except OSError:
        return False
