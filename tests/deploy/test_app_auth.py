"""Easy Auth on Azure (infra/modules/app-auth.bicep) against the app and its registration:
on, refusing unauthenticated calls with 401, excluding exactly the app's anonymous paths and
the blobs webhook (as devhost's copy does), accepting only v2 tokens of this tenant for this
registration from allowed client applications (the registration itself, those listed, the
Azure CLI only when opted in), whose app roles are the ones the code checks; and the app told
to require a caller and to check the same issuer, audiences and clients itself. The exclusion
check is also run on lists with one path too many or too few."""

from __future__ import annotations

import json
import tomllib
import uuid
from collections import Counter
from typing import Any

import pytest

from shared.auth import ROLES as CODE_ROLES
from shared.config import SettingsError, load_settings
from tests.deploy import app_model, infra
from tests.deploy.evaluate import AZD, TENANT_ID, main_value
from tests.deploy.infra import INFRA, ROOT, is_literal

AUTH_MODULE = "modules/app-auth.bicep"
REGISTRATION = INFRA / "app-registration.json"
# Microsoft Azure CLI, a first-party client: allowed and pre-authorized (so that
# `az account get-access-token --resource api://<client id>` needs no consent prompt) only
# when AZURE_AUTH_ALLOW_AZURE_CLI opts in.
AZURE_CLI = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
CLIENT = AZD["authClientId"]
V2_ISSUER = "${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0"


def auth_settings() -> dict[str, Any]:
    (resource,) = infra.resources(AUTH_MODULE, "Microsoft.Web/sites/config").values()
    config: dict[str, Any] = resource["config"]
    assert config["name"] == "authsettingsV2"
    return config


def excluded_in_infra() -> list[str]:
    """globalValidation.excludedPaths as main.bicep passes them to the module."""
    assert auth_settings()["properties"]["globalValidation"]["excludedPaths"] == "excludedPaths"
    (module,) = infra.modules_of(AUTH_MODULE)
    paths = infra.resolve_main(infra.module_params(module)["excludedPaths"])
    assert isinstance(paths, list) and all(is_literal(path) for path in paths), paths
    return [str(path) for path in paths]


def excluded_in_devhost() -> list[str]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        paths: list[str] = tomllib.load(file)["tool"]["devhost"]["easy-auth-excluded-paths"]
    return paths


def exclusion_problems(excluded: list[str]) -> list[str]:
    """How `excluded` differs from the paths that must stay open: the app's anonymous routes,
    path by path, and the webhook of its Event Grid blob trigger."""
    expected = app_model.anonymous_paths() | app_model.webhook_paths()
    problems = [f"{path} is not excluded" for path in sorted(expected - set(excluded))]
    problems += [
        f"{path} is excluded but needs a token" for path in sorted(set(excluded) - expected)
    ]
    problems += [f"{path} is listed twice" for path, n in Counter(excluded).items() if n > 1]
    return problems


def registration() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(REGISTRATION.read_text("utf-8"))
    return document


def stable_id(kind: str, value: str) -> str:
    """How the registration's role and scope ids were made: fixed, so that assignments and
    grants survive every re-run of the preprovision hook."""
    return str(
        uuid.uuid5(uuid.NAMESPACE_URL, f"urn:azure-functions-orders-reference:{kind}:{value}")
    )


# --- Easy Auth -------------------------------------------------------------------------------


def test_easy_auth_is_on_for_the_function_app_and_refuses_unauthenticated_calls() -> None:
    settings = auth_settings()
    properties = settings["properties"]
    assert properties["platform"]["enabled"] is True
    validation = properties["globalValidation"]
    assert validation["requireAuthentication"] is True
    assert validation["unauthenticatedClientAction"] == "Return401"
    assert properties["httpSettings"]["requireHttps"] is True
    assert properties["login"]["tokenStore"]["enabled"] is False, "an API keeps no sessions"
    (site,) = infra.resources(AUTH_MODULE, "Microsoft.Web/sites").values()
    assert settings["parent"] == "app" and site["existing"] is True
    assert site["config"]["name"] == "appName"
    (module,) = infra.modules_of(AUTH_MODULE)
    assert infra.dotted(infra.module_params(module)["appName"]) == "functionApp.outputs.name"


def test_exactly_the_anonymous_paths_and_the_webhook_are_excluded() -> None:
    assert sorted(app_model.anonymous_paths()) == [
        "/api/health",
        "/api/openapi.json",
        "/api/upload",
        "/api/upload/upload.css",
        "/api/upload/upload.js",
    ]
    assert exclusion_problems(excluded_in_infra()) == []


