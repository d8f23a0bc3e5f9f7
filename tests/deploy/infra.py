"""What infra/ provisions, read from the Bicep files with pycep (the parser checkov uses).

pycep gives identifiers as `BicepElement` (a str subclass) and literals as plain `str`, so a
value here is a literal only when `type(value) is str`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pycep import BicepParser
from pycep.transformer import BicepElement

if TYPE_CHECKING:
    from collections.abc import Mapping

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
MAIN = "main.bicep"
# Built-in role definition ids (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
BLOB_DATA_OWNER = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b"
BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
QUEUE_DATA_CONTRIBUTOR = "974c5e8b-45b9-4653-ba55-5f855dd0fb88"
TABLE_DATA_CONTRIBUTOR = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"
MONITORING_METRICS_PUBLISHER = "3913510d-42f4-4e42-8a64-420c390055eb"
_INTERPOLATION = re.compile(r"\$\{[^}]*\}")


def bicep_files() -> list[Path]:
    return sorted(INFRA.rglob("*.bicep"))


@cache
def parse(relative: str) -> Mapping[str, Any]:
    """One Bicep file of infra/, parsed (read-only: it is cached)."""
    # pycep types the tree as its own TypedDicts; these helpers read it as the JSON it is.
    document: Mapping[str, Any] = BicepParser().parse(text=(INFRA / relative).read_text("utf-8"))
    return document


def is_literal(value: object) -> bool:
    return type(value) is str


def pattern(value: str) -> str:
    """A literal name, with each `${...}` interpolation read as a wildcard `*`."""
    return _INTERPOLATION.sub("*", value)


def module_file(name: str) -> str:
    """The file of module `name` of main.bicep, relative to infra/."""
    return str(parse(MAIN)["modules"][name]["detail"]["path"])


def module_config(name: str) -> dict[str, Any]:
    """The body of module `name` of main.bicep (inside its `if`, for a conditional one)."""
    config: dict[str, Any] = parse(MAIN)["modules"][name]["config"]
    return config["config"] if "condition" in config else config


def module_params(name: str) -> dict[str, Any]:
    params: dict[str, Any] = module_config(name)["params"]
    return params


def modules_of(path: str) -> list[str]:
    """The main.bicep modules that deploy file `path`."""
    return [name for name in parse(MAIN)["modules"] if module_file(name) == path]


def variable(relative: str, name: str) -> Any:
    return parse(relative)["variables"][name]["value"]


def resolve_main(value: Any) -> Any:
    """A main.bicep expression with its variable references replaced by their values."""
    variables = parse(MAIN)["variables"]
    if isinstance(value, BicepElement) and str(value) in variables:
        return resolve_main(variables[str(value)]["value"])
    if isinstance(value, list):
        return [resolve_main(item) for item in value]
    return value


def resources(relative: str, type_suffix: str) -> dict[str, dict[str, Any]]:
    """The resources of a file whose type ends with `type_suffix`."""
    return {
        name: resource
        for name, resource in parse(relative).get("resources", {}).items()
        if resource["type"].endswith(type_suffix)
    }


@dataclass(frozen=True)
class StorageNames:
    """Names created in the storage account, as literals or `*` patterns."""

    tables: frozenset[str]
    queues: frozenset[str]
    containers: frozenset[str]


def _looped_names(type_suffix: str, module: str) -> frozenset[str]:
    """The names storage.bicep creates in a loop, followed back to main.bicep's list (the
    uploads account's module passes its lists on to storage.bicep under the same names)."""
    (resource,) = resources("modules/storage.bicep", type_suffix).values()
    array_param = resource["config"]["loop_type"]["detail"]["array_name"]
    values = resolve_main(module_params(module)[array_param])
    assert isinstance(values, list), f"{module}.{array_param} is not a list in main.bicep"
    assert all(is_literal(value) for value in values), values
    return frozenset(pattern(value) for value in values)


# The main.bicep modules of the app's two accounts: the host's (AzureWebJobsStorage) and the
# uploads account (UploadsStorage).
HOST_ACCOUNT, UPLOADS_ACCOUNT = "storage", "uploads"


