"""The parsed form of a query, and the recursive-descent parser that makes it.

query     := (let NAME = expr ;)* pipeline
pipeline  := source (| operator)*
source    := TABLE | union TABLE (, TABLE)*
operator  := where expr | extend assigns | project assigns | summarize aggs [by items]
           | order by keys | sort by keys | top N by key | take N | limit N | render NAME
expr      := or-chain of and-chains of comparisons (== != =~ < <= > >= in !in startswith
             !startswith contains !contains has !has) over + - * / and unary -, not(e),
             calls f(args), toscalar(pipeline), literals, columns, x["key"] and x.key
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.kql.errors import Unsupported
from tests.kql.lexer import Token, tokenize

__all__ = [
    "Binary",
    "Call",
    "Col",
    "InList",
    "Index",
    "Let",
    "Lit",
    "Operator",
    "Pipeline",
    "Query",
    "Scalar",
    "Unary",
    "parse",
]

COMPARISONS = (
    "==",
    "!=",
    "=~",
    "<",
    "<=",
    ">",
    ">=",
    "startswith",
    "!startswith",
    "contains",
    "!contains",
    "has",
    "!has",
)


@dataclass(frozen=True)
class Lit:
    value: Any


@dataclass(frozen=True)
class Col:
    name: str


@dataclass(frozen=True)
class Index:
    base: Any
    key: str


@dataclass(frozen=True)
class Call:
    function: str
    args: tuple[Any, ...]


@dataclass(frozen=True)
class Binary:
    op: str
    left: Any
    right: Any


@dataclass(frozen=True)
class Unary:
    op: str
    operand: Any


@dataclass(frozen=True)
class InList:
    operand: Any
    items: tuple[Any, ...]
    negated: bool


@dataclass(frozen=True)
class Scalar:
    pipeline: Pipeline


@dataclass(frozen=True)
class Operator:
    """One pipe stage: `kind` and its parts (assignments as (name, expr) pairs)."""

    kind: str
    items: tuple[tuple[str, Any], ...] = ()
    by: tuple[tuple[str, Any], ...] = ()
    count: int | None = None


@dataclass(frozen=True)
class Pipeline:
    sources: tuple[str, ...]
    operators: tuple[Operator, ...]


@dataclass(frozen=True)
class Let:
    name: str
    value: Any


@dataclass(frozen=True)
class Query:
    lets: tuple[Let, ...]
    pipeline: Pipeline
    text: str = field(compare=False, default="")


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.at = 0

    # --- tokens ---------------------------------------------------------------------------
    def peek(self, offset: int = 0) -> Token:
        return self.tokens[min(self.at + offset, len(self.tokens) - 1)]

    def next(self) -> Token:
        token = self.peek()
        self.at += 1
        return token

    def is_(self, *texts: str) -> bool:
        return self.peek().kind != "string" and self.peek().text in texts

    def expect(self, text: str) -> Token:
        token = self.next()
        if token.text != text or token.kind == "string":
            raise Unsupported(f"expected {text!r} at {token.at}, found {token.text!r}")
        return token

    def name(self) -> str:
        token = self.next()
        if token.kind != "ident":
            raise Unsupported(f"expected a name at {token.at}, found {token.text!r}")
        return token.text

    # --- statements -----------------------------------------------------------------------
    def query(self, text: str) -> Query:
        lets = []
        while self.is_("let"):
            self.next()
            name = self.name()
            self.expect("=")
            lets.append(Let(name, self.expr()))
            self.expect(";")
        pipeline = self.pipeline()
        if self.peek().kind != "end":
            raise Unsupported(f"unexpected {self.peek().text!r} at {self.peek().at}")
        return Query(tuple(lets), pipeline, text)

    def pipeline(self) -> Pipeline:
        if self.is_("union"):
            self.next()
            sources = [self.name()]
            while self.is_(","):
                self.next()
                sources.append(self.name())
        else:
            sources = [self.name()]
        operators = []
        while self.is_("|"):
            self.next()
            operators.append(self.operator())
        return Pipeline(tuple(sources), tuple(operators))

    def operator(self) -> Operator:
        kind = self.name()
        if kind == "where":
            return Operator(kind, (("", self.expr()),))
        if kind in ("extend", "project"):
            return Operator(kind, self.assignments())
        if kind == "summarize":
            items = self.assignments()
            by: tuple[tuple[str, Any], ...] = ()
            if self.is_("by"):
                self.next()
                by = self.assignments()
            return Operator(kind, items, by)
        if kind in ("order", "sort"):
            self.expect("by")
            return Operator("order", self.sort_keys())
        if kind == "top":
            count = self.next().value
            self.expect("by")
            return Operator("top", self.sort_keys(), count=int(str(count)))
        if kind in ("take", "limit"):
            return Operator("take", count=int(str(self.next().value)))
        if kind == "render":
            return Operator("render", (("", self.name()),))
        raise Unsupported(f"operator {kind!r} is not implemented")

    def assignments(self) -> tuple[tuple[str, Any], ...]:
        items = [self.assignment()]
        while self.is_(","):
            self.next()
            items.append(self.assignment())
        return tuple(items)

    def assignment(self) -> tuple[str, Any]:
        named = self.peek().kind == "ident" and self.peek(1).kind == "symbol"
        if named and self.peek(1).text == "=":
            name = self.name()
            self.next()
            return name, self.expr()
        value = self.expr()
        return _default_name(value), value

    def sort_keys(self) -> tuple[tuple[str, Any], ...]:
        keys = []
        while True:
            value = self.expr()
            direction = "desc"  # KQL's default order
            if self.is_("asc", "desc"):
                direction = self.name()
            keys.append((direction, value))
            if not self.is_(","):
                return tuple(keys)
            self.next()

    # --- expressions ----------------------------------------------------------------------
    def expr(self) -> Any:
        left = self.conjunction()
        while self.is_("or"):
            self.next()
            left = Binary("or", left, self.conjunction())
        return left

    def conjunction(self) -> Any:
        left = self.comparison()
        while self.is_("and"):
            self.next()
            left = Binary("and", left, self.comparison())
        return left

    def comparison(self) -> Any:
        left = self.sum()
        if self.is_("in", "!in"):
            negated = self.next().text == "!in"
            self.expect("(")
            items = [self.expr()]
            while self.is_(","):
                self.next()
                items.append(self.expr())
            self.expect(")")
            return InList(left, tuple(items), negated)
        if self.is_(*COMPARISONS):
            op = self.next().text
            return Binary(op, left, self.sum())
        return left

    def sum(self) -> Any:
        left = self.product()
        while self.is_("+", "-"):
            op = self.next().text
            left = Binary(op, left, self.product())
        return left

    def product(self) -> Any:
        left = self.unary()
        while self.is_("*", "/"):
            op = self.next().text
            left = Binary(op, left, self.unary())
        return left

    def unary(self) -> Any:
        if self.is_("-"):
            self.next()
            return Unary("-", self.unary())
        if self.is_("not") and self.peek(1).text == "(":
            self.next()
            self.expect("(")
            operand = self.expr()
            self.expect(")")
            return Unary("not", operand)
        return self.postfix(self.primary())

    def postfix(self, value: Any) -> Any:
        while self.is_("[", "."):
            if self.next().text == "[":
                key = self.next()
                if key.kind != "string":
                    raise Unsupported(f"only string keys are implemented, at {key.at}")
                self.expect("]")
                value = Index(value, str(key.value))
            else:
                value = Index(value, self.name())
        return value

    def primary(self) -> Any:
        token = self.next()
        if token.kind in ("number", "string", "timespan"):
            return Lit(token.value)
        if token.text == "(":
            value = self.expr()
            self.expect(")")
            return value
        if token.kind != "ident":
            raise Unsupported(f"unexpected {token.text!r} at {token.at}")
        if token.text in ("true", "false"):
            return Lit(token.text == "true")
        if not self.is_("("):
            return Col(token.text)
        self.next()
        if token.text == "toscalar":
            inner = self.pipeline()
            self.expect(")")
            return Scalar(inner)
        args = []
        while not self.is_(")"):
            args.append(self.expr())
            if not self.is_(")"):
                self.expect(",")
        self.expect(")")
        return Call(token.text, tuple(args))


def _default_name(value: Any) -> str:
    """The column name KQL gives an unnamed expression (the cases used here)."""
    if isinstance(value, Col):
        return value.name
    if isinstance(value, Call) and value.function == "bin" and isinstance(value.args[0], Col):
        return value.args[0].name
    if isinstance(value, Call) and value.function == "count" and not value.args:
        return "count_"
    raise Unsupported(f"name this column: {value!r}")


def parse(text: str) -> Query:
    """A query of the subset, or Unsupported."""
    return _Parser(text).query(text)
