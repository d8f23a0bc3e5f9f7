"""Change-feed failures, each a small subclass of the project's hierarchy in shared.errors."""

from __future__ import annotations

from shared.errors import Conflict, InvalidInput, MalformedRequest

__all__ = ["BadEventMessage", "InvalidReportDate", "ReadModelConflict"]


class BadEventMessage(MalformedRequest):
    """A queue message is not an order event; retrying it can never succeed."""

    code = "bad-event-message"


class ReadModelConflict(Conflict):
    """A read-model row changed between its read and its write (ETag mismatch)."""

    code = "read-model-conflict"


class InvalidReportDate(InvalidInput):
    """The report date is not a calendar date written YYYY-MM-DD."""

    code = "validation-failed"
