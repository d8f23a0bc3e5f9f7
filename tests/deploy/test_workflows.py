"""The GitHub workflows (.github/, docs/deploy.md "CI/CD") held to the README and to the rules
a reviewer would check: CI runs exactly the README's test command, as .ci/run does; every
action is pinned by a full commit with its release named; credentials and permissions are
least privilege; the deploy stages in order. The offline linters (actionlint, zizmor) find
nothing, and do find a planted mistake."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tools.paths import TOOLS_VENV, VENV, venv_script

ROOT = Path(__file__).resolve().parents[2]
GITHUB = ROOT / ".github"
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.yml"))
PIN = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<action>[\w.-]+/[\w./-]+)@(?P<ref>\S+)(?P<rest>.*)$")


def workflow(name: str) -> dict[str, Any]:
    raw: dict[Any, Any] = yaml.safe_load((GITHUB / "workflows" / name).read_text("utf-8"))
    # PyYAML reads the key `on` as True (YAML 1.1); GitHub reads it as the trigger list.
    return {("on" if key is True else str(key)): value for key, value in raw.items()}


def readme_block(language: str) -> list[str]:
    """The commands of the README's first ```language block under "The two commands"."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## The two commands", 1)[1]
    block = section.split(f"```{language}\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#", 1)[0].strip() for line in block.splitlines()]
    return [command for command in commands if command]


def run_commands(job: dict[str, Any]) -> list[str]:
    return [step["run"].strip() for step in job["steps"] if "run" in step]


def test_ci_runs_exactly_the_readmes_test_command_on_linux_as_ci_run_does() -> None:
    test_command = next(c for c in readme_block("sh") if c.split()[-1] == "test")
    assert test_command == "make test"
    ci_run = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci_run[-1] == test_command
    jobs = workflow("ci.yml")["jobs"]
    linux = [job for job in jobs.values() if str(job["runs-on"]).startswith("ubuntu")]
    runs_tests = [job for job in linux if test_command in run_commands(job)]
    assert len(runs_tests) == 1
    # Nothing else that tests or sets up: the command does its own set-up.
    assert [c for c in run_commands(runs_tests[0]) if c != test_command] == ["chromium --version"]


def test_ci_runs_the_readmes_make_free_fast_loop_on_windows() -> None:
    windows = [job for job in workflow("ci.yml")["jobs"].values() if "windows" in job["runs-on"]]
    assert len(windows) == 1
    assert run_commands(windows[0]) == ["python -m tools check"]
    assert "python -m tools check" in readme_block("powershell")


def test_ci_and_deploy_run_the_publish_check() -> None:
    for name in ("ci.yml", "deploy.yml"):
        commands = [c for job in workflow(name)["jobs"].values() for c in run_commands(job)]
        assert "python -m tools package" in commands, name


def pins() -> list[tuple[str, int, str, str, str]]:
    """(file, line, action, ref, rest of line) of every `uses:` in the workflows."""
    found = []
    for path in WORKFLOWS:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "uses:" in line:
                match = PIN.match(line)
                assert match, f"{path.name}:{number}: not an owner/repo@ref action: {line!r}"
                found.append((path.name, number, match["action"], match["ref"], match["rest"]))
    return found


def test_every_action_is_pinned_by_a_full_commit_with_its_release_named() -> None:
    found = pins()
    assert found
    commits: dict[str, set[str]] = {}
    for name, number, action, ref, rest in found:
        where = f"{name}:{number} {action}"
        assert re.fullmatch(r"[0-9a-f]{40}", ref), f"{where}: @{ref} is not a commit"
        assert re.fullmatch(r"\s+# v\d+\.\d+\.\d+", rest), f"{where}: no `# vX.Y.Z` comment"
        commits.setdefault(action.lower(), set()).add(ref + rest.strip())
    mixed = {action: refs for action, refs in commits.items() if len(refs) > 1}
    assert not mixed, f"one action, several pins: {mixed}"


def test_checkouts_keep_no_credentials_and_permissions_are_least_privilege() -> None:
    for path in WORKFLOWS:
        document = workflow(path.name)
        assert document["permissions"] == {"contents": "read"}, path.name
        assert "concurrency" in document, path.name
        for name, job in document["jobs"].items():
            for step in job["steps"]:
                if str(step.get("uses", "")).startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] is False, (path.name, name)
            granted = job.get("permissions", {})
            # OIDC only where Azure is signed in to, and only in a job gated by an environment.
            if granted.get("id-token") == "write":
                assert "environment" in job, (path.name, name)
                assert any("azd auth login" in c for c in run_commands(job)), (path.name, name)
            assert set(granted) <= {"contents", "id-token"}, (path.name, name)
            assert granted.get("contents", "read") == "read", (path.name, name)


