"""The change table (shared.orders.change_rules) as readers see it: one markdown table for the
OpenAPI document and docs/security.md, and a machine-readable `x-change-rules` member.

Both are rendered from the table itself, so the document cannot promise what the app
refuses; tests/unit/orders/test_change_rules.py holds docs/security.md to the same text.
"""

from __future__ import annotations

from typing import Any

from shared.auth.caller import READ_ALL, READ_WRITE_ALL
from shared.auth.rules import CUSTOMER
from shared.orders.change_rules import (
    DELETIONS,
    FIELDS,
    ROWS,
    SWEEP,
    TRANSITIONS,
    Field,
    Transition,
    describe_statuses,
)
from shared.orders.model import OrderStatus

__all__ = ["change_rules_extension", "change_rules_table"]

_NAMES = {
    READ_WRITE_ALL: "`Orders.ReadWrite.All`",
    READ_ALL: "`Orders.Read.All`",
    CUSTOMER: "a customer (neither role)",
    SWEEP: "the nightly sweep (no caller)",
}
_ORDER = {status: index for index, status in enumerate(OrderStatus)}


def _in_order(transitions: frozenset[Transition]) -> list[Transition]:
    return sorted(transitions, key=lambda t: (_ORDER[t[0]], _ORDER[t[1]]))


def change_rules_table() -> str:
    """Who may set which field in which status, make which transition, delete when."""
    header = ["who", *(f"set `{field}`" for field in Field), "status transitions", "delete"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in ROWS:
        moves = ", ".join(f"{a} -> {b}" for a, b in _in_order(TRANSITIONS[row])) or "none"
        cells = [
            _NAMES[row],
            *(describe_statuses(FIELDS[row][field]) for field in Field),
            moves,
            describe_statuses(DELETIONS[row]),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def change_rules_extension() -> dict[str, Any]:
    """The same table as data: per row, the statuses in which each field may be set, the
    transitions as [from, to], and the statuses in which an order may be deleted."""
    return {
        row: {
            "fields": {
                field.value: [s.value for s in OrderStatus if s in FIELDS[row][field]]
                for field in Field
            },
            "transitions": [[a.value, b.value] for a, b in _in_order(TRANSITIONS[row])],
            "delete": [s.value for s in OrderStatus if s in DELETIONS[row]],
        }
        for row in ROWS
    }
