"""The VS Code task "azurite: start" is ready when its problem matcher's endsPattern matches
what Azurite prints: checked against what this Azurite really prints, so an Azurite update that
changes its start-up lines fails here, not as a debug session that never starts."""

from __future__ import annotations

import re
from pathlib import Path

from devhost.azurite import running_azurite
from tests import jsonc

ROOT = Path(__file__).resolve().parents[2]


def test_the_task_is_ready_once_all_three_services_listen(tmp_path: Path) -> None:
    tasks = jsonc.load(ROOT / ".vscode" / "tasks.json")["tasks"]
    [task] = [t for t in tasks if t["label"] == "azurite: start"]
    background = task["problemMatcher"]["background"]
    log = tmp_path / "azurite.log"
    with running_azurite(tmp_path, log_file=log):
        pass
    lines = log.read_text(encoding="utf-8").splitlines()

    begins = [n for n, line in enumerate(lines) if re.search(background["beginsPattern"], line)]
    ends = [n for n, line in enumerate(lines) if re.search(background["endsPattern"], line)]
    listening = [n for n, line in enumerate(lines) if "successfully listening" in line]

    assert len(listening) == 3, lines  # blob, queue, table
    assert begins == [0]
    assert ends == [listening[-1]], "ready only when the last service listens"
    error = task["problemMatcher"]["pattern"]["regexp"]
    assert re.search(error, "Exit due to unhandled error: listen EADDRINUSE 127.0.0.1:10000")
