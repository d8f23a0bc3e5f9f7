"""The two ways a query can fail here."""

from __future__ import annotations

__all__ = ["KqlError", "Unsupported"]


class KqlError(Exception):
    """The query is wrong for the data: an unknown column, a type KQL would refuse."""


class Unsupported(KqlError):
    """The query uses KQL this evaluator does not implement: the test must fail, not skip."""