def test_deploy_goes_through_staging_smoke_and_load_tests_before_production() -> None:
    jobs = workflow("deploy.yml")["jobs"]
    assert workflow("deploy.yml")["on"]["push"]["branches"] == ["main"]
    staging, production = jobs["staging"], jobs["production"]
    assert staging["needs"] == "package" and production["needs"] == "staging"
    assert (staging["environment"], production["environment"]) == ("staging", "production")
    commands = run_commands(staging)
    order = ["azd auth login", "azd provision", "azd deploy", "python scripts/smoke.py"]
    positions = [next(i for i, c in enumerate(commands) if c.startswith(o)) for o in order]
    assert positions == sorted(positions)
    login = next(c for c in commands if c.startswith("azd auth login"))
    assert "--federated-credential-provider github" in " ".join(login.split())
    gate = staging["steps"][-1]
    assert gate["uses"].startswith("azure/load-testing@")
    assert (ROOT / gate["with"]["loadtestConfigFile"]).is_file()
    assert [c.split()[0:2] for c in run_commands(production)][-3:] == [
        ["azd", "provision"],
        ["azd", "deploy"],
        ["python", "scripts/smoke.py"],
    ]


def test_dependabot_watches_pip_npm_and_the_actions() -> None:
    config = yaml.safe_load((GITHUB / "dependabot.yml").read_text(encoding="utf-8"))
    ecosystems = {update["package-ecosystem"] for update in config["updates"]}
    assert ecosystems == {"pip", "npm", "github-actions"}


def lint(folder: Path) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
    """actionlint and zizmor as `make lint` runs them (tools/commands.py), on `folder`."""
    actionlint = subprocess.run(
        [
            str(venv_script(VENV, "actionlint")),
            f"-shellcheck={venv_script(TOOLS_VENV, 'shellcheck')}",
            "-pyflakes=",
            *sorted(str(p) for p in (folder / ".github" / "workflows").glob("*.yml")),
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    zizmor_options = ["--offline", "--strict-collection", "--persona", "pedantic"]
    zizmor = subprocess.run(
        [str(venv_script(VENV, "zizmor")), *zizmor_options, ".github"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return actionlint, zizmor


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    shutil.copytree(GITHUB, tmp_path / ".github")
    return tmp_path


def test_actionlint_and_zizmor_find_nothing() -> None:
    actionlint, zizmor = lint(ROOT)
    assert actionlint.returncode == 0, actionlint.stdout + actionlint.stderr
    assert zizmor.returncode == 0, zizmor.stdout + zizmor.stderr


def test_they_catch_an_unpinned_action_and_an_injected_expression(copy: Path) -> None:
    ci = copy / ".github" / "workflows" / "ci.yml"
    text = ci.read_text(encoding="utf-8")
    text = re.sub(r"actions/checkout@[0-9a-f]{40} # v[\d.]+", "actions/checkout@v7", text, count=1)
    text = text.replace("run: chromium --version", "run: echo ${{ github.head_ref }}")
    ci.write_text(text, encoding="utf-8")
    actionlint, zizmor = lint(copy)
    assert actionlint.returncode != 0 and '"github.head_ref" is potentially untrusted' in (
        actionlint.stdout
    )
    assert zizmor.returncode != 0 and "unpinned-uses" in zizmor.stdout + zizmor.stderr


def test_zizmor_catches_a_checkout_that_keeps_its_credentials(copy: Path) -> None:
    deploy = copy / ".github" / "workflows" / "deploy.yml"
    text = deploy.read_text(encoding="utf-8")
    deploy.write_text(text.replace("        with:\n          persist-credentials: false\n", "", 1))
    _, zizmor = lint(copy)
    assert zizmor.returncode != 0 and "artipacked" in zizmor.stdout + zizmor.stderr


def test_deploy_jobs_receive_what_azd_pipeline_config_sets() -> None:
    """The five variables azd always sets, and azure.yaml's own `pipeline.variables`."""
    extra = yaml.safe_load((ROOT / "azure.yaml").read_text(encoding="utf-8"))["pipeline"]
    names = ["AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_SUBSCRIPTION_ID", "AZURE_ENV_NAME"]
    names += ["AZURE_LOCATION", *extra["variables"]]
    for job in ("staging", "production"):
        env = workflow("deploy.yml")["jobs"][job]["env"]
        assert env == {name: f"${{{{ vars.{name} }}}}" for name in names}, job
