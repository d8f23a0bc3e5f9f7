"""Bicep expressions, parsed with Bicep's own precedence and evaluated, for the deploy tests.

pycep (tests/deploy/infra.py) finds the declarations and where each value is written, but
its grammar gives binary operators no precedence and drops parentheses: it reads
`queues == 1 ? 0 : (queues - accountIndex + accounts - 1) / accounts` as
`queues == (1 ? 0 : ...)` and the sum right to left, `queues - (accountIndex + (accounts - 1))`.
So a value's text is parsed here instead, by the documented rules: precedence and
associativity as in "Bicep operators" (https://learn.microsoft.com/azure/azure-resource-manager/bicep/operators),
integers only, `/` and `%` truncating as ARM's div and mod do
(https://learn.microsoft.com/azure/azure-resource-manager/bicep/operators-numeric), and
`range(startIndex, count)` counting, not stopping
(https://learn.microsoft.com/azure/azure-resource-manager/bicep/bicep-functions-array#range).

Only what infra/ needs: literals, interpolated strings, arrays and objects (one item a line or
comma-separated), `[for ...]` loops over range() or an array, property and index access,
function calls, unary, binary and conditional operators. What ARM computes at deployment
(uniqueString(), resource properties) stays a `Symbol`, which arithmetic refuses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = ["Node", "Symbol", "parse"]

Node = tuple[Any, ...]  # ("int", 3), ("bin", "+", left, right), ...

_TOKEN = re.compile(
    r"(?P<skip>[ \t\r]+|//[^\n]*|/\*.*?\*/)|(?P<newline>\n)|(?P<int>\d+)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<string>')"
    r"|(?P<op>\?\?|==|!=|=~|!~|<=|>=|&&|\|\||::|[-+*/%<>!?:.,()\[\]{}])",
    re.S,
)
# Binding power and right-associativity of each binary operator, from the docs' table.
_BINARY = {
    "??": 2,
    "||": 3,
    "&&": 4,
    **dict.fromkeys(("==", "!=", "=~", "!~"), 5),
    **dict.fromkeys(("<", "<=", ">", ">="), 6),
    **dict.fromkeys(("+", "-"), 7),
    **dict.fromkeys(("*", "/", "%"), 8),
}
_TERNARY, _UNARY = 1, 9


@dataclass(frozen=True)
class Symbol:
    """A value known only at deployment, named by the expression that gives it."""

    name: str


def _string(text: str, start: int) -> tuple[Node, int]:
    """The quoted string at text[start] (the quote), as ("str", parts), and where it ends."""
    parts: list[str | Node] = []
    literal, index = "", start + 1
    while text[index] != "'":
        if text.startswith("\\", index):
            literal += {"n": "\n", "t": "\t", "r": "\r"}.get(text[index + 1], text[index + 1])
            index += 2
        elif text.startswith("${", index):
            end = _closing_brace(text, index + 2)
            parts += [literal, parse(text[index + 2 : end])]
            literal, index = "", end + 1
        else:
            literal += text[index]
            index += 1
    return ("str", [*parts, literal]), index + 1


def _closing_brace(text: str, index: int) -> int:
    depth = 0
    while True:
        char = text[index]
        if char == "'":
            index = _string(text, index)[1]
            continue
        if char == "}" and depth == 0:
            return index
        depth += {"{": 1, "}": -1}.get(char, 0)
        index += 1


def _tokens(text: str) -> list[tuple[str, Any]]:
    tokens: list[tuple[str, Any]] = []
    index = 0
    while index < len(text):
        match = _TOKEN.match(text, index)
        if match is None:
            raise SyntaxError(f"cannot read {text[index : index + 20]!r}")
        kind = match.lastgroup or ""
        if kind == "string":
            node, index = _string(text, index)
            tokens.append(("node", node))
            continue
        if kind == "int":
            tokens.append(("node", ("int", int(match.group()))))
        elif kind != "skip":
            tokens.append((kind, match.group()))
        index = match.end()
    return [*tokens, ("end", "")]


class _Parser:
    """A Pratt parser over the tokens; newlines separate the items of arrays and objects and
    are skipped wherever else an expression goes on."""

    def __init__(self, text: str) -> None:
        self.tokens, self.at = _tokens(text), 0

    def peek(self, skip_lines: bool = True) -> tuple[str, Any]:
        while skip_lines and self.tokens[self.at][0] == "newline":
            self.at += 1
        return self.tokens[self.at]

    def take(self, value: str | None = None) -> tuple[str, Any]:
        token = self.peek()
        if value is not None and token[1] != value:
            raise SyntaxError(f"expected {value!r}, found {token[1]!r}")
        self.at += 1
        return token

    def expression(self, power: int = 0) -> Node:
        left = self.prefix()
        while True:
            kind, op = self.peek(skip_lines=False)
            if kind == "op" and op == "?" and power < _TERNARY:
                self.take()
                yes = self.expression()
                self.take(":")
                left = ("cond", left, yes, self.expression(_TERNARY - 1))  # right to left
            elif kind == "op" and _BINARY.get(op, 0) > power:
                self.take()
                left = ("bin", op, left, self.expression(_BINARY[op]))  # left to right
            else:
                return left

    def prefix(self) -> Node:
        kind, value = self.take()
        if kind == "op" and value in ("!", "-"):
            return self.postfix(("unary", value, self.expression(_UNARY)))
        if kind == "node":
            return self.postfix(value)
        if kind == "op" and value == "(":
            inner = self.expression()
            self.take(")")
            return self.postfix(inner)
        if kind == "op" and value == "[":
            return self.postfix(self.array())
        if kind == "op" and value == "{":
            return self.postfix(self.object())
        if (kind, value) == ("name", "if") and self.peek()[1] == "(":  # a conditional deploy
            self.take("(")
            condition = self.expression()
            self.take(")")
            return ("cond", condition, self.expression(), ("null",))
        if kind == "name":
            literal = {"true": ("bool", True), "false": ("bool", False), "null": ("null",)}
            return self.postfix(literal.get(value, ("id", value)))
        raise SyntaxError(f"unexpected {value!r}")

    def postfix(self, node: Node) -> Node:
        while True:
            kind, value = self.peek(skip_lines=False)
            if (kind, value) == ("op", "."):
                self.take()
                node = ("prop", node, self.take()[1])
            elif (kind, value) == ("op", "["):
                self.take()
                node = ("index", node, self.expression())
                self.take("]")
            elif (kind, value) == ("op", "(") and node[0] == "id":
                self.take()
                node = ("call", node[1], self.items(")"))
            else:
                return node

    def items(self, closing: str) -> list[Node]:
        found: list[Node] = []
        while self.peek()[1] != closing:
            found.append(self.expression())
            if self.peek()[1] == ",":
                self.take()
        self.take(closing)
        return found

    def array(self) -> Node:
        if self.peek()[1] != "for":
            return ("array", self.items("]"))
        self.take("for")
        names = [self.take()[1]] if self.peek()[1] != "(" else self.loop_names()
        self.take("in")
        source = self.expression()
        self.take(":")
        body = self.expression()
        self.take("]")
        return ("for", names, source, body)

    def loop_names(self) -> list[str]:
        self.take("(")
        item = self.take()[1]
        self.take(",")
        index = self.take()[1]
        self.take(")")
        return [item, index]

    def object(self) -> Node:
        entries: list[tuple[str, Node]] = []
        while self.peek()[1] != "}":
            kind, key = self.take()
            name = key if kind == "name" else "".join(str(p) for p in key[1])
            self.take(":")
            entries.append((name, self.expression()))
            if self.peek()[1] == ",":
                self.take()
        self.take("}")
        return ("object", entries)


def parse(text: str) -> Node:
    """The expression `text` (a declaration's value as written in the file)."""
    parser = _Parser(text)
    node = parser.expression()
    if parser.peek()[0] != "end":
        raise SyntaxError(f"text after the expression: {parser.peek()[1]!r}")
    return node
