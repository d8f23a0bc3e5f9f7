"""The values main.bicep's expressions take, for the subset of Bicep infra uses to compute app
settings and Easy Auth's lists: literals and interpolation, arrays, parameters (their defaults,
what azd passes from its environment, or a test's values), variables, `join`, `union`,
`split`, `replace`, `empty` and the conditional operator. Anything else raises, so a test
never passes on a value this module guessed.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from tests.deploy.infra import MAIN, is_literal, parse

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

TENANT_ID = "00000000-0000-0000-0000-0000000000e1"
# What ARM computes when it deploys, in the shape it has.
ARM = {
    "environment().authentication.loginEndpoint": "https://login.microsoftonline.com/",
    "tenant().tenantId": TENANT_ID,
}
# main.parameters.json parameters without a default: what azd passes from its environment.
AZD = {"authClientId": "00000000-0000-0000-0000-0000000000f1"}
_INTERPOLATION = re.compile(r"\$\{([^}]*)\}")


def main_value(expression: Any, parameters: Mapping[str, Any] | None = None) -> Any:
    """The value of a main.bicep expression; `parameters` overrides parameter values."""
    return _Evaluator(parameters or {}).value(expression)


class _Evaluator:
    def __init__(self, parameters: Mapping[str, Any]) -> None:
        self.parameters = parameters
        self.functions: dict[str, Callable[[dict[str, Any]], Any]] = {
            "join": lambda p: p["delimiter"].join(self.value(p["input_array"])),
            "union": lambda p: list(dict.fromkeys(i for a in p.values() for i in self.value(a))),
            "split": lambda p: self.value(p["input_string"]).split(self.value(p["delimiter"])),
            "replace": lambda p: self.value(p["original_string"]).replace(
                self.value(p["old_string"]), self.value(p["new_string"])
            ),
            "empty": lambda p: len(self.value(p["item_to_test"])) == 0,
        }

    def value(self, expression: Any) -> Any:
        if is_literal(expression):
            return _INTERPOLATION.sub(lambda m: str(self.named(m.group(1).strip())), expression)
        if isinstance(expression, bool | int):
            return expression
        if isinstance(expression, list):
            return [self.value(item) for item in expression]
        if isinstance(expression, dict) and "function" in expression:
            function = expression["function"]
            return self.functions[function["type"]](function["parameters"])
        if isinstance(expression, dict) and "operator" in expression:
            operator = expression["operator"]
            assert operator["type"] == "conditional", operator["type"]
            operands = operator["operands"]
            chosen = "true_value" if self.value(operands["condition"]) else "false_value"
            return self.value(operands[chosen])
        return self.named(str(expression))

    def named(self, name: str) -> Any:
        main = parse(MAIN)
        if name in self.parameters:
            return self.parameters[name]
        if name in ARM:
            return ARM[name]
        if name in main["variables"]:
            return self.value(main["variables"][name]["value"])
        default = main["parameters"][name]["default"]
        return AZD[name] if default is None else self.value(default)
