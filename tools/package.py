"""`package`: the publish check. "0 functions found" after a deploy means the worker could not
index the app on Azure, most often because the package lacks a file (.funcignore dropped it) or
a package (requirements.txt lacks it). This builds the package both deploy paths upload, in a
folder of its own, installs requirements.txt into a clean virtual environment on the deploy
Python (as the remote build does; nothing from requirements-dev.txt), and there, with that
environment alone, has Microsoft's worker library index and validate every function and imports
every module, the lazily loaded ones too. It fails naming the missing file or package.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from tools import funcignore
from tools.clean_venv import ensure_clean_venv, installed_bytes
from tools.paths import OTHER_VENVS, ROOT
from tools.pythons import find_python
from tools.steps import echo

__all__ = ["PackageProblem", "check_package", "deploy_python_version"]

# The worker library driven as Azure's proxy worker drives it (tests/worker reuses it too).
DESCRIBE_APP = ROOT / "tests" / "worker" / "describe_app.py"
IMPORT_PROBE = Path(__file__).with_name("package_probe.py")
DEFAULT_CACHE = OTHER_VENVS / "package"
_PYTHON_VERSION = re.compile(r"^param pythonVersion string = '(\d+\.\d+)'", re.M)


class PackageProblem(RuntimeError):
    """The package would not run on Azure; the message names the file or package."""


@dataclass(frozen=True)
class Package:
    """The staged folder and what went into it."""

    folder: Path
    files: list[str]
    rules: list[funcignore.Rule]


def deploy_python_version(root: Path = ROOT) -> str:
    """The Python the app runs on in Azure: infra/main.bicep's `pythonVersion` (one home)."""
    found = _PYTHON_VERSION.search((root / "infra" / "main.bicep").read_text(encoding="utf-8"))
    if found is None:
        raise PackageProblem("infra/main.bicep declares no `param pythonVersion string = 'X.Y'`")
    return found.group(1)


def stage(app: Path, folder: Path) -> Package:
    """Copy what publish uploads into `folder`; PackageProblem when azd and Core Tools would
    upload different files."""
    ignore = app / ".funcignore"
    rules = funcignore.read_rules(ignore.read_text(encoding="utf-8") if ignore.exists() else "")
    files = funcignore.core_tools_files(app, rules)
    azd = funcignore.azd_files(app, rules)
    if files != azd:
        only_func = sorted(set(files) - set(azd))
        only_azd = sorted(set(azd) - set(files))
        raise PackageProblem(
            ".funcignore means different packages to the two deploy paths: only "
            f"`func azure functionapp publish` uploads {only_func}, only `azd deploy` uploads "
            f"{only_azd} (Core Tools anchors each pattern at the root: add a `**/` line)"
        )
    ignored = git_ignored(app, files)
    if ignored:
        where = sorted({name.split("/")[0] for name in ignored})
        raise PackageProblem(
            f"the package would hold {len(ignored)} files git ignores (caches, local "
            f"settings) under {where}: add them to .funcignore"
        )
    for relative in files:
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(app / relative, target)
    return Package(folder, files, rules)