def account_names(module: str) -> StorageNames:
    """What main.bicep's module `module` creates in its account."""
    return StorageNames(
        tables=_looped_names("/tableServices/tables", module),
        queues=_looped_names("/queueServices/queues", module),
        containers=_looped_names("/blobServices/containers", module),
    )


def storage_names() -> StorageNames:
    """What the app's two accounts hold together."""
    assert modules_of("modules/storage.bicep") == [HOST_ACCOUNT]
    assert modules_of("modules/uploads-account.bicep") == [UPLOADS_ACCOUNT]
    host, uploads = account_names(HOST_ACCOUNT), account_names(UPLOADS_ACCOUNT)
    return StorageNames(
        tables=host.tables | uploads.tables,
        queues=host.queues | uploads.queues,
        containers=host.containers | uploads.containers,
    )


def function_app() -> dict[str, Any]:
    """The Microsoft.Web/sites resource's config."""
    (site,) = resources("modules/function-app.bicep", "Microsoft.Web/sites").values()
    config: dict[str, Any] = site["config"]
    return config


def app_settings() -> dict[str, Any]:
    """Name -> value expression of every app setting the infra sets: function-app.bicep's
    list, then main.bicep's `orderSettings` as the default deployment (one queue, one
    account) gets them (tests/deploy/test_order_accounts.py checks the expressions)."""
    listed = listed_app_settings(function_app()["properties"]["siteConfig"])
    return {setting["name"]: setting["value"] for setting in listed} | default_order_settings()


def listed_app_settings(site_config: dict[str, Any]) -> list[dict[str, Any]]:
    """The settings function-app.bicep lists itself: `appSettings` is that list concatenated
    with the `orderSettings` parameter (a plain list in a test's altered copy)."""
    settings = site_config.get("appSettings", [])
    if isinstance(settings, list):
        return settings
    concat = settings["function"]
    assert concat["type"] == "concat", "appSettings is the list concatenated with orderSettings"
    listed, extra = concat["parameters"]["arg_1"], concat["parameters"]["arg_2"]
    assert extra == "orderSettings", extra
    return list(listed)


def default_order_settings() -> dict[str, str]:
    """`orderSettings` of main.bicep with its parameters' defaults."""
    parameters = parse(MAIN)["parameters"]
    queues = parameters["orderEventQueues"]["default"]
    accounts = parameters["orderStorageAccounts"]["default"]
    assert accounts == 1, "the default deployment is the one-account path"
    return {"ORDER_EVENT_QUEUES": str(queues), "ORDER_STORAGE_CONNECTIONS": "AzureWebJobsStorage"}


def storage_roles_of(module: str) -> set[str]:
    """Role ids a storage-roles module grants."""
    roles = variable(module_file(module), "roles")
    return {str(role) for role in roles}


def dotted(expression: Any) -> str:
    """`identity.outputs.principalId` for pycep's nested property accessors."""
    if isinstance(expression, dict) and "operator" in expression:
        operator = expression["operator"]
        if operator["type"] == "property_accessor":
            operands = operator["operands"]
            return f"{dotted(operands['operand_1'])}.{dotted(operands['operand_2'])}"
    return str(expression)


def principal_of(module: str) -> str:
    return dotted(module_params(module)["principalId"])


# What ARM computes at deployment time, in the shape it will have.
DEPLOYMENT_OUTPUTS = {
    "storageBlobEndpoint": "https://stexample.blob.core.windows.net/",
    "storageQueueEndpoint": "https://stexample.queue.core.windows.net/",
    "storageTableEndpoint": "https://stexample.table.core.windows.net/",
    "uploadsBlobEndpoint": "https://stexampleup.blob.core.windows.net/",
    "uploadsQueueEndpoint": "https://stexampleup.queue.core.windows.net/",
    "uploadsTableEndpoint": "https://stexampleup.table.core.windows.net/",
    "identityClientId": "00000000-0000-0000-0000-0000000000c1",
    "applicationInsightsConnectionString": (
        "InstrumentationKey=00000000-0000-0000-0000-0000000000a1;"
        "IngestionEndpoint=https://example.in.applicationinsights.azure.com/"
    ),
}


