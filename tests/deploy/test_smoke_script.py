"""scripts/smoke.py, the check a user runs after `azd up`, is itself tested: it passes against
the real app (devhost over Azurite) behind a stand-in for Easy Auth, and fails on a broken
app, on a platform that lets anonymous calls through or refuses preflights, and on a token
that Azure would not have issued for this app."""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import sys
import threading
import tomllib
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, ClassVar

import pytest

from devhost.azurite import free_port
from tests.e2e.harness import ROOT, DevhostProcess, request, wait_for

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from devhost.azurite import Azurite

pytestmark = pytest.mark.e2e
SMOKE = ROOT / "scripts" / "smoke.py"
STEPS = (
    "ok   token",
    "ok   health",
    "ok   auth",
    "skip cors",
    "ok   orders",
    "ok   change feed",
    "ok   upload",
    "ok   thumbnail",
    "ok   cleanup",
    "smoke test passed",
)
CLIENT_ID = "00000000-0000-0000-0000-0000000000c1"
TENANT_ID = "00000000-0000-0000-0000-0000000000f1"
ORIGIN = "https://shop.example"
# Values smoke.py would otherwise read from the azd environment.
AZD_VALUES = (
    "SERVICE_API_URI",
    "AZURE_AUTH_CLIENT_ID",
    "AZURE_TENANT_ID",
    "CORS_ALLOWED_ORIGINS",
    "AZURE_AUTH_ALLOWED_CLIENTS",
    "SMOKE_CLIENT_ID",
    "SMOKE_CLIENT_SECRET",
    "AZURE_AUTHORITY_HOST",
)
AZURE_CLI = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
DAEMON = "00000000-0000-0000-0000-0000000000d1"
with (ROOT / "pyproject.toml").open("rb") as _file:
    EXCLUDED = frozenset(tomllib.load(_file)["tool"]["devhost"]["easy-auth-excluded-paths"])


def jwt(**claims: Any) -> str:
    """A token shaped as Entra ID issues them (unsigned: only the stand-in reads it)."""

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    payload = {"ver": "2.0", "aud": CLIENT_ID, "azp": CLIENT_ID} | claims
    payload.setdefault("roles", ["Orders.ReadWrite.All"])
    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(payload)}.c2lnbmF0dXJl"


TOKEN = jwt()  # the registration's own (a daemon's client-credentials token): always allowed
CLI_TOKEN = jwt(azp=AZURE_CLI)
DAEMON_TOKEN = jwt(azp=DAEMON)


