"""python -m tools COMMAND: the project's commands with only Python and Node (any platform).

setup        .venv, .venv/tools and node_modules, remade when their inputs change
run          set up, start Azurite, serve the app on http://localhost:7071 (func start or
             devhost); extra arguments go to the host, e.g. --easy-auth, --port 7072
test         set up, lint, types and every test, then the other Pythons (what CI runs)
check        lint, types, unit and integration tests on the default Python (the fast loop)
package      the publish check: the package that deploys, with requirements.txt alone on
             the deploy Python, indexed by Microsoft's worker library, every module imported
loadtest     the load test against devhost, judged by loadtest/azure-load-test.yaml's criteria
lint, typecheck, unit, bench, reliability, e2e-repeat, test-X.Y, clean
"""

from __future__ import annotations

import argparse
import sys

from tools import commands, install
from tools.browser import ensure_chromium
from tools.package import PackageProblem, check_package
from tools.paths import MissingProgram
from tools.plan import OTHER_PYTHONS
from tools.steps import StepFailed, echo

_SIMPLE = {
    "setup": install.setup,
    "lint": commands.lint,
    "typecheck": commands.typecheck,
    "check": commands.check,
    "unit": commands.unit,
    "bench": commands.bench,
    "reliability": commands.reliability,
    "loadtest": commands.loadtest,
    "browser": ensure_chromium,
    "clean": commands.clean,
    "package": check_package,
}


def _versions(text: str) -> list[str]:
    """`--other-pythons "3.12 3.13"` (make's word list) or "3.12,3.13"."""
    return text.replace(",", " ").split()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    commands_ = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in _SIMPLE:
        commands_.add_parser(name)
    commands_.add_parser("run", help="extra arguments go to the host")
    commands_.add_parser(
        "test-worker", help="3.13's end-to-end and contract suites, worker invoker"
    )
    for name in ("test", "test-versions"):
        sub = commands_.add_parser(name)
        sub.add_argument("--other-pythons", type=_versions, default=list(OTHER_PYTHONS))
    for version in OTHER_PYTHONS:
        commands_.add_parser(f"test-{version}")
    repeat = commands_.add_parser("e2e-repeat")
    repeat.add_argument("--runs", type=int, default=20)
    return parser


def _dispatch(args: argparse.Namespace, host_args: list[str]) -> int:
    command: str = args.command
    if command in _SIMPLE:
        _SIMPLE[command]()
        return 0
    if command == "run":
        return commands.run(host_args)
    if command == "test":
        commands.test(args.other_pythons)
    elif command == "test-versions":
        for version in args.other_pythons:
            commands.test_version(version)
    elif command == "test-worker":
        commands.test_worker()
    elif command == "e2e-repeat":
        return 1 if commands.e2e_repeat(args.runs) else 0
    else:
        commands.test_version(command.removeprefix("test-"))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "run":  # only the host takes arguments of its own
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return _dispatch(args, extra)
    except StepFailed as exc:
        echo(f"tools {args.command}: {exc}")
        return exc.returncode
    except (MissingProgram, PackageProblem) as exc:
        echo(f"tools {args.command}: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
