"""What `test` and `check` run, in order: the one definition CI's `make test` follows.

The main leg runs on the default Python (.venv). Then each other supported Python runs its
suite in .venvs/X.Y: 3.13 is the deploy runtime (docs/deploy.md), so the suite runs there too,
with the worker-library test (tests/worker), and its end-to-end and contract suites once more
under the worker invoker; 3.12 runs unit, integration and a devhost smoke over HTTP. The
deploy checks and the load test are left to the main leg: they read templates and run the
linters, the publish check (on 3.13 whatever runs it) and Locust, none of which changes with
the Python that runs pytest, and running them twice would cost make test about 2 minutes of its
35. `--other-pythons ''` (make test OTHER_PYTHONS=) skips them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "CHECK_SUITE",
    "OTHER_PYTHONS",
    "PYTHON_INDEPENDENT",
    "WORKER_PASS",
    "Pass",
    "passes_for",
]

OTHER_PYTHONS = ("3.12", "3.13")
CHECK_SUITE = ("-q", "tests/unit", "tests/integration")
PYTHON_INDEPENDENT = ("--ignore=tests/deploy", "--ignore=tests/loadtest")


@dataclass(frozen=True)
class Pass:
    """One pytest run of a leg: its arguments and the environment variables it adds."""

    args: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)


WORKER_PASS = Pass(("tests/e2e", "tests/contract"), {"DEVHOST_INVOKER": "worker"})
_OTHER_LEGS: dict[str, tuple[Pass, ...]] = {
    "3.12": (
        Pass(
            (
                "tests/unit",
                "tests/integration",
                "tests/test_func_start_project.py",
                "tests/e2e/test_orders_e2e.py",
                "tests/e2e/test_devhost_http.py",
            )
        ),
    ),
    # Then the end-to-end and contract suites again with `devhost --invoker worker`: every
    # function through Microsoft's worker library (docs/local-host.md, "The worker invoker").
    "3.13": (Pass(("tests", *PYTHON_INDEPENDENT)), WORKER_PASS),
}


def passes_for(version: str) -> tuple[Pass, ...]:
    """The pytest runs of another Python's leg; a version without its own list runs the whole
    suite (as the Makefile's empty SUITE_X.Y did)."""
    return _OTHER_LEGS.get(version, (Pass(()),))