def test_devhost_excludes_the_same_paths() -> None:
    assert exclusion_problems(excluded_in_devhost()) == []
    assert excluded_in_devhost() == excluded_in_infra()


def test_the_webhook_excluded_is_the_one_event_grid_is_given() -> None:
    hook = (ROOT / "scripts" / "postdeploy.sh").read_text("utf-8")
    assert f'"endpointUrl": "$SERVICE_API_URI{app_model.BLOBS_WEBHOOK}?' in hook
    assert app_model.BLOBS_WEBHOOK in excluded_in_infra()


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda paths: [p for p in paths if "webhooks" not in p], "/runtime/webhooks/blobs is not"),
        (lambda paths: [*paths, "/api/orders"], "/api/orders is excluded but needs a token"),
        (lambda paths: [*paths, "/api/health"], "/api/health is listed twice"),
        (
            lambda paths: (
                [p for p in paths if not p.startswith("/api/upload/")] + ["/api/upload/*"]
            ),
            "/api/upload/upload.js is not excluded",
        ),
    ],
    ids=["webhook-missing", "orders-open", "duplicate", "wildcard-instead-of-files"],
)
def test_the_exclusion_check_catches_a_wrong_list(change: Any, problem: str) -> None:
    problems = exclusion_problems(change(excluded_in_infra()))
    assert any(found.startswith(problem) for found in problems), problems


def easy_auth_value(name: str, parameters: dict[str, Any] | None = None) -> Any:
    """What main.bicep passes the Easy Auth module as `name`, evaluated."""
    (module,) = infra.modules_of(AUTH_MODULE)
    return main_value(infra.module_params(module)[name], parameters)


# Each authentication setting of the app and the function-app.bicep parameter it is set from.
APP_AUTH_SETTINGS = {
    "AUTH_ISSUER": "authIssuer",
    "AUTH_AUDIENCES": "authAudiences",
    "AUTH_ALLOWED_CLIENT_APPLICATIONS": "authAllowedClientApplications",
}


def app_setting(name: str, parameters: dict[str, Any] | None = None) -> str:
    """The app setting `name` as main.bicep computes it for the function app."""
    parameter = APP_AUTH_SETTINGS[name]
    assert str(infra.app_settings()[name]) == parameter
    (module,) = infra.modules_of("modules/function-app.bicep")
    return str(main_value(infra.module_params(module)[parameter], parameters))


def test_only_v2_tokens_of_this_tenant_for_this_registration_are_accepted() -> None:
    assert infra.variable(infra.MAIN, "authIssuer") == V2_ISSUER
    aad = auth_settings()["properties"]["identityProviders"]["azureActiveDirectory"]
    assert aad["enabled"] is True
    assert aad["registration"] == {"openIdIssuer": "openIdIssuer", "clientId": "clientId"}
    assert aad["validation"]["allowedAudiences"] == "allowedAudiences"
    issuer = f"https://login.microsoftonline.com/{TENANT_ID}/v2.0"
    assert easy_auth_value("openIdIssuer") == issuer
    assert easy_auth_value("allowedAudiences") == [CLIENT, f"api://{CLIENT}"]
    assert registration()["api"]["requestedAccessTokenVersion"] == 2
    assert registration()["signInAudience"] == "AzureADMyOrg"


def test_only_allowed_client_applications_get_through_easy_auth() -> None:
    aad = auth_settings()["properties"]["identityProviders"]["azureActiveDirectory"]
    policy = aad["validation"]["defaultAuthorizationPolicy"]
    assert policy == {"allowedApplications": "allowedApplications"}
    parameter = infra.parse(AUTH_MODULE)["parameters"]["allowedApplications"]
    assert {"type": "min_length", "argument": 1} in parameter["decorators"]  # never "any client"


@pytest.mark.parametrize(
    ("parameters", "allowed"),
    [
        ({}, [CLIENT]),
        ({"authAllowAzureCli": True}, [CLIENT, AZURE_CLI]),
        (
            {"authAllowedClientApplications": "spa-1, daemon-2", "authAllowAzureCli": False},
            [CLIENT, "spa-1", "daemon-2"],
        ),
        ({"authAllowedClientApplications": CLIENT}, [CLIENT]),
    ],
    ids=["default", "azure-cli-opt-in", "listed", "no-duplicates"],
)
def test_easy_auth_and_the_app_allow_the_same_clients(
    parameters: dict[str, Any], allowed: list[str]
) -> None:
    """One parameter feeds both locks: allowedApplications and AUTH_ALLOWED_CLIENT_APPLICATIONS;
    the Azure CLI is on neither unless opted in."""
    assert easy_auth_value("allowedApplications", parameters) == allowed
    assert app_setting("AUTH_ALLOWED_CLIENT_APPLICATIONS", parameters).split(",") == allowed


