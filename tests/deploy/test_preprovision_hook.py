"""The preprovision hook, run for real with sh (and scripts/app_registration.py) against a
stand-in `az` and `azd` (tests/deploy/fake_az.py): the registration it creates or updates,
that it saves the client id before anything else can fail, that it is safe to repeat, that it
waits out Entra ID's replication of a new application only, and that it fails clearly. The
PowerShell twin cannot run here (no pwsh); it is held to running the same script."""

from __future__ import annotations

import json
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.hooks import StandIns

ROOT = Path(__file__).resolve().parents[2]
HOOK_SH = ROOT / "scripts" / "preprovision.sh"
HOOK_PS1 = ROOT / "scripts" / "preprovision.ps1"
REGISTRATION = json.loads((ROOT / "infra" / "app-registration.json").read_text("utf-8"))
CLIENT_ID = "11111111-1111-1111-1111-111111111111"
OBJECT_ID = "22222222-2222-2222-2222-222222222222"
GRAPH = f"https://graph.microsoft.com/v1.0/applications/{OBJECT_ID}"
ENV = {"AZURE_ENV_NAME": "dev", "APP_REGISTRATION_PAUSE_SECONDS": "0"}


@dataclass
class HookRun:
    code: int
    output: str
    calls: list[dict[str, Any]]
    state: dict[str, Any]

    def commands(self) -> list[str]:
        return [" ".join(call["argv"][:3]) for call in self.calls]

    def patches(self) -> list[dict[str, Any]]:
        return [call for call in self.calls if call["argv"][:3] == ["rest", "--method", "patch"]]


@pytest.fixture
def hook(tmp_path: Path) -> Any:
    """Run the sh hook with a fresh scenario for the stand-in az and azd."""
    stand_ins = StandIns(tmp_path)

    def run(*, env: dict[str, str] | None = None, **scenario: Any) -> HookRun:
        base = {"new_app": [CLIENT_ID, OBJECT_ID]}
        result = stand_ins.run(HOOK_SH, base | scenario, ENV if env is None else env)
        return HookRun(result.code, result.output, result.calls, result.state)

    return run


def existing(**scenario: Any) -> dict[str, Any]:
    """A scenario where the environment's registration and its service principal exist."""
    return {
        "env": {**ENV, "AZURE_AUTH_CLIENT_ID": CLIENT_ID},
        "apps": {CLIENT_ID: OBJECT_ID},
        "service_principals": [CLIENT_ID],
        **scenario,
    }


def test_the_first_run_creates_the_registration_and_saves_its_client_id(hook: Any) -> None:
    run = hook()
    assert run.code == 0, run.output
    (create,) = [call["argv"] for call in run.calls if call["argv"][:3] == ["ad", "app", "create"]]
    assert create[create.index("--display-name") + 1] == "orders-api-dev"
    assert create[create.index("--sign-in-audience") + 1] == "AzureADMyOrg"
    assert run.state["azd_env"] == {"AZURE_AUTH_CLIENT_ID": CLIENT_ID}
    commands = run.commands()
    assert commands.index("env set AZURE_AUTH_CLIENT_ID") < commands.index("rest --method patch")
    assert run.state["service_principals"] == [CLIENT_ID]
    assert f"app registration {CLIENT_ID} (api://{CLIENT_ID}) is up to date" in run.output


def test_it_sets_roles_v2_tokens_the_identifier_and_no_pre_authorization(
    hook: Any, tmp_path: Path
) -> None:
    run = hook()
    assert run.code == 0, run.output
    first, second = run.patches()
    for patch in (first, second):
        argv = patch["argv"]
        assert argv[argv.index("--uri") + 1] == GRAPH
        assert argv[argv.index("--body") + 1].startswith("@")  # a file, not the command line
    assert json.loads(first["body"]) == {
        "identifierUris": [f"api://{CLIENT_ID}"],
        "appRoles": REGISTRATION["appRoles"],
        "api": {
            "requestedAccessTokenVersion": 2,
            "oauth2PermissionScopes": REGISTRATION["api"]["oauth2PermissionScopes"],
        },
    }
    # A pre-authorization names the scope, so the list comes once the scope exists: empty
    # unless opted in, which also removes one an earlier run made.
    assert json.loads(second["body"]) == {"api": REGISTRATION["api"]}
    assert json.loads(second["body"])["api"]["preAuthorizedApplications"] == []
    assert not list(tmp_path.glob("tmp*")), "the body file was left behind"


