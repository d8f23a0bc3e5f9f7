"""Settings that cannot open the door: AUTH_REQUIRED=false is refused wherever the platform's
own variables say the app runs on Azure, naming the setting and the variable; authentication
needs its issuer, audiences and allowed clients, and the 503 never suggests turning it off."""

from __future__ import annotations

from pathlib import Path

import pytest

from devhost.startup_check import StartupCheckFailed, run_startup_check
from shared import bootstrap
from shared.config import SettingsError, load_settings
from shared.settings_rules import AZURE_MARKERS, azure_marker

ROOT = Path(__file__).resolve().parents[2]
STORAGE = {"AzureWebJobsStorage": "UseDevelopmentStorage=true"}
AUTHENTICATED = STORAGE | {
    "AUTH_ISSUER": "https://login.microsoftonline.com/00000000-0000-0000-0000-00000000000a/v2.0",
    "AUTH_AUDIENCES": "c1d2e3f4-0000-0000-0000-000000000001,api://c1d2e3f4-0000-0000-0000-000000000001",
    "AUTH_ALLOWED_CLIENT_APPLICATIONS": "a1b2c3d4-0000-0000-0000-000000000002",
}
# What Flex Consumption sets once an instance is specialized (the Functions host's own tests
# of IsFlexConsumptionSku), and what App Service sets.
FLEX = {"WEBSITE_SKU": "FlexConsumption", "LEGION_SERVICE_HOST": "10.0.0.4", "CONTAINER_NAME": "c"}
APP_SERVICE = {"WEBSITE_INSTANCE_ID": "a1b2", "WEBSITE_SITE_NAME": "func-orders"}


@pytest.mark.parametrize("platform", [FLEX, APP_SERVICE, {"WEBSITE_SITE_NAME": "func-orders"}])
def test_authentication_off_on_azure_is_refused_naming_the_setting_and_the_platform(
    platform: dict[str, str],
) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(AUTHENTICATED | platform | {"AUTH_REQUIRED": "false"})
    [problem] = raised.value.problems
    assert problem.name == "AUTH_REQUIRED"
    assert f"{azure_marker(platform)} is set" in problem.rule


@pytest.mark.parametrize("off", ["false", "0", "no", "False"])
def test_authentication_off_is_fine_on_a_developers_machine_and_only_there(off: str) -> None:
    """Core Tools sets WEBSITE_HOSTNAME and container tooling sets CONTAINER_NAME: neither
    says Azure."""
    local = {"WEBSITE_HOSTNAME": "localhost:7071", "CONTAINER_NAME": "devcontainer"}
    assert not load_settings(STORAGE | local | {"AUTH_REQUIRED": off}).auth.required
    assert azure_marker(local) is None
    for marker in AZURE_MARKERS:
        with pytest.raises(SettingsError, match="AUTH_REQUIRED must not be false on Azure"):
            load_settings(STORAGE | {"AUTH_REQUIRED": off, marker: "x"})


def test_authentication_needs_issuer_audiences_and_clients_and_never_suggests_turning_it_off() -> (
    None
):
    with pytest.raises(SettingsError) as raised:
        load_settings(STORAGE | APP_SERVICE)
    names = [problem.name for problem in raised.value.problems]
    assert names == ["AUTH_ISSUER", "AUTH_AUDIENCES", "AUTH_ALLOWED_CLIENT_APPLICATIONS"]
    assert "AUTH_REQUIRED=false" not in raised.value.detail
    assert "false" not in raised.value.detail.lower()


def test_the_authentication_settings_are_read_typed() -> None:
    auth = load_settings(AUTHENTICATED | APP_SERVICE).auth
    assert auth.required and auth.issuer == AUTHENTICATED["AUTH_ISSUER"]
    assert auth.openid_configuration_url == (
        AUTHENTICATED["AUTH_ISSUER"] + "/.well-known/openid-configuration"
    )
    assert auth.audiences == tuple(AUTHENTICATED["AUTH_AUDIENCES"].split(","))
    assert auth.allowed_clients == {"a1b2c3d4-0000-0000-0000-000000000002"}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("AUTH_ISSUER", "http://login.microsoftonline.com/t/v2.0"),
        ("AUTH_OPENID_CONFIGURATION_URL", "http://login.example/openid-configuration"),
        ("AUTH_OPENID_CONFIGURATION_URL", "ftp://127.0.0.1/x"),
        ("AUTH_AUDIENCES", " , "),
        ("AUTH_ALLOWED_CLIENT_APPLICATIONS", "has space"),
    ],
)
def test_a_bad_authentication_setting_is_named(name: str, value: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(AUTHENTICATED | {name: value})
    assert [p.name for p in raised.value.problems] == [name]


def test_keys_may_come_over_plain_http_only_from_this_machine() -> None:
    local = AUTHENTICATED | {"AUTH_OPENID_CONFIGURATION_URL": "http://127.0.0.1:8123/t/conf"}
    assert load_settings(local).auth.openid_configuration_url.startswith("http://127.0.0.1")


async def test_devhost_refuses_to_start_an_app_with_authentication_off_on_azure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At start-up, not on the first request: the app's own start-up check (pyproject.toml)."""
    for name, value in (STORAGE | FLEX | {"AUTH_REQUIRED": "false"}).items():
        monkeypatch.setenv(name, value)
    await bootstrap.reset()
    with pytest.raises(
        StartupCheckFailed, match=r"AUTH_REQUIRED must not be false on Azure \(WEBSITE_SKU"
    ):
        run_startup_check(ROOT)
    await bootstrap.reset()
