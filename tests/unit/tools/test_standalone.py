"""`python -m tools` runs before any virtual environment exists, with whatever Python makes it:
it must import with the standard library alone (and devhost.processes and shared.azurite,
which hold to the same rule)."""

from __future__ import annotations

import subprocess
import sys

from tools.paths import ROOT

PROBE = """
import sys
sys.path.insert(0, sys.argv[1])
import tools.__main__  # every module of the package, through the command line's imports
mine = ("tools", "devhost", "shared")
loaded = sorted(
    name for name, module in sys.modules.items()
    if name.partition(".")[0] not in sys.stdlib_module_names
    and name.partition(".")[0] not in mine and getattr(module, "__file__", None)
)
print(",".join(loaded))
"""


def test_tools_imports_with_the_standard_library_alone() -> None:
    # -S: no site-packages at all, so any third-party import fails; -I: no user site, no
    # PYTHON* variables, no current directory on the path.
    done = subprocess.run(
        [sys.executable, "-S", "-I", "-c", PROBE, str(ROOT)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
