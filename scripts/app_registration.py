"""azd preprovision hook: the Entra ID app registration whose tokens Easy Auth accepts.

Run by scripts/preprovision.sh (and its pwsh twin) before every `azd provision`. It creates,
or brings up to date, the registration described in infra/app-registration.json:

1. the application: `az ad app create` the first time (single tenant), and its client id is
   saved at once with `azd env set AZURE_AUTH_CLIENT_ID`, which main.parameters.json passes to
   infra/ (authClientId). Later runs find it by that value and create nothing;
2. its identifier URI `api://<client id>`, its app roles (the roles the code checks), v2
   access tokens, and a `user_impersonation` scope; with `AZURE_AUTH_ALLOW_AZURE_CLI=true`
   (dev environments only; infra then also lets the Azure CLI through Easy Auth and the app),
   the Azure CLI is pre-authorized for that scope, so that
   `az account get-access-token --resource api://<client id>` works without a consent prompt
   (scripts/smoke.py can use it); without it, no client is pre-authorized, and a run removes an
   earlier pre-authorization. Two Graph PATCHes through `az rest`, because a pre-authorization
   may only name a scope that already exists;
3. its service principal, which role assignments and token issuance need.

Every step sets the whole desired state, so running it again is safe. The signed-in identity
needs to be allowed to register applications (docs/deploy.md, "The app registration").
Standard library only; checked offline by tests/deploy/test_preprovision_hook.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[1]
REGISTRATION = ROOT / "infra" / "app-registration.json"
CLIENT_ID_SETTING = "AZURE_AUTH_CLIENT_ID"
ALLOW_AZURE_CLI_SETTING = "AZURE_AUTH_ALLOW_AZURE_CLI"
GRAPH_APPLICATIONS = "https://graph.microsoft.com/v1.0/applications"
# Tries of each step right after creating the application (5 s apart by default).
ATTEMPTS = int(os.environ.get("APP_REGISTRATION_ATTEMPTS", "12"))
INSTALL = {"az": "https://aka.ms/azure-cli", "azd": "https://aka.ms/azure-dev/install"}


class HookFailure(Exception):
    """A step failed; the message says which and what to do."""


def say(message: str) -> None:
    sys.stdout.write(f"preprovision: {message}\n")
    sys.stdout.flush()


def run(tool: str, *args: str) -> str:
    """One az or azd command; its output, stripped. Raises HookFailure if it fails."""
    path = shutil.which(tool)
    if path is None:
        raise HookFailure(f"{tool} is required: {INSTALL[tool]}")
    done = subprocess.run(  # noqa: S603 - fixed arguments, the tool from PATH
        [path, *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise HookFailure(f"{tool} {' '.join(args[:3])} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def retrying(what: str, attempts: int, step: Callable[..., T], *args: str) -> T:
    """`step(*args)`, tried up to `attempts` times: a new application takes a few seconds to
    reach every Entra ID replica, and until then Graph answers as if it did not exist."""
    pause = float(os.environ.get("APP_REGISTRATION_PAUSE_SECONDS", "5"))
    attempt = 1
    while True:
        try:
            return step(*args)
        except HookFailure:
            if attempt >= attempts:
                raise
            say(f"{what}: not yet ({attempt}/{attempts})")
            attempt += 1
            time.sleep(pause)


def patch(object_id: str, body: str) -> None:
    """PATCH the application; the body goes through a file, never the command line."""
    with tempfile.TemporaryDirectory() as directory:
        file = Path(directory) / "body.json"
        file.write_text(body, "utf-8")
        run(
            "az",
            "rest",
            "--method",
            "patch",
            "--uri",
            f"{GRAPH_APPLICATIONS}/{object_id}",
            "--headers",
            "Content-Type=application/json",
            "--body",
            f"@{file}",
        )


def object_id_of(client_id: str) -> str:
    return run("az", "ad", "app", "show", "--id", client_id, "--query", "id", "--output", "tsv")


def find_or_create(registration: dict[str, Any], env_name: str) -> tuple[str, str, bool]:
    """(client id, object id, created) of the environment's registration, made if it has none."""
    client_id = os.environ.get(CLIENT_ID_SETTING, "").strip()
    if client_id:
        try:
            return client_id, object_id_of(client_id), False
        except HookFailure as failure:
            raise HookFailure(
                f"{CLIENT_ID_SETTING}={client_id} names no app registration this login can "
                f"read ({failure}). Sign in to its tenant, or run "
                f"`azd env set {CLIENT_ID_SETTING} ''` to create a new one."
            ) from failure
    name = f"{registration['displayNamePrefix']}-{env_name}"
    say(f"creating app registration {name}")
    client_id = run(
        "az",
        "ad",
        "app",
        "create",
        "--display-name",
        name,
        "--sign-in-audience",
        registration["signInAudience"],
        "--query",
        "appId",
        "--output",
        "tsv",
    )
    # Saved before anything else can fail, so that the next run updates this one.
    try:
        run("azd", "env", "set", CLIENT_ID_SETTING, client_id)
    except HookFailure as failure:
        raise HookFailure(
            f"created {client_id} but could not save it: run "
            f"`azd env set {CLIENT_ID_SETTING} {client_id}` ({failure})"
        ) from failure
    return client_id, retrying("the new registration", ATTEMPTS, object_id_of, client_id), True


