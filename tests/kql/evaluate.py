"""Runs a parsed query over tables of rows (dicts), as Log Analytics would for this subset."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tests.kql.errors import KqlError, Unsupported
from tests.kql.functions import AGGREGATIONS, SCALARS, binary
from tests.kql.syntax import (
    Binary,
    Call,
    Col,
    Index,
    InList,
    Lit,
    Operator,
    Pipeline,
    Query,
    Scalar,
    Unary,
)

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["Table", "run"]

Row = dict[str, Any]


@dataclass(frozen=True)
class Table:
    """A table: its columns (every row has each, null where absent) and its rows."""

    columns: tuple[str, ...]
    rows: tuple[Row, ...]


class _Scope:
    def __init__(self, tables: dict[str, Table], names: dict[str, Any]) -> None:
        self.tables, self.names = tables, names

    def value(self, expr: Any, row: Row) -> Any:  # noqa: C901 - one case per node type
        if isinstance(expr, Lit):
            return expr.value
        if isinstance(expr, Col):
            if expr.name in row:
                return row[expr.name]
            if expr.name in self.names:
                return self.names[expr.name]
            raise KqlError(f"no column or name {expr.name!r} (columns: {sorted(row)})")
        if isinstance(expr, Index):
            base = self.value(expr.base, row)
            if base is not None and not isinstance(base, dict):
                raise KqlError(f"{expr.key!r} of a non-dynamic value {base!r}")
            return None if base is None else base.get(expr.key)
        if isinstance(expr, Binary):
            return self.binary(expr, row)
        if isinstance(expr, Unary):
            operand = self.value(expr.operand, row)
            if expr.op == "not":
                return not operand
            return None if operand is None else -operand
        if isinstance(expr, InList):
            value = self.value(expr.operand, row)
            found = value is not None and value in [self.value(i, row) for i in expr.items]
            return (not found and value is not None) if expr.negated else found
        if isinstance(expr, Call):
            if expr.function not in SCALARS:
                raise Unsupported(f"function {expr.function}() outside summarize")
            return SCALARS[expr.function](*(self.value(a, row) for a in expr.args))
        if isinstance(expr, Scalar):
            rows = self.pipeline(expr.pipeline)
            return next(iter(rows[0].values()), None) if rows else None
        raise Unsupported(f"expression {expr!r}")

    def binary(self, expr: Binary, row: Row) -> Any:
        if expr.op in ("and", "or"):
            left = self.value(expr.left, row) is True
            if expr.op == "and":
                return left and self.value(expr.right, row) is True
            return left or self.value(expr.right, row) is True
        return binary(expr.op, self.value(expr.left, row), self.value(expr.right, row))

    # --- pipelines ------------------------------------------------------------------------
    def pipeline(self, pipeline: Pipeline) -> list[Row]:
        missing = [name for name in pipeline.sources if name not in self.tables]
        if missing:
            raise KqlError(f"no table {missing}")
        columns: list[str] = []
        for name in pipeline.sources:
            columns += [c for c in self.tables[name].columns if c not in columns]
        rows = [
            {column: row.get(column) for column in columns}
            for name in pipeline.sources
            for row in self.tables[name].rows
        ]
        for operator in pipeline.operators:
            rows = self.operator(operator, rows)
        return rows

    def operator(self, op: Operator, rows: list[Row]) -> list[Row]:
        if op.kind == "where":
            ((_, predicate),) = op.items
            return [row for row in rows if self.value(predicate, row) is True]
        if op.kind == "extend":
            return [self.extended(row, op.items) for row in rows]
        if op.kind == "project":
            return [{name: self.value(expr, row) for name, expr in op.items} for row in rows]
        if op.kind == "summarize":
            return self.summarize(op, rows)
        if op.kind in ("order", "top"):
            ordered = self.ordered(rows, op.items)
            return ordered if op.count is None else ordered[: op.count]
        if op.kind == "take":
            return rows[: op.count]
        if op.kind == "render":
            return rows  # how the portal draws it; the rows are the same
        raise Unsupported(f"operator {op.kind}")

    def extended(self, row: Row, items: tuple[tuple[str, Any], ...]) -> Row:
        row = dict(row)
        for name, expr in items:
            row[name] = self.value(expr, row)
        return row

    def ordered(self, rows: list[Row], keys: tuple[tuple[str, Any], ...]) -> list[Row]:
        for direction, expr in reversed(keys):  # stable sorts, last key first
            present = [r for r in rows if self.value(expr, r) is not None]
            absent = [r for r in rows if self.value(expr, r) is None]
            present.sort(key=self._key(expr), reverse=direction == "desc")
            rows = present + absent  # nulls last
        return rows

    def _key(self, expr: Any) -> Callable[[Row], Any]:
        return lambda row: self.value(expr, row)

    def summarize(self, op: Operator, rows: list[Row]) -> list[Row]:
        groups: dict[tuple[Any, ...], list[Row]] = {}
        for row in rows:
            key = tuple(self.value(expr, row) for _, expr in op.by)
            groups.setdefault(key, []).append(row)
        if not op.by and not groups:
            groups[()] = []  # without `by`, one row even from no rows
        return [
            {
                **{name: key[i] for i, (name, _) in enumerate(op.by)},
                **{name: self.aggregate(expr, members) for name, expr in op.items},
            }
            for key, members in groups.items()
        ]

    def aggregate(self, expr: Any, rows: list[Row]) -> Any:
        if not isinstance(expr, Call):
            raise Unsupported(f"summarize takes aggregations only, not {expr!r}")
        name, args = expr.function, expr.args
        if name in ("countif", "sumif"):
            rows = [r for r in rows if self.value(args[-1], r) is True]
            name, args = name.removesuffix("if"), args[:-1]
        if name not in AGGREGATIONS:
            raise Unsupported(f"aggregation {expr.function}()")
        if name == "count":
            return len(rows)
        values = [self.value(args[0], r) for r in rows]
        if name == "percentile":
            return AGGREGATIONS[name](values, self.value(args[1], {}))
        return AGGREGATIONS[name](values)


def run(query: Query, tables: dict[str, Table]) -> list[Row]:
    """The rows `query` returns over `tables`."""
    scope = _Scope(tables, {})
    for let in query.lets:
        scope.names[let.name] = scope.value(let.value, {})
    return scope.pipeline(query.pipeline)
