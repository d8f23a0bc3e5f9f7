"""The publish check (`python -m tools package`, docs/deploy.md "The package check") on small
apps that would show "0 functions found" or fail on first call on Azure, and on this app.

Each fixture app pins the real azure-functions and azure-functions-runtime lines of
requirements.txt; they share one clean virtual environment for the session (the check keys it
by the requirements file), so only the first test pays for the install."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest

from tools.package import PackageProblem, check_package

ROOT = Path(__file__).resolve().parents[2]
PINS = [
    line
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    if line.startswith(("azure-functions==", "azure-functions-runtime=="))
]
HEALTHY = """
import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="ping", methods=["GET"])
def ping(req: func.HttpRequest) -> func.HttpResponse:
    {body}
"""


@pytest.fixture(scope="session")
def venv_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("package-venvs")


def make_app(folder: Path, body: str, files: dict[str, str], funcignore: str = "") -> Path:
    """A function app: one HTTP function whose body is `body`, plus `files`."""
    source = HEALTHY.format(body=textwrap.indent(textwrap.dedent(body).strip(), " " * 4).strip())
    written = {
        "function_app.py": source,
        "host.json": '{"version": "2.0"}\n',
        "requirements.txt": "\n".join(PINS) + "\n",
        ".funcignore": ".funcignore\n" + funcignore,  # Core Tools never uploads it; azd would
        **files,
    }
    for name, text in written.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


def failure(app: Path, cache: Path) -> str:
    with pytest.raises(PackageProblem) as raised:
        check_package(app, venv_cache=cache)
    return str(raised.value)


def test_a_healthy_app_passes(tmp_path: Path, venv_cache: Path) -> None:
    """The control for the cases below: the fixture app itself is fine."""
    app = make_app(tmp_path, "return func.HttpResponse('pong')", {"notes.md": "dev only\n"})
    check_package(app, venv_cache=venv_cache)


def test_an_import_of_a_module_funcignore_drops_fails_naming_the_file(
    tmp_path: Path, venv_cache: Path
) -> None:
    app = make_app(
        tmp_path,
        "from helpers import answer\nreturn func.HttpResponse(answer())",
        {"helpers.py": "def answer() -> str:\n    return 'pong'\n"},
        funcignore="helpers.py\n",
    )
    message = failure(app, venv_cache)
    assert "helpers.py is not in the package: .funcignore drops it (pattern 'helpers.py')" in (
        message
    )
    assert "function_app imports helpers" in message  # found though imported on first call only


def test_a_top_level_import_of_a_dropped_package_fails_the_worker_indexing(
    tmp_path: Path, venv_cache: Path
) -> None:
    app = make_app(
        tmp_path,
        "return func.HttpResponse(lib.answer())",
        {"lib/__init__.py": "def answer() -> str:\n    return 'pong'\n"},
        funcignore="lib\n",
    )
    source = app / "function_app.py"
    source.write_text("import lib\n" + source.read_text(encoding="utf-8"), encoding="utf-8")
    message = failure(app, venv_cache)
    assert message.startswith("the worker's indexing imports lib")
    assert "lib/__init__.py is not in the package: .funcignore drops it (pattern 'lib')" in message


def test_a_package_missing_from_requirements_fails_naming_it(
    tmp_path: Path, venv_cache: Path
) -> None:
    """yaml is in the dev environment (PyYAML), not in the fixture's requirements.txt; the
    module that needs it is loaded by nothing at start-up, only by a later call."""
    app = make_app(
        tmp_path,
        "return func.HttpResponse('pong')",
        {"jobs/__init__.py": "", "jobs/report.py": "import yaml\n\nDUMP = yaml.safe_dump\n"},
    )
    message = failure(app, venv_cache)
    assert message.startswith("jobs.report imports yaml, which requirements.txt does not install")


def test_funcignore_that_the_two_deploy_paths_read_differently_fails(
    tmp_path: Path, venv_cache: Path
) -> None:
    app = make_app(
        tmp_path,
        "return func.HttpResponse('pong')",
        {"lib/__init__.py": "", "lib/notes/todo.txt": "later\n"},
        funcignore="notes\n",  # git's rules: any depth; Core Tools: the root only
    )
    message = failure(app, venv_cache)
    assert "only `func azure functionapp publish` uploads ['lib/notes/todo.txt']" in message


def test_this_app_passes(capsys: pytest.CaptureFixture[str]) -> None:
    check_package(ROOT)
    printed = capsys.readouterr().out
    assert "package: " in printed and "'blueprints', 'function_app.py', 'host.json'" in printed
    assert "worker library indexed" in printed


def test_the_files_the_app_reads_at_run_time_ship() -> None:
    """What the package check cannot see by importing: the upload page's files, read from
    web/ on each request, and host.json, read by the host."""
    from blueprints.upload_page import WEB_FILES
    from tools.funcignore import core_tools_files, read_rules

    rules = read_rules((ROOT / ".funcignore").read_text(encoding="utf-8"))
    files = core_tools_files(ROOT, rules)
    assert {f"web/{name}" for name, _ in WEB_FILES.values()} | {"host.json"} <= set(files)


def test_files_git_ignores_are_refused(tmp_path: Path, venv_cache: Path) -> None:
    """A cache or a local settings file that .funcignore misses would ship: in a git work tree
    the check refuses what git ignores (before installing anything)."""
    app = make_app(
        tmp_path,
        "return func.HttpResponse('pong')",
        {".gitignore": ".cache/\n", ".cache/state.json": "{}\n"},
        funcignore=".git\n.gitignore\n",  # what Core Tools always leaves out, for azd too
    )
    subprocess.run(["git", "init", "-q", str(app)], check=True)
    message = failure(app, venv_cache)
    assert message == (
        "the package would hold 1 files git ignores (caches, local settings) under "
        "['.cache']: add them to .funcignore"
    )
