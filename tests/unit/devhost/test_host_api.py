"""The lock on the host's own API (devhost.frontend.hostapi) and the keys it checks under
--easy-auth (devhost.keys): who may run a function through `/admin/functions/...` or post
events to `/runtime/webhooks/...`."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

import pytest
from aiohttp.test_utils import make_mocked_request

from devhost.frontend.hostapi import HostApiGuard, is_json, is_loopback_host, is_own_origin
from devhost.keys import KEYS_FILE, HostKeys, KeysUnreadable
from devhost.keys.__main__ import main as keys_command

if TYPE_CHECKING:
    from pathlib import Path

    from aiohttp import web

LOCAL = {"Host": "localhost:7071", "Content-Type": "application/json"}


@pytest.fixture
def keys(tmp_path: Path) -> HostKeys:
    return HostKeys.open(tmp_path)


@pytest.mark.parametrize(
    "host",
    ["localhost", "localhost:7071", "LOCALHOST:1", "127.0.0.1", "127.0.0.1:7071", "127.9.8.7",
     "[::1]", "[::1]:7071"],
)  # fmt: skip
def test_a_loopback_host_names_this_machine(host: str) -> None:
    assert is_loopback_host(host)


@pytest.mark.parametrize(
    "host",
    [None, "", "evil.example", "evil.example:7071", "localhost.evil.example", "localhost.",
     "10.0.0.5:7071", "0.0.0.0:7071", "::1", "[127.0.0.1]", "localhost:abc", "[::2]:7071",
     "127.0.0.1.nip.io"],
)  # fmt: skip
def test_any_other_host_is_not_this_machine(host: str | None) -> None:
    """A DNS-rebinding page sends its own name (evil.example) though it reaches 127.0.0.1."""
    assert not is_loopback_host(host)


@pytest.mark.parametrize(
    ("origin", "host", "own"),
    [
        ("http://localhost:7071", "localhost:7071", True),
        ("http://LOCALHOST:7071", "localhost:7071", True),
        ("http://127.0.0.1:7071", "127.0.0.1:7071", True),
        ("http://localhost:3000", "localhost:7071", False),  # another local dev server's page
        ("http://127.0.0.1:7071", "localhost:7071", False),  # another origin, same machine
        ("https://localhost:7071", "localhost:7071", False),
        ("http://evil.example:7071", "evil.example:7071", False),  # rebound: same origin
        ("null", "localhost:7071", False),  # sandboxed frames, file: pages
    ],
)
def test_only_devhosts_own_origin_is_its_own(origin: str, host: str, own: bool) -> None:
    assert is_own_origin(origin, host) is own


@pytest.mark.parametrize(
    ("content_type", "json_"),
    [
        ("application/json", True),
        ("application/json; charset=utf-8", True),
        ("application/cloudevents+json; charset=utf-8", True),
        ("text/plain", False),  # what a cross-origin fetch may send without a preflight
        ("application/x-www-form-urlencoded", False),  # an HTML form
        ("multipart/form-data; boundary=x", False),
        (None, False),
        ("text/json+x", False),
    ],
)
def test_only_json_bodies_count(content_type: str | None, json_: bool) -> None:
    assert is_json(content_type) is json_


def _request(
    method: str = "POST", path: str = "/admin/functions/tick", **headers: str
) -> web.Request:
    sent = LOCAL | {name.replace("_", "-"): value for name, value in headers.items()}
    return make_mocked_request(method, path, {k: v for k, v in sent.items() if v})


def _refusal(answer: web.Response | None) -> tuple[int, str] | None:
    if answer is None:
        return None
    assert answer.content_type == "application/json"
    assert isinstance(answer.body, bytes)
    return answer.status, json.loads(answer.body)["error"]


@pytest.mark.parametrize(
    ("request_", "status", "says"),
    [
        (_request(Host="evil.example:7071"), 403, "Host"),
        (_request(Host=""), 403, "Host"),
        (_request(Origin="http://evil.example"), 403, "origin"),
        (_request(Origin="null"), 403, "origin"),
        (_request(Content_Type="text/plain"), 415, "application/json"),
        (_request(Content_Type="application/x-www-form-urlencoded"), 415, "application/json"),
        (_request(Content_Type=""), 415, "application/json"),
    ],
)
def test_without_easy_auth_the_admin_api_is_this_machines_and_json_only(
    request_: web.Request, status: int, says: str
) -> None:
    refused = _refusal(HostApiGuard(None).admin(request_, ""))
    assert refused is not None and refused[0] == status
    assert says in refused[1]


def test_without_easy_auth_no_key_is_asked_for() -> None:
    guard = HostApiGuard(None)
    assert guard.admin(_request(), "") is None
    assert guard.admin(_request(Origin="http://localhost:7071"), "") is None
    assert guard.admin(_request("GET", "/admin/host/status", Content_Type=""), "") is None
    assert guard.webhook(_request(path="/runtime/webhooks/blobs"), "", "blobs") is None


def test_with_easy_auth_the_admin_api_needs_the_master_key(keys: HostKeys) -> None:
    guard = HostApiGuard(keys)
    missing = _refusal(guard.admin(_request(), ""))
    assert missing is not None and missing[0] == 401 and "x-functions-key" in missing[1]
    assert _refusal(guard.admin(_request(x_functions_key="wrong"), "")) == missing
    assert guard.admin(_request(x_functions_key=keys.master), "") is None
    assert guard.admin(_request(), f"code={keys.master}") is None  # as the host reads `code`
    system = _refusal(guard.admin(_request(x_functions_key=keys.system["blobs_extension"]), ""))
    assert system == (403, "the blobs_extension key does not open this API")


def test_a_key_does_not_open_a_foreign_host_or_origin(keys: HostKeys) -> None:
    guard = HostApiGuard(keys)
    rebound = _request(Host="evil.example:7071", x_functions_key=keys.master)
    assert _refusal(guard.admin(rebound, "")) == (403, "the Host header must name this machine")
    foreign = _request(Origin="http://evil.example", x_functions_key=keys.master)
    assert _refusal(guard.admin(foreign, "")) == (403, "another origin may not call the host's API")
    plain = _request(Content_Type="text/plain", x_functions_key=keys.master)
    assert _refusal(guard.admin(plain, "")) == (415, "POST the body as application/json")


def test_with_easy_auth_the_webhook_needs_its_system_key_or_the_master_key(keys: HostKeys) -> None:
    guard = HostApiGuard(keys)
    hook = "/runtime/webhooks/blobs"
    missing = _refusal(guard.webhook(_request(path=hook), "functionName=f", "blobs"))
    assert missing is not None and missing[0] == 401
    system = keys.system["blobs_extension"]
    assert guard.webhook(_request(path=hook), f"functionName=f&code={system}", "blobs") is None
    assert guard.webhook(_request(path=hook, x_functions_key=keys.master), "", "blobs") is None
    other = _refusal(guard.webhook(_request(path=hook), f"code={system}", "eventgrid"))
    assert other == (403, "the blobs_extension key does not open this API")


def test_keys_are_made_once_per_folder_and_kept_private(tmp_path: Path) -> None:
    assert HostKeys.read(tmp_path) is None  # reading makes nothing
    first = HostKeys.open(tmp_path)
    again = HostKeys.open(tmp_path)
    assert (again.master, again.system) == (first.master, first.system)
    assert first.master != first.system["blobs_extension"]
    assert len(first.master) >= 40
    if os.name == "posix":
        assert (tmp_path / KEYS_FILE).stat().st_mode & 0o077 == 0
    assert first.name_of(first.master) == "master"
    assert first.name_of(first.master + "x") is None
    assert first.master not in repr(first)  # never in a log line by accident


def test_an_unreadable_keys_file_is_refused_with_its_path(tmp_path: Path) -> None:
    (tmp_path / KEYS_FILE).parent.mkdir(parents=True)
    (tmp_path / KEYS_FILE).write_text("{}", encoding="utf-8")
    with pytest.raises(KeysUnreadable, match="delete it"):
        HostKeys.open(tmp_path)


def test_the_keys_command_prints_the_key_devhost_checks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert keys_command(["--script-root", str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == HostKeys.open(tmp_path).master
    assert keys_command(["blobs_extension", "--script-root", str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == HostKeys.open(tmp_path).system["blobs_extension"]
