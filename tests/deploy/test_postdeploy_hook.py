"""The postdeploy hook, run for real with sh against a stand-in `az` (tests/deploy/fake_az.py):
what it sends Azure, that it waits for the key and for the webhook validation, that it is
safe to repeat, and that it fails clearly. The PowerShell twin cannot run here (no pwsh on
this machine); it is held to the same values statically."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.hooks import StandIns

ROOT = Path(__file__).resolve().parents[2]
HOOK_SH = ROOT / "scripts" / "postdeploy.sh"
HOOK_PS1 = ROOT / "scripts" / "postdeploy.ps1"
KEY = "c2VjcmV0LWJsb2JzLWV4dGVuc2lvbi1rZXk="
ENV = {
    "AZURE_SUBSCRIPTION_ID": "00000000-0000-0000-0000-000000000005",
    "AZURE_RESOURCE_GROUP": "rg-test",
    "AZURE_FUNCTION_APP_NAME": "func-abc",
    "SERVICE_API_URI": "https://func-abc-h3d.westeurope-01.azurewebsites.net",
    "UPLOADS_STORAGE_ACCOUNT_ID": "/subscriptions/s/resourceGroups/rg-test/providers/"
    "Microsoft.Storage/storageAccounts/stabcup",
    "EVENT_GRID_SYSTEM_TOPIC_NAME": "evgt-abc",
    "UPLOADS_CONTAINER_NAME": "uploads",
    "EVENT_GRID_DEAD_LETTER_CONTAINER_NAME": "eventgrid-deadletter",
    "THUMBNAIL_FUNCTION_NAME": "make_thumbnail",
    "THUMBNAIL_MAX_BYTES": "52428800",
    "UPLOAD_APIS": '["PutBlob","PutBlockList"]',  # as azd keeps main.bicep's string(...) output
    "POSTDEPLOY_PAUSE_SECONDS": "0",
    "POSTDEPLOY_ATTEMPTS": "5",
}
SUBSCRIPTION = (
    "/subscriptions/00000000-0000-0000-0000-000000000005/resourceGroups/rg-test/providers/"
    "Microsoft.EventGrid/systemTopics/evgt-abc/eventSubscriptions/uploads-to-make-thumbnail"
    "?api-version=2022-06-15"
)


@dataclass
class HookRun:
    code: int
    output: str
    calls: list[dict[str, Any]]

    def puts(self) -> list[dict[str, Any]]:
        return [call for call in self.calls if call["argv"][:3] == ["rest", "--method", "put"]]


@pytest.fixture
def hook(tmp_path: Path) -> Any:
    """Run the sh hook with a fresh scenario for the stand-in az."""
    stand_ins = StandIns(tmp_path)

    def run(*, env: dict[str, str] | None = None, **scenario: Any) -> HookRun:
        base = {"key": KEY, "key_after": 1, "states": ["Succeeded"]}
        result = stand_ins.run(HOOK_SH, base | scenario, env or ENV)
        return HookRun(result.code, result.output, result.calls)

    return run


def test_creates_the_blob_created_subscription_to_the_webhook(hook: Any) -> None:
    run = hook()
    assert run.code == 0, run.output
    (put,) = run.puts()
    assert put["argv"][put["argv"].index("--uri") + 1] == SUBSCRIPTION
    properties = json.loads(put["body"])["properties"]
    assert properties["destination"] == {
        "endpointType": "WebHook",
        "properties": {
            "endpointUrl": f"{ENV['SERVICE_API_URI']}/runtime/webhooks/blobs"
            f"?functionName=Host.Functions.make_thumbnail&code={KEY}",
            "maxEventsPerBatch": 1,
            "preferredBatchSizeInKilobytes": 64,
        },
    }
    assert properties["filter"] == {
        "includedEventTypes": ["Microsoft.Storage.BlobCreated"],
        "subjectBeginsWith": "/blobServices/default/containers/uploads/blobs/",
        # Only uploads up to the limit, made by an upload, ever reach make_thumbnail.
        "advancedFilters": [
            {
                "operatorType": "NumberLessThanOrEquals",
                "key": "data.contentLength",
                "value": 52428800,
            },
            {"operatorType": "StringIn", "key": "data.api", "values": ["PutBlob", "PutBlockList"]},
        ],
    }
    dead_letter = properties["deadLetterWithResourceIdentity"]
    assert dead_letter["identity"] == {"type": "SystemAssigned"}
    assert dead_letter["deadLetterDestination"]["properties"] == {
        "resourceId": ENV["UPLOADS_STORAGE_ACCOUNT_ID"],
        "blobContainerName": "eventgrid-deadletter",
    }
    assert "now triggers make_thumbnail" in run.output


def test_the_key_stays_off_command_lines_and_output(hook: Any, tmp_path: Path) -> None:
    run = hook()
    assert run.code == 0
    assert KEY not in run.output
    assert all(KEY not in " ".join(call["argv"]) for call in run.calls)
    assert not list(tmp_path.glob("tmp*")), "the body file was left behind"


def test_waits_for_the_blobs_extension_key(hook: Any) -> None:
    run = hook(key_after=3)
    assert run.code == 0, run.output
    key_calls = [c for c in run.calls if c["argv"][:3] == ["functionapp", "keys", "list"]]
    assert len(key_calls) == 3
    assert "waiting for the blobs_extension key (2/5)" in run.output
    health = [c for c in run.calls if "--skip-authorization-header" in c["argv"]]
    assert health and health[0]["argv"][-1] == f"{ENV['SERVICE_API_URI']}/api/health"


def test_waits_for_the_webhook_validation(hook: Any) -> None:
    run = hook(states=["Creating", "AwaitingManualAction", "Succeeded"])
    assert run.code == 0, run.output
    assert "subscription is Creating (1/5)" in run.output


def test_running_it_again_updates_the_same_subscription(hook: Any) -> None:
    first, second = hook(), hook()
    assert first.code == second.code == 0
    ((put_one,), (put_two,)) = first.puts(), second.puts()
    uri = put_one["argv"].index("--uri") + 1
    assert put_one["argv"][uri] == put_two["argv"][uri] == SUBSCRIPTION  # a PUT: create or update
    assert put_one["body"] == put_two["body"]


def test_fails_clearly_without_the_azd_values(hook: Any) -> None:
    env = {name: value for name, value in ENV.items() if name != "EVENT_GRID_SYSTEM_TOPIC_NAME"}
    run = hook(env=env)
    assert run.code == 1
    assert "missing azd environment values: EVENT_GRID_SYSTEM_TOPIC_NAME" in run.output
    assert run.calls == []


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("THUMBNAIL_MAX_BYTES", "50MB"),
        ("THUMBNAIL_MAX_BYTES", '1}, {"x": 1'),
        ("UPLOAD_APIS", "PutBlob"),
    ],
)
def test_fails_clearly_on_a_filter_value_that_is_not_json(hook: Any, name: str, value: str) -> None:
    """The two values go into the body's JSON as they are: anything else is refused first."""
    run = hook(env=ENV | {name: value})
    assert run.code == 1
    assert f"{name} must be" in run.output
    assert run.calls == []