def allows_azure_cli() -> bool:
    """The opt-in, as azd passes its environment (`azd env set AZURE_AUTH_ALLOW_AZURE_CLI true`)."""
    return os.environ.get(ALLOW_AZURE_CLI_SETTING, "").strip().lower() in ("true", "1", "yes")


def desired_state(registration: dict[str, Any], client_id: str, *, azure_cli: bool) -> list[str]:
    """The PATCH bodies, in order: the scope must exist before a pre-authorization names it."""
    api = dict(registration["api"])
    if azure_cli:
        scopes = [scope["id"] for scope in api["oauth2PermissionScopes"]]
        cli = {"appId": registration["azureCliAppId"], "delegatedPermissionIds": scopes}
        api["preAuthorizedApplications"] = [*api["preAuthorizedApplications"], cli]
    bodies: list[dict[str, Any]] = [
        {
            "identifierUris": [f"api://{client_id}"],
            "appRoles": registration["appRoles"],
            "api": {
                "requestedAccessTokenVersion": api["requestedAccessTokenVersion"],
                "oauth2PermissionScopes": api["oauth2PermissionScopes"],
            },
        },
        {"api": api},
    ]
    return [json.dumps(body) for body in bodies]


def ensure_service_principal(client_id: str) -> None:
    try:
        run("az", "ad", "sp", "show", "--id", client_id, "--query", "id", "--output", "tsv")
    except HookFailure:
        say("creating its service principal")
        run("az", "ad", "sp", "create", "--id", client_id, "--query", "id", "--output", "tsv")


def main() -> int:
    try:
        env_name = os.environ.get("AZURE_ENV_NAME", "").strip()
        if not env_name:
            raise HookFailure("AZURE_ENV_NAME is not set: run this through azd (azd provision)")
        registration = json.loads(REGISTRATION.read_text("utf-8"))
        client_id, object_id, created = find_or_create(registration, env_name)
        attempts = ATTEMPTS if created else 1
        azure_cli = allows_azure_cli()
        for body in desired_state(registration, client_id, azure_cli=azure_cli):
            retrying("updating the registration", attempts, patch, object_id, body)
        retrying("its service principal", attempts, ensure_service_principal, client_id)
    except HookFailure as failure:
        sys.stderr.write(f"preprovision: {failure}\n")
        return 1
    roles = ", ".join(role["value"] for role in registration["appRoles"])
    say(f"app registration {client_id} (api://{client_id}) is up to date; app roles: {roles}")
    if azure_cli:
        say(f"the Azure CLI is pre-authorized and allowed to call ({ALLOW_AZURE_CLI_SETTING})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
