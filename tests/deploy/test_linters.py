"""checkov, azure-functions-doctor and shellcheck pass on the deploy files, offline; each is
also run on a broken copy to show that it would catch the break."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from tests.deploy.tools import ROOT, checkov, copy_project, doctor, run, tool

if TYPE_CHECKING:
    from pathlib import Path

DEPLOY_DOC = ROOT / "docs" / "deploy.md"
SHELL_SCRIPTS = ("scripts/postdeploy.sh", "scripts/preprovision.sh")
MIN_REASON = 40


def test_checkov_reports_no_failed_check_and_every_skip_has_a_reason() -> None:
    report = checkov(ROOT / "infra")
    assert report["summary"]["parsing_errors"] == 0
    failed = [
        (c["check_id"], c["file_path"], c["resource"]) for c in report["results"]["failed_checks"]
    ]
    assert failed == []
    assert report["summary"]["passed"] >= 15
    for skipped in report["results"]["skipped_checks"]:
        reason = skipped["check_result"]["suppress_comment"].strip()
        assert len(reason) >= MIN_REASON, (skipped["check_id"], reason)


def test_every_checkov_skip_is_inline_and_documented() -> None:
    """Skips live next to the resource they excuse (no config file, no CLI flag), and
    docs/deploy.md names each one."""
    text = "\n".join(path.read_text("utf-8") for path in (ROOT / "infra").rglob("*.bicep"))
    skips = set(re.findall(r"checkov:skip=([A-Z0-9_]+)", text))
    assert skips
    assert not (ROOT / ".checkov.yaml").exists() and not (ROOT / ".checkov.yml").exists()
    documented = DEPLOY_DOC.read_text("utf-8")
    assert [skip for skip in sorted(skips) if skip not in documented] == []


def test_checkov_fails_a_weakened_template(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    storage = project / "infra" / "modules" / "storage.bicep"
    text = storage.read_text("utf-8")
    text = text.replace("minimumTlsVersion: 'TLS1_2'", "minimumTlsVersion: 'TLS1_0'")
    text = re.sub(r"\n\s*// checkov:skip=CKV_AZURE_35:[^\n]*", "", text)
    storage.write_text(text, "utf-8")
    failed = {c["check_id"] for c in checkov(project / "infra")["results"]["failed_checks"]}
    assert {"CKV_AZURE_44", "CKV_AZURE_35"} <= failed


def _doctor_problems(items: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """(failed rules, warnings that docs/deploy.md does not list)."""
    documented = DEPLOY_DOC.read_text("utf-8")
    failed = [f"{i['rule_id']}: {i['value']}" for i in items if i["status"] == "fail"]
    undocumented = [
        f"{i['rule_id']}: {i['value']}"
        for i in items
        if i["status"] == "warn" and f"`{i['rule_id']}`" not in documented
    ]
    return failed, undocumented


def test_functions_doctor_reports_no_failure_and_only_documented_warnings(tmp_path: Path) -> None:
    """On the deployable files (a copy: at the root the doctor also walks node_modules, about
    90 s, and finds the same)."""
    items = doctor(copy_project(tmp_path))
    assert len(items) >= 30, "the doctor ran fewer rules than its full profile has"
    failed, undocumented = _doctor_problems(items)
    assert failed == []
    assert undocumented == []


def test_functions_doctor_catches_a_setting_flex_consumption_refuses(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    app = project / "infra" / "modules" / "function-app.bicep"
    app.write_text(
        app.read_text("utf-8").replace(
            "      appSettings: concat([\n",
            "      appSettings: concat([\n        {\n          name: 'FUNCTIONS_WORKER_RUNTIME'\n"
            "          value: 'python'\n        }\n",
        ),
        "utf-8",
    )
    _, undocumented = _doctor_problems(doctor(project))
    assert any(problem.startswith("check_flex_deprecated_settings") for problem in undocumented)


def test_shell_hooks_pass_shellcheck() -> None:
    result = run([tool("shellcheck"), "--shell=sh", "--severity=style", *SHELL_SCRIPTS])
    assert result.returncode == 0, result.stdout + result.stderr


def test_shellcheck_catches_a_broken_hook(tmp_path: Path) -> None:
    broken = tmp_path / "postdeploy.sh"
    source = (ROOT / SHELL_SCRIPTS[0]).read_text("utf-8")
    broken.write_text(source.replace('"$AZURE_RESOURCE_GROUP"', "$AZURE_RESOURCE_GROUP"), "utf-8")
    result = run([tool("shellcheck"), "--shell=sh", broken])
    assert result.returncode != 0 and "SC2086" in result.stdout