def test_fails_clearly_when_the_key_never_appears(hook: Any) -> None:
    run = hook(key_after=99)
    assert run.code == 1
    assert "no blobs_extension system key on func-abc" in run.output
    assert run.puts() == []


@pytest.mark.parametrize("state", ["Failed", "Canceled"])
def test_fails_clearly_when_the_validation_fails(hook: Any, state: str) -> None:
    run = hook(states=["Creating", state])
    assert run.code == 1
    assert f"the subscription ended {state}" in run.output


def test_fails_when_the_put_fails(hook: Any) -> None:
    run = hook(put_exit_code=1)
    assert run.code != 0
    assert "now triggers" not in run.output


# --- the PowerShell twin, held to the same values -----------------------------------------


def _sh_values(pattern: str) -> list[str]:
    return re.findall(pattern, HOOK_SH.read_text("utf-8"))


def test_powershell_twin_requires_the_same_azd_values() -> None:
    sh_list = HOOK_SH.read_text("utf-8").split("for name in ")[1].split("; do")[0]
    ps1_list = HOOK_PS1.read_text("utf-8").split("$required = @(")[1].split(")")[0]
    sh = set(re.findall(r"\b[A-Z][A-Z_]+[A-Z]\b", sh_list))
    ps1 = set(re.findall(r"'([A-Z][A-Z_]+)'", ps1_list))
    assert sh == ps1 == set(ENV) - {"POSTDEPLOY_PAUSE_SECONDS", "POSTDEPLOY_ATTEMPTS"}


def test_powershell_twin_sends_the_same_request() -> None:
    ps1 = HOOK_PS1.read_text("utf-8")
    (api_version,) = _sh_values(r"API_VERSION=(\S+)")
    assert f"$ApiVersion = '{api_version}'" in ps1
    (name,) = _sh_values(r"EVENT_SUBSCRIPTION_NAME:-([\w-]+)")
    assert f"'{name}'" in ps1
    body = HOOK_SH.read_text("utf-8").split("<<EOF")[1].split("\nEOF")[0]
    for field in set(re.findall(r'"(\w+)":', body)):
        assert re.search(rf"\b{field}\s*=", ps1), field
    webhook = "/runtime/webhooks/blobs?functionName=Host.Functions."
    for literal in (
        "Microsoft.Storage.BlobCreated",
        webhook,
        "/blobServices/default/containers/",
        "SystemAssigned",
        "'NumberLessThanOrEquals'; key = 'data.contentLength'; "
        "value = [long]$env:THUMBNAIL_MAX_BYTES",
        "'StringIn'; key = 'data.api'; values = $uploadApis",
        "$env:UPLOAD_APIS | ConvertFrom-Json",
    ):
        assert literal in ps1, literal
    assert '--body "@$($file.FullName)"' in ps1  # the key never reaches a command line
    assert "Remove-Item -Force $file.FullName" in ps1