def _azd_generated(parameter: dict[str, Any]) -> str | None:
    """What `azd provision` generates for a parameter with azd `generate` metadata."""
    for decorator in parameter["decorators"]:
        if decorator["type"] != "metadata":
            continue
        azd = decorator["argument"].get("azd", {})
        if azd.get("type") == "generate":
            return "g" * int(azd["config"]["length"])
    return None


def deployed_value(expression: Any) -> str:
    """The value an app setting expression of function-app.bicep gets with main.bicep's
    defaults, azd's generated values and placeholders for what ARM computes."""
    if is_literal(expression):
        return _INTERPOLATION.sub(
            lambda match: deployed_value(BicepElement(match.group(0)[2:-1])), expression
        )
    if isinstance(expression, dict) and expression.get("function", {}).get("type") == "string":
        return deployed_value(expression["function"]["parameters"]["value_to_convert"])
    name = str(expression)
    (module,) = modules_of("modules/function-app.bicep")
    passed = module_params(module).get(name)
    if is_literal(passed):
        return str(passed)
    if passed is None and name not in DEPLOYMENT_OUTPUTS:  # not passed: the module's default
        return str(parse("modules/function-app.bicep")["parameters"][name]["default"])
    if name not in DEPLOYMENT_OUTPUTS and _computed_in_main(passed):
        from tests.deploy.evaluate import main_value  # it reads main.bicep through this module

        return str(main_value(passed))
    parameter = parse(MAIN)["parameters"].get(dotted(passed))
    if parameter is not None:
        default = parameter["default"]
        generated = _azd_generated(parameter)
        if is_literal(default) or isinstance(default, int):
            return str(default)
        assert generated is not None, f"main.bicep parameter {dotted(passed)} has no value"
        return generated
    return DEPLOYMENT_OUTPUTS[name]


def _computed_in_main(passed: Any) -> bool:
    """A main.bicep variable or function call (join, ...), not a parameter or an output."""
    if isinstance(passed, dict):
        return "function" in passed
    return str(passed) in parse(MAIN)["variables"]


def platform_settings() -> dict[str, str]:
    """What the platform itself puts in the app's environment: the app's name and plan on
    every instance (WEBSITE_SITE_NAME, WEBSITE_SKU; the variables that tell the app it runs on
    Azure, shared/settings_rules/auth.py), and WEBSITE_AUTH_ENABLED=True while App Service
    authentication is on (infra/modules/app-auth.bicep; the App Service app settings
    reference, "Authentication & Authorization")."""
    auth = parse("modules/app-auth.bicep")["resources"]["authSettings"]["config"]["properties"]
    azure = {"WEBSITE_SITE_NAME": "func-example", "WEBSITE_SKU": "FlexConsumption"}
    return azure | ({"WEBSITE_AUTH_ENABLED": "True"} if auth["platform"]["enabled"] is True else {})


def deployed_settings() -> dict[str, str]:
    """The app's environment on Azure: the app settings infra sets, and the platform's."""
    settings = {name: deployed_value(value) for name, value in app_settings().items()}
    return settings | platform_settings()


def evaluate(expression: Any, values: Mapping[str, Any]) -> Any:
    """The value of a Bicep expression of the few shapes the templates use for their switches
    (literals, names bound in `values`, `a ? b : c`, `==`, `!`, `empty(...)`), for checking
    what a parameter such as vnetEnabled makes of a property."""
    if isinstance(expression, BicepElement):
        return values[str(expression)] if str(expression) in values else dotted(expression)
    if isinstance(expression, dict) and "operator" in expression:
        operator, operands = expression["operator"]["type"], expression["operator"]["operands"]
        if operator == "conditional":
            chosen = "true_value" if evaluate(operands["condition"], values) else "false_value"
            return evaluate(operands[chosen], values)
        if operator == "equals":
            first, second = (evaluate(operands[k], values) for k in ("operand_1", "operand_2"))
            return first == second
        if operator == "logical_not":
            return not evaluate(operands["bool_expression"], values)
        return dotted(expression)
    if isinstance(expression, dict) and expression.get("function", {}).get("type") == "empty":
        return not evaluate(expression["function"]["parameters"]["item_to_test"], values)
    if isinstance(expression, dict):
        return {key: evaluate(value, values) for key, value in expression.items()}
    if isinstance(expression, list):
        return [evaluate(item, values) for item in expression]
    return expression
