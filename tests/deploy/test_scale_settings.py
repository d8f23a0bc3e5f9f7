"""Flex Consumption's scale settings are chosen, not left at the platform's defaults, and
each reaches functionAppConfig from a parameter of main.bicep (docs/deploy.md, "Scale
settings", says where each value comes from)."""

from __future__ import annotations

from typing import Any

from tests.deploy import infra

FUNCTION_APP = "modules/function-app.bicep"


def main_default(name: str) -> Any:
    return infra.parse(infra.MAIN)["parameters"][name]["default"]


def passed_to_the_app(name: str) -> str:
    (module,) = infra.modules_of(FUNCTION_APP)
    return str(infra.module_params(module)[name])


def test_http_concurrency_is_set_not_the_python_default_of_one() -> None:
    assert main_default("httpPerInstanceConcurrency") == 16
    assert passed_to_the_app("httpPerInstanceConcurrency") == "httpPerInstanceConcurrency"
    parameter = infra.parse(FUNCTION_APP)["parameters"]["httpPerInstanceConcurrency"]
    assert parameter["default"] is None, "the module takes what main.bicep chose"


def test_always_ready_is_a_parameter_for_the_http_group_off_by_default() -> None:
    assert main_default("alwaysReadyHttpInstances") == 0
    assert passed_to_the_app("alwaysReadyHttpInstances") == "alwaysReadyHttpInstances"
    # `n > 0 ? {...} : {}`, which pycep reads as `n > (0 ? {...} : {})`.
    comparison = infra.parse(FUNCTION_APP)["variables"]["alwaysReady"]["value"]["operator"]
    assert comparison["type"] == "greater_than"
    assert comparison["operands"]["operand_1"] == "alwaysReadyHttpInstances"
    branches = comparison["operands"]["operand_2"]["operator"]["operands"]
    (entry,) = branches["true_value"]["alwaysReady"]
    assert entry == {"name": "http", "instanceCount": "alwaysReadyHttpInstances"}
    assert branches["false_value"] == {}, "0 scales to zero: no alwaysReady at all"


def test_the_instance_ceiling_is_the_documented_one() -> None:
    assert main_default("maximumInstanceCount") == 40
    assert passed_to_the_app("maximumInstanceCount") == "maximumInstanceCount"
    deploy = (infra.ROOT / "docs" / "deploy.md").read_text("utf-8")
    assert "| `maximumInstanceCount` | 40 |" in deploy
    assert "| `httpPerInstanceConcurrency` | 16 |" in deploy
    assert "| `alwaysReadyHttpInstances` | 0 |" in deploy