def test_the_app_checks_the_issuer_and_audiences_easy_auth_checks() -> None:
    assert app_setting("AUTH_ISSUER") == easy_auth_value("openIdIssuer")
    assert app_setting("AUTH_AUDIENCES").split(",") == easy_auth_value("allowedAudiences")
    auth = load_settings(infra.deployed_settings()).auth
    assert auth.required and auth.issuer == easy_auth_value("openIdIssuer")
    assert auth.allowed_clients == {CLIENT}


def test_the_smoke_test_learns_the_allowed_clients_from_the_same_list() -> None:
    outputs = infra.parse(infra.MAIN)["outputs"]
    assert main_value(outputs["AZURE_AUTH_ALLOWED_CLIENTS"]["value"]) == CLIENT
    with_cli = main_value(
        outputs["AZURE_AUTH_ALLOWED_CLIENTS"]["value"], {"authAllowAzureCli": True}
    )
    assert with_cli == f"{CLIENT},{AZURE_CLI}"


def test_the_azure_cli_opt_in_comes_from_azd_and_is_off_by_default() -> None:
    parameters = json.loads((INFRA / "main.parameters.json").read_text("utf-8"))["parameters"]
    assert parameters["authAllowAzureCli"] == {"value": "${AZURE_AUTH_ALLOW_AZURE_CLI=false}"}
    assert parameters["authAllowedClientApplications"] == {
        "value": "${AZURE_AUTH_ALLOWED_CLIENT_APPLICATIONS=}"
    }
    assert infra.parse(infra.MAIN)["parameters"]["authAllowAzureCli"]["default"] is False


def test_on_azure_authentication_cannot_be_turned_off_by_a_setting() -> None:
    deployed = infra.deployed_settings()
    with pytest.raises(SettingsError, match="AUTH_REQUIRED must not be false on Azure"):
        load_settings(deployed | {"AUTH_REQUIRED": "false"})


def test_the_client_id_comes_from_the_preprovision_hook_through_azd() -> None:
    (module,) = infra.modules_of(AUTH_MODULE)
    assert infra.module_params(module)["clientId"] == "authClientId"
    parameter = infra.parse(infra.MAIN)["parameters"]["authClientId"]
    decorators = {d["type"]: d.get("argument") for d in parameter["decorators"]}
    assert parameter["default"] is None, "no default: provisioning without a registration fails"
    assert decorators["min_length"] == decorators["max_length"] == 36  # a GUID
    parameters = json.loads((INFRA / "main.parameters.json").read_text("utf-8"))["parameters"]
    assert parameters["authClientId"] == {"value": "${AZURE_AUTH_CLIENT_ID}"}
    assert infra.parse(infra.MAIN)["outputs"]["AZURE_AUTH_CLIENT_ID"]["value"] == "authClientId"


def test_the_app_is_told_to_require_a_caller() -> None:
    assert infra.deployed_settings()["AUTH_REQUIRED"] == "true"


# --- the app registration --------------------------------------------------------------------


def test_the_registration_has_the_app_roles_the_code_checks() -> None:
    roles = registration()["appRoles"]
    assert {role["value"] for role in roles} == set(CODE_ROLES)
    assert len(roles) == len(set(CODE_ROLES))
    for role in roles:
        assert role["id"] == stable_id("app-role", role["value"])
        assert sorted(role["allowedMemberTypes"]) == ["Application", "User"]
        assert role["isEnabled"] is True
        assert role["displayName"] and role["description"]


def test_no_client_is_pre_authorized_by_default() -> None:
    """The preprovision hook adds the Azure CLI's pre-authorization only with
    AZURE_AUTH_ALLOW_AZURE_CLI (tests/deploy/test_preprovision_hook.py)."""
    api = registration()["api"]
    (scope,) = api["oauth2PermissionScopes"]
    assert scope["value"] == "user_impersonation" and scope["type"] == "User"
    assert scope["id"] == stable_id("scope", "user_impersonation") and scope["isEnabled"] is True
    assert api["preAuthorizedApplications"] == []
    assert registration()["azureCliAppId"] == AZURE_CLI
