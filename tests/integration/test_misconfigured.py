"""A misconfigured app, as the worker runs it on Azure (it cannot refuse to start): health and
every HTTP function answer one 503 problem naming the bad settings and their rules, never their
values; every other function fails with that same message; it is logged once per process."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import azure.functions as func
import pytest
from azure.functions.timer import TimerRequest

from shared import bootstrap
from shared.config import SettingsError
from tests.support import call_http, invoke, json_of, registered_functions

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

SECRET = "a-secret-value-too-short"
BAD = {"THUMBNAIL_FIT": "squash", "ORDER_PENDING_TTL_HOURS": "0", "PAGING_TOKEN_SECRET": SECRET}


@pytest.fixture
async def misconfigured(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[None]:
    monkeypatch.setenv("AzureWebJobsStorage", "UseDevelopmentStorage=true")
    for name, value in BAD.items():
        monkeypatch.setenv(name, value)
    await bootstrap.reset()
    yield
    await bootstrap.reset()


def _assert_names_the_settings(body: dict[str, object]) -> None:
    assert body["type"] == "urn:orders-api:problem:misconfigured"
    detail = str(body["detail"])
    for name in BAD:
        assert name in detail
    assert "contain or cover" in detail and "from 1 to 8760" in detail
    assert "squash" not in str(body) and SECRET not in str(body)
    assert {e["field"] for e in body["errors"]} == set(BAD)  # type: ignore[attr-defined]


@pytest.mark.usefixtures("misconfigured")
async def test_health_answers_503_naming_the_bad_settings() -> None:
    response = await call_http("health", "GET")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"]
    _assert_names_the_settings(json_of(response))


@pytest.mark.usefixtures("misconfigured")
async def test_every_http_function_answers_the_same_503_and_it_is_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    http = [
        name
        for name, function in registered_functions().items()
        if function.get_trigger().get_binding_name() == "httpTrigger"
    ]
    with caplog.at_level(logging.INFO):
        for name in http:
            for method in ("GET", "OPTIONS"):
                origin = {"Origin": "https://shop.example"}
                response = await call_http(name, method, headers=origin)
                assert response.status_code == 503, (name, method)
                _assert_names_the_settings(json_of(response))
    logged = [r for r in caplog.records if r.getMessage().startswith("settings_invalid")]
    assert len(logged) == 1
    assert logged[0].levelno == logging.ERROR and logged[0].exc_info is None
    assert "squash" not in logged[0].getMessage() and SECRET not in logged[0].getMessage()


@pytest.mark.usefixtures("misconfigured")
@pytest.mark.parametrize(
    ("name", "argument"),
    [
        ("process_order_event", func.QueueMessage(id="m-1", body=b'{"event_id": "e"}')),
        ("process_order_event", func.QueueMessage(id="m-2", body=b"not an event")),
        ("nightly_sweep", TimerRequest(past_due=False)),
        ("relay_outbox", TimerRequest(past_due=False)),
    ],
)
async def test_other_functions_fail_with_the_same_message(name: str, argument: object) -> None:
    with pytest.raises(SettingsError) as raised:
        await invoke(name, argument)
    assert "THUMBNAIL_FIT must be contain or cover" in str(raised.value)


@pytest.mark.usefixtures("misconfigured")
async def test_blob_trigger_fails_with_the_same_message() -> None:
    upload = func.blob.InputStream(name="uploads/a.png", data=b"x", length=1)
    with pytest.raises(SettingsError, match="ORDER_PENDING_TTL_HOURS"):
        await invoke("make_thumbnail", upload)