@pytest.mark.parametrize("value", ["true", "True", "1"])
def test_the_azure_cli_is_pre_authorized_only_when_opted_in(hook: Any, value: str) -> None:
    run = hook(env=ENV | {"AZURE_AUTH_ALLOW_AZURE_CLI": value})
    assert run.code == 0, run.output
    _, second = run.patches()
    (scope,) = REGISTRATION["api"]["oauth2PermissionScopes"]
    assert json.loads(second["body"])["api"]["preAuthorizedApplications"] == [
        {"appId": "04b07795-8ddb-461a-bbee-02f9e1bf7b46", "delegatedPermissionIds": [scope["id"]]}
    ]
    assert "Azure CLI is pre-authorized" in run.output
    off = hook(env=ENV | {"AZURE_AUTH_ALLOW_AZURE_CLI": "false"})
    assert json.loads(off.patches()[1]["body"])["api"]["preAuthorizedApplications"] == []


def test_running_it_again_updates_the_same_registration(hook: Any) -> None:
    first = hook()
    again = hook(**existing())
    assert again.code == 0, again.output
    assert "ad app create" not in again.commands() and "ad sp create" not in again.commands()
    assert "azd_env" not in again.state
    assert [p["body"] for p in again.patches()] == [p["body"] for p in first.patches()]


def test_a_client_id_that_names_no_registration_fails_without_creating_one(hook: Any) -> None:
    run = hook(**existing(apps={}))
    assert run.code == 1
    assert f"AZURE_AUTH_CLIENT_ID={CLIENT_ID} names no app registration" in run.output
    assert "azd env set AZURE_AUTH_CLIENT_ID ''" in run.output
    assert run.commands() == ["ad app show"]


def test_it_fails_clearly_outside_azd(hook: Any) -> None:
    run = hook(env={})
    assert run.code == 1
    assert "AZURE_ENV_NAME is not set" in run.output
    assert run.calls == []


def test_a_refused_creation_fails_and_saves_nothing(hook: Any) -> None:
    run = hook(create_fails=True)
    assert run.code == 1
    assert "Insufficient privileges" in run.output
    assert "azd_env" not in run.state and run.patches() == []


def test_it_waits_for_a_new_registration_to_replicate(hook: Any) -> None:
    run = hook(patch_failures=2)
    assert run.code == 0, run.output
    assert "updating the registration: not yet (2/12)" in run.output
    assert len(run.patches()) == 4


def test_an_existing_registration_is_not_retried(hook: Any) -> None:
    run = hook(**existing(patch_failures=1))
    assert run.code == 1
    assert len(run.patches()) == 1
    assert "not yet" not in run.output


def test_azd_runs_it_before_every_provision_on_both_shells() -> None:
    hooks = yaml.safe_load((ROOT / "azure.yaml").read_text("utf-8"))["hooks"]["preprovision"]
    assert hooks["posix"] == {
        "shell": "sh",
        "run": "./scripts/preprovision.sh",
        "interactive": False,
        "continueOnError": False,
    }
    assert hooks["windows"]["shell"] == "pwsh"
    assert hooks["windows"]["run"] == "./scripts/preprovision.ps1"
    assert hooks["windows"]["continueOnError"] is False
    assert HOOK_SH.stat().st_mode & stat.S_IXUSR, "the sh hook is not executable"


def test_powershell_twin_runs_the_same_script() -> None:
    ps1 = HOOK_PS1.read_text("utf-8")
    assert "(Join-Path $PSScriptRoot 'app_registration.py')" in ps1
    assert "exit $LASTEXITCODE" in ps1
    assert '"$here/app_registration.py"' in HOOK_SH.read_text("utf-8")