def git_ignored(app: Path, files: list[str]) -> list[str]:
    """Which of `files` git ignores, when `app` is in a git work tree (else none): generated
    and local files, which a deploy should never upload though .funcignore may miss them."""
    git = shutil.which("git")
    if git is None or not files:
        return []
    inside = subprocess.run(  # noqa: S603 - a fixed argv
        [git, "rev-parse", "--is-inside-work-tree"], cwd=app, capture_output=True, check=False
    )
    if inside.returncode != 0:
        return []
    done = subprocess.run(  # noqa: S603 - a fixed argv
        [git, "check-ignore", "--stdin"],
        cwd=app,
        input="\n".join(files),
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.split()


def _probe(python: Path, script: Path, *args: str | Path, cwd: Path) -> dict[str, object]:
    """Run `script` with only the clean environment: -I (no user site, no PYTHON* variables,
    not the script's folder on sys.path), from the package folder. Its JSON answer."""
    done = subprocess.run(  # noqa: S603 - argv built here
        [str(python), "-I", str(script), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0 or not done.stdout.strip():
        raise PackageProblem(f"{script.name} failed:\n{done.stderr[-3000:]}")
    answer: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def _missing_module(error: str) -> str | None:
    found = re.search(r"No module named '([\w.]+)'", error)
    return found.group(1) if found else None


def explain(app: Package, source: Path, where: str, error: str) -> str:
    """The failure in words: which file .funcignore dropped, or which package is missing."""
    missing = _missing_module(error)
    if missing is None:
        return f"{where}: {error}"
    for candidate in _module_paths(missing):
        if (source / candidate).exists() and candidate not in app.files:
            pattern = funcignore.dropped_by(app.rules, candidate)
            return (
                f"{where} imports {missing}, but {candidate} is not in the package: "
                f".funcignore drops it (pattern {pattern!r})"
            )
    return (
        f"{where} imports {missing}, which requirements.txt does not install: add the "
        f"distribution that provides it to requirements.txt ({error})"
    )


def _module_paths(module: str) -> list[str]:
    """The files that would provide `module` or one of its parents, nearest first."""
    parts = module.split(".")
    paths = []
    for end in range(len(parts), 0, -1):
        stem = "/".join(parts[:end])
        paths += [f"{stem}.py", f"{stem}/__init__.py"]
    return paths


def _index(package: Package, python: Path, source: Path) -> int:
    """Microsoft's worker library indexes and validates every function; how many."""
    if not DESCRIBE_APP.exists():
        raise PackageProblem(f"{DESCRIBE_APP} is missing")
    answer = _probe(python, DESCRIBE_APP, "worker", package.folder, cwd=package.folder)
    if answer.get("status") != "Success":
        raise PackageProblem(
            explain(package, source, "the worker's indexing", str(answer["error"]))
        )
    functions = answer.get("functions")
    if not isinstance(functions, list) or not functions:
        raise PackageProblem("the worker library indexed 0 functions")
    return len(functions)


def _import_all(package: Package, python: Path, source: Path) -> int:
    """Every module of the package imports; how many. Each failure is named."""
    answer = _probe(python, IMPORT_PROBE, package.folder, cwd=package.folder)
    failures = answer.get("failures")
    if failures:
        assert isinstance(failures, list)
        lines = [explain(package, source, f["module"], f["error"]) for f in failures]
        raise PackageProblem("\n".join(lines))
    modules = answer.get("modules")
    return len(modules) if isinstance(modules, list) else 0


def check_package(app: Path = ROOT, *, venv_cache: Path = DEFAULT_CACHE) -> None:
    """The whole check; PackageProblem with the cause when the package would not run."""
    version = deploy_python_version()
    with tempfile.TemporaryDirectory(prefix="package-") as temporary:
        package = stage(app, Path(temporary) / "app")
        python = ensure_clean_venv(find_python(version), app / "requirements.txt", venv_cache)
        functions = _index(package, python, app)
        modules = _import_all(package, python, app)
        zipped = _zip_size(package, Path(temporary) / "app.zip")
    files_size = sum((app / name).stat().st_size for name in package.files)
    top = sorted({name.split("/")[0] for name in package.files})
    echo(f"package: {len(package.files)} files, {_kb(files_size)} ({_kb(zipped)} zipped): {top}")
    echo(f"installed on Python {version}: {_kb(installed_bytes(python))} (requirements.txt)")
    echo(f"worker library indexed {functions} functions; {modules} modules imported")


def _zip_size(package: Package, target: Path) -> int:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in package.files:
            archive.write(package.folder / name, name)
    return target.stat().st_size


def _kb(size: int) -> str:
    return f"{size / 1024:,.0f} KB" if size < 10 * 1024 * 1024 else f"{size / 2**20:,.1f} MB"
