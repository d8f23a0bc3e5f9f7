"""Running an azd hook script (sh) against the stand-in `az` and `azd` of fake_az.py: one
scenario in, the hook's exit code, output, and every call it made out."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FAKE = Path(__file__).with_name("fake_az.py")


@dataclass
class HookResult:
    code: int
    output: str
    calls: list[dict[str, Any]]
    state: dict[str, Any]


class StandIns:
    """A bin folder in `tmp_path` where `az` and `azd` are the stand-in, and `python3` this
    interpreter (a hook that runs a Python script gets the test's Python)."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path, self.bin = tmp_path, tmp_path / "bin"
        self.bin.mkdir()
        for name, target in (("az", FAKE), ("azd", FAKE), ("python3", None)):
            command = f'"{sys.executable}" "{target}"' if target else f'"{sys.executable}"'
            (self.bin / name).write_text(f'#!/bin/sh\nexec {command} "$@"\n')
            (self.bin / name).chmod(0o755)
        self.state, self.log = tmp_path / "state.json", tmp_path / "calls.jsonl"

    def run(self, hook: Path, scenario: dict[str, Any], env: dict[str, str]) -> HookResult:
        self.state.write_text(json.dumps(scenario))
        self.log.write_text("")
        result = subprocess.run(
            ["sh", str(hook)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={
                "PATH": f"{self.bin}:/usr/bin:/bin",
                "TMPDIR": str(self.tmp_path),
                "FAKE_AZ_STATE": str(self.state),
                "FAKE_AZ_LOG": str(self.log),
                **env,
            },
        )
        calls = [json.loads(line) for line in self.log.read_text().splitlines()]
        return HookResult(
            result.returncode,
            result.stdout + result.stderr,
            calls,
            json.loads(self.state.read_text()),
        )
