"""What a query reads of the telemetry: its tables, the names it filters on (metric and span
names: `name == "x"`, `name in ("x", ...)`) and the custom dimensions it looks up
(`customDimensions["k"]`, `customDimensions.k`), each tied to the tables of its pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.kql.syntax import Binary, Call, Col, Index, InList, Lit, Pipeline, Query, Scalar, Unary

__all__ = ["Reads", "reads"]


@dataclass(frozen=True)
class Reads:
    """One pipeline's reads: `names` empty means it reads every row of its tables."""

    tables: tuple[str, ...]
    names: frozenset[str]
    dimensions: frozenset[str]


def _children(expr: Any) -> list[Any]:
    if isinstance(expr, Binary):
        return [expr.left, expr.right]
    if isinstance(expr, Unary):
        return [expr.operand]
    if isinstance(expr, InList):
        return [expr.operand, *expr.items]
    if isinstance(expr, Call):
        return list(expr.args)
    if isinstance(expr, Index):
        return [expr.base]
    return []


def _walk(expr: Any) -> list[Any]:
    found = [expr]
    for child in _children(expr):
        found += _walk(child)
    return found


def _names(expr: Any) -> set[str]:
    """Literal names compared with the `name` column anywhere in a predicate."""
    names: set[str] = set()
    for node in _walk(expr):
        if isinstance(node, Binary) and node.op == "==":
            for side, other in ((node.left, node.right), (node.right, node.left)):
                if side == Col("name") and isinstance(other, Lit):
                    names.add(str(other.value))
        if isinstance(node, InList) and node.operand == Col("name") and not node.negated:
            names |= {str(item.value) for item in node.items if isinstance(item, Lit)}
    return names


def _expressions(pipeline: Pipeline) -> list[Any]:
    return [
        expr
        for operator in pipeline.operators
        for _, expr in (*operator.items, *operator.by)
        if not isinstance(expr, str)
    ]


def _pipeline(pipeline: Pipeline) -> list[Reads]:
    names: set[str] = set()
    dimensions: set[str] = set()
    nested: list[Reads] = []
    for operator in pipeline.operators:
        if operator.kind == "where":
            names |= _names(operator.items[0][1])
    for expr in _expressions(pipeline):
        for node in _walk(expr):
            if isinstance(node, Index) and node.base == Col("customDimensions"):
                dimensions.add(node.key)
            if isinstance(node, Scalar):
                nested += _pipeline(node.pipeline)
    return [Reads(pipeline.sources, frozenset(names), frozenset(dimensions)), *nested]


def reads(query: Query) -> list[Reads]:
    """Every pipeline's reads, the `let` statements' included."""
    found: list[Reads] = []
    for let in query.lets:
        for node in _walk(let.value):
            if isinstance(node, Scalar):
                found += _pipeline(node.pipeline)
    return found + _pipeline(query.pipeline)
