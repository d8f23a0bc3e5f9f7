"""devhost runs the app's warmup function as a scaled-out instance's host does: once, when it
starts, before it admits any HTTP request; and a warmup that fails does not keep the host from
starting (devhost/warmup.py). Both invokers (`make test` runs this under the worker's too)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.e2e.harness import ROOT, SAMPLE_APP, DevhostProcess

if TYPE_CHECKING:
    from devhost.azurite import Azurite

LISTENING = "devhost listening on"


def _position(lines: list[str], needle: str) -> int:
    return next(index for index, line in enumerate(lines) if needle in line)


def test_the_warmup_runs_once_before_http_is_admitted(
    azurite: Azurite, tmp_path_factory: pytest.TempPathFactory
) -> None:
    host = DevhostProcess(
        ROOT, azurite.connection_string, tmp_path_factory.mktemp("warmup") / "devhost.log"
    )
    host.start()
    try:
        assert host.call("GET", "/api/openapi.json").status == 200  # an HTTP request, logged
        lines = host.log_text().splitlines()
    finally:
        host.stop()
    warmups = [line for line in lines if "invocation function=warmup " in line]
    assert len(warmups) == 1, warmups
    assert "trigger=warmupTrigger" in warmups[0] and "outcome=succeeded" in warmups[0]
    started = lines.index(warmups[0])
    first_http = _position(lines, "trigger=httpTrigger")
    assert started < _position(lines, LISTENING) < first_http
    # It did its work: every step of the app's warmup ran, none failed.
    assert any("warmup steps=" in line and "failed=0" in line for line in lines[:started])


def test_a_failing_warmup_is_logged_and_the_host_starts(
    azurite: Azurite, tmp_path_factory: pytest.TempPathFactory
) -> None:
    host = DevhostProcess(
        SAMPLE_APP,
        azurite.connection_string,
        tmp_path_factory.mktemp("failing-warmup") / "devhost.log",
        extra_env={"E2E_WARMUP_FAILS": "1"},
        extra_args=["--functions", "warmup", "echo"],
    )
    host.start()
    try:
        assert host.call("GET", "/api/echo/1/x").status == 200
    finally:
        host.stop()
    (warmup,) = host.invocations("warmup")
    assert warmup["outcome"] == "failed"
    log = host.log_text()
    assert "RuntimeError: warmup asked to fail" in log
    assert "host_warmup_failed function=warmup" in log
    assert log.index("host_warmup_failed") < log.index(LISTENING)
