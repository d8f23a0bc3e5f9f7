"""The azd template's own rules, checked on the parsed Bicep, azure.yaml and parameters file:
Flex Consumption configured through functionAppConfig and nothing it refuses, keyless storage
and monitoring, commented role assignments, and every value the hooks read provisioned."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy import infra
from tests.deploy.infra import INFRA, ROOT, is_literal

# Settings and site properties Flex Consumption deprecates or refuses ("Flex Consumption plan
# deprecations" in Microsoft's app settings reference; docs/deploy.md).
FLEX_REFUSED_SETTINGS = frozenset(
    {
        "FUNCTIONS_WORKER_RUNTIME",
        "FUNCTIONS_WORKER_RUNTIME_VERSION",
        "FUNCTIONS_EXTENSION_VERSION",
        "FUNCTIONS_WORKER_PROCESS_COUNT",
        "FUNCTIONS_MAX_HTTP_CONCURRENCY",
        "WEBSITE_RUN_FROM_PACKAGE",
        "SCM_DO_BUILD_DURING_DEPLOYMENT",
        "ENABLE_ORYX_BUILD",
        "WEBSITE_CONTENTSHARE",
        "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
        "WEBSITE_SKIP_CONTENTSHARE_VALIDATION",
        "WEBSITE_NODE_DEFAULT_VERSION",
        "WEBSITE_MAX_DYNAMIC_APPLICATION_SCALE_OUT",
        "WEBSITE_VNET_ROUTE_ALL",
        "WEBSITE_CONTENTOVERVNET",
        "AzureWebJobsStorage",
    }
)
FLEX_REFUSED_SITE_CONFIG = frozenset(
    {
        "linuxFxVersion",
        "windowsFxVersion",
        "alwaysOn",
        "functionAppScaleLimit",
        "minimumElasticInstanceCount",
        "preWarmedInstanceCount",
        "use32BitWorkerProcess",
        "netFrameworkVersion",
        "javaVersion",
        "powerShellVersion",
        "functionsRuntimeScaleMonitoringEnabled",
    }
)


def refused_on_flex(site: dict[str, Any]) -> list[str]:
    site_config = site["properties"]["siteConfig"]
    names = {setting["name"] for setting in infra.listed_app_settings(site_config)}
    return sorted((names & FLEX_REFUSED_SETTINGS) | (site_config.keys() & FLEX_REFUSED_SITE_CONFIG))


@pytest.mark.parametrize("path", infra.bicep_files(), ids=lambda path: path.name)
def test_every_bicep_file_parses(path: Path) -> None:
    parsed = infra.parse(str(path.relative_to(INFRA)))
    assert parsed.get("resources") or parsed.get("modules")


def test_resources_are_declared_directly_not_through_registry_modules() -> None:
    for path in infra.bicep_files():
        text = path.read_text("utf-8")
        assert not re.search(r"'(br|ts)[:/]", text), path
        for name, module in infra.parse(str(path.relative_to(INFRA))).get("modules", {}).items():
            assert module["type"] == "local", (path.name, name)
            assert (path.parent / module["detail"]["path"]).is_file(), (path.name, name)


def test_the_app_runs_on_flex_consumption_configured_by_function_app_config() -> None:
    (plan,) = infra.resources("modules/function-app.bicep", "Microsoft.Web/serverfarms").values()
    assert plan["config"]["sku"] == {"tier": "FlexConsumption", "name": "FC1"}
    site = infra.function_app()
    assert site["kind"] == "functionapp,linux" and site["properties"]["httpsOnly"] is True
    config = site["properties"]["functionAppConfig"]
    assert config["runtime"] == {"name": "python", "version": "pythonVersion"}
    storage = config["deployment"]["storage"]
    assert storage["type"] == "blobContainer"
    assert storage["value"] == "${storageBlobEndpoint}${deploymentContainerName}"
    assert storage["authentication"] == {
        "type": "UserAssignedIdentity",
        "userAssignedIdentityResourceId": "identityId",
    }
    scale = config["scaleAndConcurrency"]["function"]["parameters"]["arg_1"]
    assert scale == {
        "maximumInstanceCount": "maximumInstanceCount",
        "instanceMemoryMB": "instanceMemoryMB",
        "triggers": {"http": {"perInstanceConcurrency": "httpPerInstanceConcurrency"}},
    }
    assert not any(is_literal(value) for value in scale.values()), "scale comes from parameters"
    assert site["identity"] == {
        "type": "UserAssigned",
        "userAssignedIdentities": {"'${identityId}'": {}},
    }


def test_the_python_version_is_set_in_one_place() -> None:
    (module,) = infra.modules_of("modules/function-app.bicep")
    assert infra.module_params(module)["pythonVersion"] == "pythonVersion"
    parameter = infra.parse(infra.MAIN)["parameters"]["pythonVersion"]
    assert is_literal(parameter["default"])
    allowed = next(d["argument"] for d in parameter["decorators"] if d["type"] == "allowed")
    assert parameter["default"] in allowed
    versions = [
        path.name for path in infra.bicep_files() if re.search(r"'3\.1\d'", path.read_text("utf-8"))
    ]
    assert versions == ["main.bicep"]


def test_no_setting_or_property_that_flex_consumption_refuses() -> None:
    assert refused_on_flex(infra.function_app()) == []


@pytest.mark.parametrize(
    "added",
    [
        {"appSettings": [{"name": "FUNCTIONS_WORKER_RUNTIME", "value": "python"}]},
        {"linuxFxVersion": "Python|3.11"},
        {"appSettings": [{"name": "WEBSITE_RUN_FROM_PACKAGE", "value": "1"}]},
    ],
)
def test_the_flex_check_catches_a_refused_setting(added: dict[str, Any]) -> None:
    site = infra.function_app()
    site_config = dict(site["properties"]["siteConfig"])
    for key, value in added.items():
        listed = infra.listed_app_settings(site_config)
        site_config[key] = listed + value if key == "appSettings" else value
    broken = {**site, "properties": {**site["properties"], "siteConfig": site_config}}
    assert refused_on_flex(broken) != []


def test_deployments_use_entra_id_not_publishing_passwords() -> None:
    policies = infra.resources("modules/function-app.bicep", "basicPublishingCredentialsPolicies")
    assert sorted(
        (p["config"]["name"], p["config"]["properties"]["allow"]) for p in policies.values()
    ) == [("ftp", False), ("scm", False)]


def test_storage_takes_no_keys_and_no_anonymous_reads() -> None:
    (account,) = infra.resources("modules/storage.bicep", "Microsoft.Storage/storageAccounts")
    properties = infra.resources("modules/storage.bicep", "storageAccounts")[account]["config"][
        "properties"
    ]
    assert properties["allowSharedKeyAccess"] is False
    assert properties["allowBlobPublicAccess"] is False
    assert properties["minimumTlsVersion"] == "TLS1_2"
    assert properties["supportsHttpsTrafficOnly"] is True
    assert properties["defaultToOAuthAuthentication"] is True
    (containers,) = infra.resources("modules/storage.bicep", "/containers").values()
    assert containers["config"]["config"]["properties"] == {"publicAccess": "None"}


def test_monitoring_accepts_entra_id_only() -> None:
    (insights,) = infra.resources("modules/monitoring.bicep", "Microsoft.Insights/components")
    components = infra.resources("modules/monitoring.bicep", "Microsoft.Insights/components")
    assert components[insights]["config"]["properties"]["DisableLocalAuth"] is True
    (workspace,) = infra.resources("modules/monitoring.bicep", "workspaces").values()
    assert workspace["config"]["properties"]["features"] == {"disableLocalAuth": True}
    settings = infra.deployed_settings()
    assert settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] == (
        f"ClientId={settings['AzureWebJobsStorage__clientId']};Authorization=AAD"
    )


def test_every_role_assignment_says_who_needs_it() -> None:
    """Each role id in a roles list, and each role assignment resource, comes after a comment."""
    for path in infra.bicep_files():
        lines = path.read_text("utf-8").splitlines()
        for number, line in enumerate(lines):
            role_line = re.fullmatch(r"\s*'[0-9a-f-]{36}'\s*", line)
            assignment = "Microsoft.Authorization/roleAssignments" in line
            if role_line or assignment:
                assert lines[number - 1].strip().startswith("//"), f"{path.name}:{number + 1}"


def test_developer_data_roles_are_optional() -> None:
    main = infra.parse(infra.MAIN)
    assert main["parameters"]["developerPrincipalId"]["default"] == ""
    assert "condition" in main["modules"]["developerStorageRoles"]["config"]
    assert infra.principal_of("developerStorageRoles") == "developerPrincipalId"


def test_the_paging_secret_is_generated_long_and_never_defaulted() -> None:
    from shared import settings_rules

    parameter = infra.parse(infra.MAIN)["parameters"]["pagingTokenSecret"]
    decorators = {d["type"]: d.get("argument") for d in parameter["decorators"]}
    assert "secure" in decorators and parameter["default"] is None
    assert decorators["min_length"] >= settings_rules.MIN_PAGING_SECRET
    assert decorators["metadata"]["azd"]["type"] == "generate"
    assert decorators["metadata"]["azd"]["config"]["length"] >= decorators["min_length"]


def test_hooks_and_smoke_script_read_only_values_the_template_outputs() -> None:
    outputs = set(infra.parse(infra.MAIN)["outputs"])
    hook = (ROOT / "scripts" / "postdeploy.sh").read_text("utf-8")
    needed = set(
        re.findall(r"\b[A-Z][A-Z_]+[A-Z]\b", hook.split("for name in ")[1].split("; do")[0])
    )
    smoke = (ROOT / "scripts" / "smoke.py").read_text("utf-8")
    needed |= set(re.findall(r'azd_value\("([A-Z_]+)"\)', smoke))
    azd_sets = {"AZURE_SUBSCRIPTION_ID", "AZURE_ENV_NAME"}  # azd's own environment values
    assert needed - azd_sets <= outputs, sorted(needed - azd_sets - outputs)
    assert len(needed) >= 9


def test_azure_yaml_deploys_this_folder_as_the_function_app() -> None:
    document = yaml.safe_load((ROOT / "azure.yaml").read_text("utf-8"))
    ((service_name, service),) = document["services"].items()
    assert service == {"project": ".", "language": "python", "host": "function"}
    assert (ROOT / "function_app.py").is_file() and (ROOT / "host.json").is_file()
    (module,) = infra.modules_of("modules/function-app.bicep")
    tags = infra.module_params(module)["tags"]["function"]["parameters"]["arg_2"]
    assert tags == {"'azd-service-name'": service_name}, "azd finds the app by this tag"
    hook = document["hooks"]["postdeploy"]
    assert hook["posix"]["shell"] == "sh" and hook["windows"]["shell"] == "pwsh"
    for script in (hook["posix"]["run"], hook["windows"]["run"]):
        assert (ROOT / script).is_file(), script
    assert (ROOT / hook["posix"]["run"]).stat().st_mode & 0o111, "the sh hook is not executable"


def test_parameters_file_leaves_the_secret_to_azd() -> None:
    document = json.loads((INFRA / "main.parameters.json").read_text("utf-8"))
    parameters = document["parameters"]
    assert parameters["environmentName"] == {"value": "${AZURE_ENV_NAME}"}
    assert parameters["location"] == {"value": "${AZURE_LOCATION}"}
    assert set(parameters) <= set(infra.parse(infra.MAIN)["parameters"])
    assert "pagingTokenSecret" not in parameters, "azd generates it only when no value is given"


def test_local_and_azd_files_stay_out_of_the_package_and_the_repository() -> None:
    ignored = set((ROOT / ".funcignore").read_text("utf-8").split())
    assert {"infra", "azure.yaml", ".azure", "scripts", "tests"} <= ignored
    assert ".azure/" in (ROOT / ".gitignore").read_text("utf-8").split()