def smoke(
    base_url: str, *options: str, timeout: float = 60, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    given = list(options) or ["--token", TOKEN]
    return subprocess.run(
        [sys.executable, str(SMOKE), "--base-url", base_url, *given, "--timeout", str(timeout)],
        capture_output=True,
        text=True,
        timeout=timeout * 6,
        check=False,
        env={k: v for k, v in os.environ.items() if k not in AZD_VALUES} | (env or {}),
    )


# --- stand-ins -------------------------------------------------------------------------------


class EasyAuth(BaseHTTPRequestHandler):
    """Easy Auth as the smoke test meets it (requireAuthentication, Return401): the excluded
    paths are open, any other request needs TOKEN or gets 401 with a Bearer challenge; then
    client-sent principal headers are dropped and `upstream` answers. Preflights reach the app
    unless `refuse_preflights` (azure-functions-host#7316)."""

    enabled: ClassVar[bool] = True
    refuse_preflights: ClassVar[bool] = False
    seen: ClassVar[list[tuple[str, str, str]]] = []

    def handle_any(self) -> None:
        path = self.path.split("?")[0]
        bearer = self.headers.get("Authorization") or ""
        self.seen.append((self.command, path, bearer))
        preflight = self.command == "OPTIONS" and not self.refuse_preflights
        accepted = bearer.removeprefix("Bearer ") in (TOKEN, CLI_TOKEN, DAEMON_TOKEN)
        if self.enabled and path not in EXCLUDED and not accepted and not preflight:
            self.answer(401, {"WWW-Authenticate": 'Bearer realm="stand-in"'}, b"")
            return
        length = int(self.headers.get("Content-Length") or 0)
        headers = {
            name: value
            for name, value in self.headers.items()
            if name.lower() not in ("host", "connection", "content-length")
            and not name.lower().startswith("x-ms-client-principal")
        }
        self.answer(*self.upstream(headers, self.rfile.read(length) or None))

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_OPTIONS = handle_any

    def upstream(self, headers: dict[str, str], body: bytes | None) -> tuple[int, Any, bytes]:
        raise NotImplementedError

    def answer(self, status: int, headers: Any, body: bytes) -> None:
        self.send_response(status)
        for name, value in dict(headers).items():
            if name.lower() not in ("transfer-encoding", "connection", "content-length", "date"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class BrokenApp(EasyAuth):
    """Healthy, but every order write fails as an app without its table role would."""

    def upstream(self, headers: dict[str, str], body: bytes | None) -> tuple[int, Any, bytes]:
        json_type = {"Content-Type": "application/json"}
        if self.command == "OPTIONS":
            allowed = {
                "Access-Control-Allow-Origin": headers.get("Origin", ""),
                "Access-Control-Allow-Headers": "Authorization, Content-Type",
            }
            return 204, allowed, b""
        if self.command == "POST":
            return 503, json_type, b'{"title": "Service Unavailable"}'
        ok = self.path.split("?")[0] in EXCLUDED
        return (200 if ok else 404), json_type, b'{"status": "ok"}'


@contextmanager
def serving(handler: type[EasyAuth], **settings: Any) -> Iterator[tuple[str, type[EasyAuth]]]:
    """`handler`, with class attributes `settings`, on a free port: its base URL, and the
    class whose `seen` lists the requests."""
    configured = type(handler.__name__, (handler,), {"seen": [], **settings})
    server = ThreadingHTTPServer(("127.0.0.1", 0), configured)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", configured
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def app(azurite: Azurite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevhostProcess]:
    host = DevhostProcess(
        ROOT,
        azurite.connection_string,
        tmp_path_factory.mktemp("smoke") / "devhost.log",
        # Behind the stand-in no principal arrives: the app acts as the local developer.
        extra_env={"AUTH_REQUIRED": "false"},
    )
    host.start()
    yield host
    host.stop()


# --- against the running app -----------------------------------------------------------------


def test_smoke_script_passes_against_the_running_app(app: DevhostProcess) -> None:
    class Devhost(EasyAuth):
        def upstream(self, headers: dict[str, str], body: bytes | None) -> tuple[int, Any, bytes]:
            got = request(self.command, app.base_url + self.path, body=body, headers=headers)
            return got.status, got.headers, got.body

    with serving(Devhost) as (base_url, front):
        result = smoke(base_url)
    assert result.returncode == 0, result.stdout + result.stderr + app.log_text()[-3000:]
    lines = result.stdout.splitlines()
    assert [next(line for line in lines if line.startswith(step)) for step in STEPS]
    assert app.invocations("make_thumbnail")
    # The smoke script does not wait for the change feed: its consumer runs when the queue's
    # poll next finds the events, which on a busy machine can be after the script has ended.
    assert wait_for(lambda: app.invocations("process_order_event"), 30)
    assert any(i.get("function") == "delete_order" for i in app.invocations())
    api_calls = [call for call in front.seen if call[1] not in EXCLUDED]
    authorised = [call for call in api_calls if call[2] == f"Bearer {TOKEN}"]
    assert {method for method, _, _ in authorised} >= {"POST", "GET", "PATCH", "DELETE"}
    assert TOKEN not in result.stdout + result.stderr


# --- against stand-ins -----------------------------------------------------------------------


def test_smoke_script_fails_on_the_first_broken_step() -> None:
    with serving(BrokenApp) as (base_url, _):
        result = smoke(base_url, timeout=5)
    assert result.returncode == 1
    assert "ok   health" in result.stdout
    assert "FAIL POST /api/orders: HTTP 503, not 201" in result.stdout


def test_smoke_script_fails_when_nothing_answers() -> None:
    result = smoke(f"http://127.0.0.1:{free_port()}", timeout=2)  # nothing listens there
    assert result.returncode == 1
    assert "FAIL GET /api/health answers 200: not within 2 s" in result.stdout


def test_fails_when_the_platform_lets_anonymous_calls_through() -> None:
    with serving(BrokenApp, enabled=False) as (base_url, _):
        result = smoke(base_url, timeout=5)
    assert result.returncode == 1
    assert "FAIL GET /api/orders without a token: HTTP 404" in result.stdout
    assert "not 401 with a Bearer challenge" in result.stdout


def test_a_refused_preflight_fails_and_says_what_it_saw() -> None:
    with serving(BrokenApp, refuse_preflights=True) as (base_url, _):
        result = smoke(base_url, "--token", TOKEN, "--origin", ORIGIN, timeout=5)
    assert result.returncode == 1
    assert f"FAIL CORS preflight from {ORIGIN}: HTTP 401" in result.stdout
    assert "azure-functions-host#7316" in result.stdout


def test_a_preflight_the_app_answers_passes_with_the_configured_origin() -> None:
    with serving(BrokenApp) as (base_url, _):
        result = smoke(base_url, timeout=5, env={"CORS_ALLOWED_ORIGINS": f"{ORIGIN}, https://b"})
    assert f"ok   cors: preflight from {ORIGIN}: HTTP 204" in result.stdout
    assert "FAIL POST /api/orders: HTTP 503" in result.stdout  # it went on to the next step


def test_the_token_comes_from_az_where_the_cli_is_allowed_and_stays_out_of_the_output(
    tmp_path: Path,
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "az"
    fake.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{ROOT}/tests/deploy/fake_az.py" "$@"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    (tmp_path / "state.json").write_text(json.dumps({"token": TOKEN}))
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "FAKE_AZ_STATE": str(tmp_path / "state.json"),
        "FAKE_AZ_LOG": str(tmp_path / "calls.jsonl"),
        "AZURE_AUTH_CLIENT_ID": CLIENT_ID,
        "AZURE_TENANT_ID": TENANT_ID,
        "AZURE_AUTH_ALLOWED_CLIENTS": f"{CLIENT_ID},{AZURE_CLI}",  # the CLI opted in
    }
    (tmp_path / "state.json").write_text(json.dumps({"token": CLI_TOKEN}))
    with serving(BrokenApp) as (base_url, front):
        result = smoke(base_url, "--key", "unused-key", timeout=5, env=env)
    (call,) = [json.loads(line)["argv"] for line in (tmp_path / "calls.jsonl").open()]
    assert call == [
        "account",
        "get-access-token",
        "--resource",
        f"api://{CLIENT_ID}",
        "--tenant",
        TENANT_ID,
        "--query",
        "accessToken",
        "--output",
        "tsv",
    ]
    assert f"client {AZURE_CLI}" in result.stdout
    assert "FAIL POST /api/orders: HTTP 503" in result.stdout
    assert ("POST", "/api/orders", f"Bearer {CLI_TOKEN}") in front.seen
    assert CLI_TOKEN not in result.stdout + result.stderr


def test_without_the_cli_opt_in_or_client_credentials_it_says_how_to_get_a_token() -> None:
    env = {
        "AZURE_AUTH_CLIENT_ID": CLIENT_ID,
        "AZURE_TENANT_ID": TENANT_ID,
        "AZURE_AUTH_ALLOWED_CLIENTS": CLIENT_ID,
    }
    result = smoke(f"http://127.0.0.1:{free_port()}", "--timeout", "2", timeout=2, env=env)
    assert result.returncode == 1
    assert "SMOKE_CLIENT_ID and SMOKE_CLIENT_SECRET" in result.stdout
    assert "AZURE_AUTH_ALLOW_AZURE_CLI" in result.stdout


class TokenEndpoint(BaseHTTPRequestHandler):
    """Entra ID's v2 token endpoint for the client credentials grant, as a stand-in."""

    forms: ClassVar[list[dict[str, list[str]]]] = []

    def do_POST(self) -> None:
        from urllib.parse import parse_qs

        length = int(self.headers.get("Content-Length") or 0)
        self.forms.append({"path": [self.path]} | parse_qs(self.rfile.read(length).decode()))
        body = json.dumps({"token_type": "Bearer", "access_token": DAEMON_TOKEN}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_client_credentials_token_of_an_allowed_client(tmp_path: Path) -> None:
    endpoint = ThreadingHTTPServer(("127.0.0.1", 0), TokenEndpoint)
    threading.Thread(target=endpoint.serve_forever, daemon=True).start()
    env = {
        "AZURE_AUTH_CLIENT_ID": CLIENT_ID,
        "AZURE_TENANT_ID": TENANT_ID,
        "AZURE_AUTH_ALLOWED_CLIENTS": f"{CLIENT_ID},spa-1,{DAEMON}",
        "SMOKE_CLIENT_ID": DAEMON,
        "SMOKE_CLIENT_SECRET": "not-a-real-secret",
        "AZURE_AUTHORITY_HOST": f"http://127.0.0.1:{endpoint.server_port}",
    }
    try:
        with serving(BrokenApp) as (base_url, front):
            result = smoke(base_url, "--timeout", "5", timeout=5, env=env)
    finally:
        endpoint.shutdown()
        endpoint.server_close()
    (form,) = TokenEndpoint.forms
    assert form == {
        "path": [f"/{TENANT_ID}/oauth2/v2.0/token"],
        "grant_type": ["client_credentials"],
        "client_id": [DAEMON],
        "client_secret": ["not-a-real-secret"],
        "scope": [f"api://{CLIENT_ID}/.default"],
    }
    assert f"ok   token: v2.0 for {CLIENT_ID}, client {DAEMON}" in result.stdout
    assert ("POST", "/api/orders", f"Bearer {DAEMON_TOKEN}") in front.seen
    assert "not-a-real-secret" not in result.stdout + result.stderr


def test_a_token_of_a_client_the_deployment_does_not_allow_stops_it_first() -> None:
    env = {"AZURE_AUTH_CLIENT_ID": CLIENT_ID, "AZURE_AUTH_ALLOWED_CLIENTS": CLIENT_ID}
    result = smoke(f"http://127.0.0.1:{free_port()}", "--token", CLI_TOKEN, timeout=2, env=env)
    assert result.returncode == 1
    assert f"client application {AZURE_CLI}, which the deployment does not allow" in result.stdout


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"roles": ["Orders.Read.All"]}, "without Orders.ReadWrite.All"),
        ({"ver": "1.0"}, "the token is a v1.0 token"),
    ],
)
def test_a_token_azure_would_not_accept_for_the_order_steps_stops_it_first(
    claims: dict[str, Any], message: str
) -> None:
    with serving(BrokenApp) as (base_url, _):
        result = smoke(base_url, "--token", jwt(**claims), timeout=5)
    assert result.returncode == 1
    assert message in result.stdout
    assert "ok   health" not in result.stdout


def test_an_opaque_token_is_refused() -> None:
    result = smoke(f"http://127.0.0.1:{free_port()}", "--token", "opaque", timeout=2)
    assert result.returncode == 1
    assert "FAIL the token is not a JWT" in result.stdout
