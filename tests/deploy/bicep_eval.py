"""infra/'s Bicep files evaluated for given parameters, as ARM would expand them: every value
is the text of the file's own declaration (found by pycep, parsed by tests/deploy/bicep_expr.py),
so the tests check the template's loops and names themselves, not a copy of them.

A `Template` is one file with its parameters; a module is the template of its file with the
parameters the caller passes (each instance of a module loop its own). What ARM computes
(uniqueString(), a resource's runtime properties such as its endpoints) comes from the
`runtime` function the caller gives, or stays a `Symbol`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from lark import Token, Tree
from pycep import BicepParser

from tests.deploy.bicep_expr import Node, Symbol, parse
from tests.deploy.infra import INFRA

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

__all__ = ["Module", "Resource", "Symbol", "Template", "declarations"]

# What ARM gives a resource's property that its body does not declare: (resource type, its
# body, the property's dotted path) -> the value, or None for "leave it a Symbol".
Runtime = Callable[[str, "LazyObject", str], Any]


@dataclass(frozen=True)
class Declaration:
    kind: str  # param, var, resource, module, output
    text: str | None  # the value as written; None: a parameter without a default
    detail: str = ""  # a resource's type, a module's file

    @property
    def value(self) -> Node | None:
        """The value, parsed when first read: a declaration no test evaluates may use what
        bicep_expr does not read."""
        return None if self.text is None else _parsed(self.text)


@cache
def _parsed(text: str) -> Node:
    return parse(text)


@cache
def declarations(relative: str) -> dict[str, Declaration]:
    """Each top-level declaration of a file of infra/, with the text of its value."""
    text = (INFRA / relative).read_text("utf-8")
    tree = BicepParser().lark_parser.parse(text)  # pycep's grammar, with source positions
    found = {}
    for element in tree.children:
        if not isinstance(element, Tree) or element.data not in _KINDS:
            continue
        name, value = str(element.children[1]), element.children[-1]
        detail = ""
        if element.data in ("resource", "module"):
            detail = _span(text, element.children[2]).strip("'").split("@")[0]
        found[name] = Declaration(
            str(element.data), None if value is None else _span(text, value), detail
        )
    return found


_KINDS = {"param", "var", "resource", "module", "output"}


def _span(text: str, part: Tree[Token] | Token) -> str:
    if isinstance(part, Token):
        return text[part.start_pos : part.end_pos]
    return text[part.meta.start_pos : part.meta.end_pos]


@dataclass
class Template:
    """One Bicep file deployed with `params` (missing ones take their defaults); `given`
    also overrides variables, for the few that only ARM computes (resourceToken)."""

    relative: str
    params: Mapping[str, Any] = field(default_factory=dict)
    runtime: Runtime | None = None
    _values: dict[str, Any] = field(default_factory=dict, repr=False)

    def __getitem__(self, name: str) -> Any:
        if name not in self._values:
            self._values[name] = self._resolve(name)
        return self._values[name]

    def output(self, name: str) -> Any:
        declared = declarations(self.relative)[name]
        assert declared.kind == "output" and declared.value is not None, name
        return self.evaluate(declared.value, {})

    def _resolve(self, name: str) -> Any:
        if name in self.params:
            return self.params[name]
        declared = declarations(self.relative).get(name)
        if declared is None or declared.value is None:
            return Symbol(name)  # a deployment function's value, or a parameter nobody set
        value = self.evaluate(declared.value, {})
        if declared.kind == "resource":
            return _each(value, lambda body: Resource(name, declared.detail, body, self.runtime))
        if declared.kind == "module":
            return _each(value, lambda body: Module(declared.detail, body, self))
        return value

    def evaluate(self, node: Node, scope: Mapping[str, Any]) -> Any:
        return _Evaluator(self, scope).value(node)


def _each(value: Any, make: Callable[[Any], Any]) -> Any:
    """A declaration's value as one object, or one per instance of its loop."""
    return [make(item) for item in value] if isinstance(value, list) else make(value)


@dataclass
class LazyObject:
    """An object literal whose members are evaluated when read (a module's params name other
    modules' outputs, which are evaluated only if a test reads them)."""

    entries: dict[str, Node]
    template: Template
    scope: Mapping[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.template.evaluate(self.entries[key], self.scope)

    def __contains__(self, key: object) -> bool:
        return key in self.entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)


@dataclass
class Resource:
    name: str
    type: str
    body: LazyObject
    runtime: Runtime | None

    def get(self, path: str) -> Any:
        """A property by its dotted path: declared in the body, else what ARM gives it, else
        a `Part` (deeper reads may still find something)."""
        value: Any = self.body
        for part in path.split("."):
            if not isinstance(value, LazyObject) or part not in value:
                known = self.runtime(self.type, self.body, path) if self.runtime else None
                return Part(f"{self.name}.{path}", self, path) if known is None else known
            value = value[part]
        return Part(f"{self.name}.{path}", self, path) if isinstance(value, LazyObject) else value


@dataclass
class Module:
    file: str
    body: LazyObject
    caller: Template

    @property
    def template(self) -> Template:
        """The module's file with the params this instance passes it."""
        params = self.body["params"]
        relative = str((INFRA / self.caller.relative).parent.joinpath(self.file).resolve())
        return Template(
            relative.removeprefix(str(INFRA) + "/"),
            {key: params[key] for key in params},
            self.caller.runtime,
        )


