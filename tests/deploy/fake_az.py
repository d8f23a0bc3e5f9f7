"""A stand-in for the Azure CLI, for running the postdeploy hook offline.

It answers the few commands the hook uses from a scenario file (FAKE_AZ_STATE) and appends
every call, with the request body it was given, to a log (FAKE_AZ_LOG):

- `rest --method get --skip-authorization-header --uri <app>/api/health`: succeeds;
- `functionapp keys list ... --query systemKeys.blobs_extension`: fails until the scenario's
  `key_after`-th call, then prints the scenario's key;
- `rest --method put --uri <subscription> --body @file`: records the body;
- `rest --method get --uri <subscription> --query properties.provisioningState`: prints the
  scenario's `states` one by one (the last one repeats).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def option(argv: list[str], name: str) -> str | None:
    return argv[argv.index(name) + 1] if name in argv else None


def main(argv: list[str]) -> int:
    state_file = Path(os.environ["FAKE_AZ_STATE"])
    state = json.loads(state_file.read_text())
    body_arg = option(argv, "--body")
    body = Path(body_arg[1:]).read_text() if body_arg and body_arg.startswith("@") else None
    with Path(os.environ["FAKE_AZ_LOG"]).open("a") as log:
        log.write(json.dumps({"argv": argv, "body": body}) + "\n")
    calls = state.setdefault("calls", {})
    command = " ".join(argv[:2])
    calls[command] = calls.get(command, 0) + 1
    answer, code = "", 0
    if command == "functionapp keys":
        if calls[command] < state["key_after"]:
            answer, code = "ERROR: the host is not running", 1
        else:
            answer = state["key"]
    elif command == "rest --method" and option(argv, "--method") == "put":
        code = state.get("put_exit_code", 0)
    elif "--query" in argv and option(argv, "--query") == "properties.provisioningState":
        states = state["states"]
        answer = states[min(state.get("state_calls", 0), len(states) - 1)]
        state["state_calls"] = state.get("state_calls", 0) + 1
    state_file.write_text(json.dumps(state))
    (sys.stderr if code else sys.stdout).write(answer + "\n" if answer else "")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
