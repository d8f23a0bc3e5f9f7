"""The editor and container files (issue 23): .vscode/ and .devcontainer/devcontainer.json parse
as VS Code reads them (JSONC), every task a configuration or task depends on exists, and their
ports, venv and extensions agree with what the project runs (tools/, devhost, Azurite)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from devhost.bootstrap import DEFAULT_PORT
from devhost.debugger import DEBUG_PORT
from devhost.launcher import DEFAULT_PORTS as AZURITE_PORTS
from shared import azurite
from tests import jsonc
from tools.commands import run_environment
from tools.paths import VENV

ROOT = Path(__file__).resolve().parents[2]
VSCODE = ROOT / ".vscode"
DEVCONTAINER = ROOT / ".devcontainer" / "devcontainer.json"
EXTENSIONS = {
    "ms-azuretools.vscode-azurefunctions",
    "ms-python.python",
    "Azurite.azurite",
    "ms-azuretools.vscode-bicep",
}


def _load(name: str) -> Any:
    return jsonc.load(VSCODE / name)


def _tasks() -> dict[str, dict[str, Any]]:
    return {task["label"]: task for task in _load("tasks.json")["tasks"]}


def _configurations() -> dict[str, dict[str, Any]]:
    return {config["name"]: config for config in _load("launch.json")["configurations"]}


def test_the_jsonc_reader_drops_comments_and_trailing_commas_but_not_string_content() -> None:
    text = '{"a": "http://x//y", /* b */ "c": [1, 2, ], // d\n "e": "/* f */", }'
    assert jsonc.loads(text) == {"a": "http://x//y", "c": [1, 2], "e": "/* f */"}
    with pytest.raises(ValueError):  # a doubled comma is not a trailing one: still invalid
        jsonc.loads('{"a": 1,, }')


@pytest.mark.parametrize(
    "path", [*sorted(VSCODE.glob("*.json")), DEVCONTAINER], ids=lambda p: p.name
)
def test_each_file_parses_as_jsonc(path: Path) -> None:
    assert isinstance(jsonc.load(path), dict)


def test_the_four_files_are_there() -> None:
    names = {path.name for path in VSCODE.glob("*.json")}
    assert names == {"extensions.json", "launch.json", "settings.json", "tasks.json"}


def test_every_pre_launch_task_and_depends_on_names_a_task() -> None:
    tasks = _tasks()
    named = [c["preLaunchTask"] for c in _configurations().values() if "preLaunchTask" in c]
    for task in tasks.values():
        depends = task.get("dependsOn", [])
        named += [depends] if isinstance(depends, str) else depends
    assert named, "nothing depends on a task: the check would check nothing"
    assert [name for name in named if name not in tasks] == []


def test_func_host_start_is_the_extensions_task() -> None:
    task = _tasks()["func: host start"]
    assert (task["type"], task["command"], task["problemMatcher"]) == (
        "func",
        "host start",
        "$func-python-watch",
    )
    assert task["isBackground"] is True
    assert task["dependsOn"] == "pip install (functions)"


def test_the_venv_is_the_one_tools_makes_on_every_platform() -> None:
    settings = _load("settings.json")
    assert settings["azureFunctions.pythonVenv"] == VENV.name == ".venv"
    pip = _tasks()["pip install (functions)"]
    venv = "${config:azureFunctions.pythonVenv}"
    install = "-m pip install -r requirements.txt"
    assert pip["linux"]["command"] == pip["osx"]["command"] == f"{venv}/bin/python {install}"
    assert pip["windows"]["command"] == f"{venv}\\Scripts\\python {install}"


def test_settings_are_a_python_v2_functions_project_with_pytest() -> None:
    settings = _load("settings.json")
    assert settings["azureFunctions.deploySubpath"] == "."
    assert settings["azureFunctions.scmDoBuildDuringDeployment"] is True
    assert settings["azureFunctions.projectLanguage"] == "Python"
    assert settings["azureFunctions.projectRuntime"] == "~4"
    assert settings["azureFunctions.projectLanguageModel"] == 2
    assert settings["debug.internalConsoleOptions"] == "neverOpen"
    assert settings["python.testing.pytestEnabled"] is True
    assert settings["python.testing.unittestEnabled"] is False


def test_debug_and_http_ports_agree_with_devhost() -> None:
    configurations = _configurations()
    attach = [c for c in configurations.values() if c["request"] == "attach"]
    assert {c["connect"]["port"] for c in attach} == {DEBUG_PORT} == {9091}
    assert "Attach to Python Functions" in configurations
    devhost = configurations["devhost (no Core Tools)"]
    assert (devhost["type"], devhost["request"], devhost["module"]) == (
        "debugpy",
        "launch",
        "devhost",
    )
    args = devhost["args"]
    assert args[args.index("--script-root") + 1] == "${workspaceFolder}"
    assert int(args[args.index("--port") + 1]) == DEFAULT_PORT == 7071
    example = jsonc.load(ROOT / "local.settings.json.example")
    assert example["Host"]["LocalHttpPort"] == DEFAULT_PORT


def test_the_azurite_task_runs_it_as_make_run_does() -> None:
    task = _tasks()["azurite: start"]
    args = task["args"]
    assert {"--skipApiVersionCheck", "--disableTelemetry"} <= set(args)
    assert args[args.index("--location") + 1] == ".azurite"  # make run's data folder
    assert task["isBackground"] is True
    # The accounts make run serves, so the task's Azurite and make run's are interchangeable.
    assert task["options"]["env"]["AZURITE_ACCOUNTS"] == run_environment({})["AZURITE_ACCOUNTS"]
    background = task["problemMatcher"]["background"]
    assert "successfully listening" in background["endsPattern"]
    # Default ports: what UseDevelopmentStorage=true and make run use.
    assert not any(re.match(r"--(blob|queue|table)Port", arg) for arg in args)
    assert (azurite.BLOB_PORT, azurite.QUEUE_PORT, azurite.TABLE_PORT) == AZURITE_PORTS


def test_extensions_are_recommended_and_installed_in_the_container() -> None:
    assert set(_load("extensions.json")["recommendations"]) == EXTENSIONS
    container = jsonc.load(DEVCONTAINER)
    assert set(container["customizations"]["vscode"]["extensions"]) == EXTENSIONS


def test_the_devcontainer_names_its_toolchain_set_up_and_ports() -> None:
    container = jsonc.load(DEVCONTAINER)
    assert re.fullmatch(
        r"mcr\.microsoft\.com/devcontainers/python:(1-)?3\.13-bookworm", container["image"]
    )
    features = {re.sub(r":[^/:]+$", "", name) for name in container["features"]}
    assert features == {
        "ghcr.io/devcontainers/features/node",
        "ghcr.io/jlaundry/devcontainer-features/azure-functions-core-tools",
        "ghcr.io/azure/azure-dev/azd",
        "ghcr.io/devcontainers/features/azure-cli",
    }
    assert container["postCreateCommand"] == "python -m tools setup"
    assert set(container["forwardPorts"]) == {DEFAULT_PORT, *AZURITE_PORTS}


def test_editor_container_and_tool_folders_stay_out_of_the_package() -> None:
    ignored = set((ROOT / ".funcignore").read_text(encoding="utf-8").split())
    assert {".vscode", ".devcontainer", "tools"} <= ignored