@dataclass(frozen=True)
class Part(Symbol):
    """`account.properties`: a place inside a resource. Reading further down looks in the
    body, then asks ARM (`properties.primaryEndpoints.blob`); used as a value, it is a Symbol."""

    resource: Resource = field(repr=False, compare=False)
    path: str = ""


def _member(value: Any, key: Any) -> Any:
    """`value.key` and `value[key]`."""
    if isinstance(value, Resource):
        return value.get(str(key))
    if isinstance(value, Part):
        return value.resource.get(f"{value.path}.{key}")
    if isinstance(value, Symbol):
        return Symbol(f"{value.name}.{key}")
    if isinstance(value, Module) and key == "outputs":
        return _Outputs(value.template)
    if isinstance(value, _Outputs):
        return value.template.output(key)
    return value[key]


@dataclass(frozen=True)
class _Outputs:
    template: Template


def _text(value: Any) -> str:
    """A value interpolated into a string, as ARM's string() writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | str):
        return str(value)
    if isinstance(value, Symbol):
        return "${" + value.name + "}"
    raise TypeError(f"cannot interpolate {value!r}")


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"not an integer: {value!r}")
    return value


def _divide(a: Any, b: Any) -> int:
    """Integer division truncating toward zero (ARM's div), not Python's floor."""
    quotient = abs(_int(a)) // abs(_int(b))
    return quotient if (a >= 0) == (b > 0) else -quotient


_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: _int(a) + _int(b),
    "-": lambda a, b: _int(a) - _int(b),
    "*": lambda a, b: _int(a) * _int(b),
    "/": _divide,
    "%": lambda a, b: _int(a) - _int(b) * _divide(a, b),
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "=~": lambda a, b: str(a).lower() == str(b).lower(),
    "!~": lambda a, b: str(a).lower() != str(b).lower(),
    "<": lambda a, b: _int(a) < _int(b),
    "<=": lambda a, b: _int(a) <= _int(b),
    ">": lambda a, b: _int(a) > _int(b),
    ">=": lambda a, b: _int(a) >= _int(b),
}


def _range(start: Any, count: Any) -> list[int]:
    if _int(count) < 0:
        raise ValueError("range() with a negative count fails the deployment")
    return list(range(_int(start), start + count))


def _concat(*parts: Any) -> Any:
    if all(isinstance(part, list) for part in parts):
        return [item for part in parts for item in part]
    return "".join(_text(part) for part in parts)


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "range": _range,
    "concat": _concat,
    "join": lambda items, separator: separator.join(_text(item) for item in items),
    "string": _text,
    "length": len,
    "empty": lambda value: value is None or len(value) == 0,
    "toLower": lambda text: text.lower(),
    "toUpper": lambda text: text.upper(),
    "replace": lambda text, old, new: text.replace(old, new),
    "split": lambda text, separator: text.split(separator),
    "union": lambda *lists: list(dict.fromkeys(item for part in lists for item in part)),
    "take": lambda items, count: items[: _int(count)],
}


@dataclass
class _Evaluator:
    template: Template
    scope: Mapping[str, Any]

    def value(self, node: Node) -> Any:
        kind = node[0]
        if kind in ("int", "bool"):
            return node[1]
        if kind == "null":
            return None
        if kind == "str":
            return "".join(p if isinstance(p, str) else _text(self.value(p)) for p in node[1])
        if kind == "id":
            return self.scope[node[1]] if node[1] in self.scope else self.template[node[1]]
        if kind == "array":
            return [self.value(item) for item in node[1]]
        if kind == "object":
            return LazyObject(dict(node[1]), self.template, self.scope)
        if kind == "for":
            return self.loop(node[1], self.value(node[2]), node[3])
        if kind == "call":
            return self.call(node[1], [self.value(argument) for argument in node[2]])
        if kind in ("prop", "index"):
            key = node[2] if kind == "prop" else self.value(node[2])
            return _member(self.value(node[1]), key)
        if kind == "unary":
            operand = self.value(node[2])
            return (not operand) if node[1] == "!" else -_int(operand)
        if kind == "cond":
            condition = self.value(node[1])
            assert isinstance(condition, bool), f"a condition that is not a bool: {condition!r}"
            return self.value(node[2] if condition else node[3])
        return self.binary(node[1], node[2], node[3])

    def binary(self, op: str, left_node: Node, right_node: Node) -> Any:
        left = self.value(left_node)
        if op in ("&&", "||", "??"):
            decided = {"&&": left is False, "||": left is True, "??": left is not None}[op]
            return left if decided else self.value(right_node)
        right = self.value(right_node)
        if isinstance(left, Symbol) or isinstance(right, Symbol):
            raise TypeError(f"{left!r} {op} {right!r}: known only at deployment")
        return _ARITHMETIC[op](left, right)

    def loop(self, names: list[str], source: Any, body: Node) -> list[Any]:
        assert isinstance(source, list), f"a loop over {source!r}"
        bound = []
        for index, item in enumerate(source):
            names_here = dict(zip(names, (item, index), strict=False))  # (item) or (item, index)
            bound.append(self.template.evaluate(body, {**self.scope, **names_here}))
        return bound

    def call(self, name: str, arguments: list[Any]) -> Any:
        function = _FUNCTIONS.get(name)
        if function is None or any(isinstance(a, Symbol) for a in arguments):
            return Symbol(f"{name}()")  # uniqueString(), resourceGroup(): ARM's to compute
        return function(*arguments)
