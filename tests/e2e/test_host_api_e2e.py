"""The host's own API over real HTTP: the admin API and the blobs webhook take requests only
from this machine (a loopback Host, no foreign Origin), run functions only from a JSON POST,
and with --easy-auth only with the host's keys, as on Azure (devhost.frontend.hostapi).

What a web page could do before: post `text/plain` or a form to /admin/functions/... from any
origin (no CORS preflight for those), or rebind its own name to 127.0.0.1 and call devhost as
`Host: evil.example`, and so run `process_order_event` with a forged event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from devhost.keys import HostKeys
from tests.e2e.harness import ROOT, wait_for

if TYPE_CHECKING:
    from tests.e2e.harness import DevhostProcess, Response

JSON = {"Content-Type": "application/json"}
SWEEP = "/admin/functions/nightly_sweep"
WEBHOOK = "/runtime/webhooks/blobs?functionName=Host.Functions.make_thumbnail"
HANDSHAKE = b'[{"data": {"validationCode": "c0de"}}]'
VALIDATION = JSON | {"aeg-event-type": "SubscriptionValidation"}
WAIT_S = 60  # a bound for a fired function's log line, not a speed


@pytest.fixture(scope="module")
def keys() -> HostKeys:
    """The repository's host keys, the ones `easy_auth_host` (started from it) checks."""
    return HostKeys.open(ROOT)


def _foreign(host: DevhostProcess) -> dict[str, str]:
    """A DNS-rebinding page's request: it reaches 127.0.0.1, but under its own name."""
    return {"Host": f"evil.example:{host.port}"}


def _error(response: Response) -> str:
    assert response.headers["Content-Type"].startswith("application/json"), response
    return str(response.json()["error"])


def _refused_without_running(
    host: DevhostProcess, attempts: list[tuple[dict[str, str], int, str]]
) -> None:
    """Each attempt to fire the sweep is refused with its status and reason, and none ran."""
    before = len(host.invocations("nightly_sweep"))
    for headers, status, says in attempts:
        response = host.call("POST", SWEEP, body=b"{}", headers=headers)
        assert response.status == status, (headers, response.status, response.body)
        assert says in _error(response), headers
    assert len(host.invocations("nightly_sweep")) == before


def _fires(host: DevhostProcess, headers: dict[str, str]) -> None:
    before = len(host.invocations("nightly_sweep"))
    assert host.call("POST", SWEEP, body=b"{}", headers=headers).status == 202
    wait_for(lambda: len(host.invocations("nightly_sweep")) > before, WAIT_S, interval=0.2)


def test_with_easy_auth_the_admin_api_takes_only_this_machine_json_and_the_master_key(
    easy_auth_host: DevhostProcess, keys: HostKeys
) -> None:
    key = {"x-functions-key": keys.master}
    _refused_without_running(
        easy_auth_host,
        [
            (JSON | key | _foreign(easy_auth_host), 403, "Host"),
            (JSON | key | {"Origin": "http://evil.example"}, 403, "origin"),
            (JSON | key | {"Origin": "http://localhost:3000"}, 403, "origin"),
            ({"Content-Type": "text/plain"} | key, 415, "application/json"),
            ({"Content-Type": "application/x-www-form-urlencoded"} | key, 415, "json"),
            (JSON, 401, "x-functions-key"),
            (JSON | {"x-functions-key": "not-the-key"}, 401, "x-functions-key"),
            (JSON | {"x-functions-key": keys.system["blobs_extension"]}, 403, "blobs_extension"),
        ],
    )
    assert easy_auth_host.call("GET", "/admin/host/status").status == 401
    _fires(easy_auth_host, JSON | key)


def test_with_easy_auth_the_blobs_webhook_needs_its_system_key_and_this_machine(
    easy_auth_host: DevhostProcess, keys: HostKeys
) -> None:
    code = f"&code={keys.system['blobs_extension']}"
    call = easy_auth_host.call
    assert call("POST", WEBHOOK, body=HANDSHAKE, headers=VALIDATION).status == 401
    rebound = call(
        "POST", WEBHOOK + code, body=HANDSHAKE, headers=VALIDATION | _foreign(easy_auth_host)
    )
    assert (rebound.status, _error(rebound)) == (403, "the Host header must name this machine")
    handshake = call("POST", WEBHOOK + code, body=HANDSHAKE, headers=VALIDATION)
    assert (handshake.status, handshake.json()) == (200, {"validationResponse": "c0de"})


def test_the_host_keys_never_reach_the_log(easy_auth_host: DevhostProcess, keys: HostKeys) -> None:
    """The start-up line says where the keys are; the event source's deliveries carry the
    system key (an upload's thumbnail, test_easy_auth_e2e.py, shows they arrive)."""
    log = easy_auth_host.log_text()
    assert "host_keys on:" in log and str(keys.path) in log
    assert keys.master not in log and keys.system["blobs_extension"] not in log


def test_without_easy_auth_the_admin_api_is_keyless_but_still_this_machines_and_json_only(
    app_host: DevhostProcess,
) -> None:
    _refused_without_running(
        app_host,
        [
            (JSON | _foreign(app_host), 403, "Host"),
            (JSON | {"Origin": "http://evil.example"}, 403, "origin"),
            ({"Content-Type": "text/plain"}, 415, "application/json"),
        ],
    )
    own_page = {"Origin": f"http://127.0.0.1:{app_host.port}"}  # devhost's own origin
    _fires(app_host, JSON | own_page)


def test_without_easy_auth_a_rebound_name_cannot_post_to_the_webhook(
    app_host: DevhostProcess,
) -> None:
    rebound = app_host.call(
        "POST", WEBHOOK, body=HANDSHAKE, headers=VALIDATION | _foreign(app_host)
    )
    assert (rebound.status, _error(rebound)) == (403, "the Host header must name this machine")
    plain = app_host.call(
        "POST", WEBHOOK, body=HANDSHAKE, headers={"aeg-event-type": "SubscriptionValidation"}
    )
    assert plain.status == 415  # urllib's default form type: what a page's form would send
    assert app_host.call("POST", WEBHOOK, body=HANDSHAKE, headers=VALIDATION).status == 200
