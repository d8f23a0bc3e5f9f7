"""scripts/smoke.py, the check a user runs after `azd up`, is itself tested: it passes against
the real app (devhost over Azurite, where keys are not enforced) and fails on a broken one."""

from __future__ import annotations

import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

import pytest

from devhost.azurite import free_port
from tests.e2e.harness import ROOT, DevhostProcess

if TYPE_CHECKING:
    from collections.abc import Iterator

    from devhost.azurite import Azurite

pytestmark = pytest.mark.e2e
SMOKE = ROOT / "scripts" / "smoke.py"
STEPS = (
    "ok   health",
    "ok   orders",
    "ok   change feed",
    "ok   upload",
    "ok   thumbnail",
    "ok   cleanup",
    "smoke test passed",
)


def smoke(base_url: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            str(SMOKE),
            "--base-url",
            base_url,
            "--key",
            "not-checked-locally",
            "--timeout",
            str(timeout),
        ],
        capture_output=True,
        text=True,
        timeout=timeout * 6,
        check=False,
    )


@pytest.fixture(scope="module")
def app(azurite: Azurite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevhostProcess]:
    host = DevhostProcess(
        ROOT, azurite.connection_string, tmp_path_factory.mktemp("smoke") / "devhost.log"
    )
    host.start()
    yield host
    host.stop()


def test_smoke_script_passes_against_the_running_app(app: DevhostProcess) -> None:
    result = smoke(app.base_url)
    assert result.returncode == 0, result.stdout + result.stderr + app.log_text()[-3000:]
    lines = result.stdout.splitlines()
    assert [next(line for line in lines if line.startswith(step)) for step in STEPS]
    assert app.invocations("make_thumbnail") and app.invocations("process_order_event")
    assert any(i.get("function") == "delete_order" for i in app.invocations())


class _BrokenApp(BaseHTTPRequestHandler):
    """Healthy, but every order write fails as an app without its table role would."""

    def do_GET(self) -> None:
        self._answer(200 if self.path == "/api/health" else 404, b'{"status": "ok"}')

    def do_POST(self) -> None:
        self._answer(503, b'{"title": "Service Unavailable"}')

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_smoke_script_fails_on_the_first_broken_step() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _BrokenApp)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = smoke(f"http://127.0.0.1:{server.server_port}", timeout=5)
    finally:
        server.shutdown()
    assert result.returncode == 1
    assert "ok   health" in result.stdout
    assert "FAIL POST /api/orders: HTTP 503, not 201" in result.stdout


def test_smoke_script_fails_when_nothing_answers() -> None:
    result = smoke(f"http://127.0.0.1:{free_port()}", timeout=2)  # nothing listens there
    assert result.returncode == 1
    assert "FAIL GET /api/health answers 200: not within 2 s" in result.stdout
