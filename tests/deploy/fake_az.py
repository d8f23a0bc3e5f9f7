"""A stand-in for the Azure CLI (and azd), for running the hooks and the smoke test offline.

It answers the few commands they use from a scenario file (FAKE_AZ_STATE) and appends every
call, with the request body it was given, to a log (FAKE_AZ_LOG).

The postdeploy hook's:

- `rest --method get --skip-authorization-header --uri <app>/api/health`: succeeds;
- `functionapp keys list ... --query systemKeys.blobs_extension`: fails until the scenario's
  `key_after`-th call, then prints the scenario's key;
- `rest --method put --uri <subscription> --body @file`: records the body;
- `rest --method get --uri <subscription> --query properties.provisioningState`: prints the
  scenario's `states` one by one (the last one repeats).

The preprovision hook's, over the scenario's `apps` (client id -> object id) and
`service_principals` (client ids):

- `ad app show --id <client id>`: its object id, or fails as for an unknown application;
- `ad app create ...`: adds `new_app` (`[client id, object id]`) and prints its client id, or
  fails when `create_fails` is set;
- `rest --method patch --uri <graph>/applications/<object id> --body @file`: records the body;
  fails for an unknown object id, and the first `patch_failures` times;
- `ad sp show --id` / `ad sp create --id`: finds / adds the service principal;
- azd's `env set NAME VALUE`: stored in the scenario's `azd_env`.

The smoke test's `account get-access-token ...`: prints the scenario's `token`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

UNKNOWN = (
    "ERROR: Resource '{}' does not exist or one of its queried reference-property objects "
    "are not present."
)


def option(argv: list[str], name: str) -> str | None:
    return argv[argv.index(name) + 1] if name in argv else None


def postdeploy(argv: list[str], state: dict[str, Any], calls: dict[str, int]) -> tuple[str, int]:
    command = " ".join(argv[:2])
    if command == "functionapp keys":
        if calls[command] < state["key_after"]:
            return "ERROR: the host is not running", 1
        return state["key"], 0
    if command == "rest --method" and option(argv, "--method") == "put":
        return "", state.get("put_exit_code", 0)
    if "--query" in argv and option(argv, "--query") == "properties.provisioningState":
        states = state["states"]
        answer = states[min(state.get("state_calls", 0), len(states) - 1)]
        state["state_calls"] = state.get("state_calls", 0) + 1
        return answer, 0
    return "", 0


def registration(argv: list[str], state: dict[str, Any]) -> tuple[str, int] | None:
    """The preprovision hook's commands; None for any other command."""
    apps: dict[str, str] = state.setdefault("apps", {})
    principals: list[str] = state.setdefault("service_principals", [])
    command, target = " ".join(argv[:3]), option(argv, "--id")
    if command == "ad app show":
        return (apps[target], 0) if target in apps else (UNKNOWN.format(target), 3)
    if command == "ad app create":
        if state.get("create_fails"):
            return "ERROR: Insufficient privileges to complete the operation.", 1
        client_id, object_id = state["new_app"]
        apps[client_id] = object_id
        return client_id, 0
    if command == "ad sp show":
        return (f"sp-{target}", 0) if target in principals else (UNKNOWN.format(target), 3)
    if command == "ad sp create":
        principals.append(str(target))
        return f"sp-{target}", 0
    if argv[:3] == ["rest", "--method", "patch"]:
        object_id = str(option(argv, "--uri")).rsplit("/", 1)[-1]
        if state.get("patch_failures", 0) > 0:
            state["patch_failures"] -= 1
            return UNKNOWN.format(object_id), 1
        return ("", 0) if object_id in apps.values() else (UNKNOWN.format(object_id), 1)
    return None


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
    if argv[:2] == ["env", "set"]:  # azd
        state.setdefault("azd_env", {})[argv[2]] = argv[3]
        answer, code = "", 0
    elif argv[:2] == ["account", "get-access-token"]:
        answer, code = state["token"], 0
    else:
        answer, code = registration(argv, state) or postdeploy(argv, state, calls)
    state_file.write_text(json.dumps(state))
    (sys.stderr if code else sys.stdout).write(answer + "\n" if answer else "")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
