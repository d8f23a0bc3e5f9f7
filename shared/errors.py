"""The project's one exception hierarchy.

Each class names a kind of failure the app answers on purpose; one mapper in
`blueprints/http.py` turns them into RFC 9457 problem responses. Anything else is a bug and
becomes a generic 500.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from shared.settings_rules import SettingProblem

__all__ = [
    "AppError",
    "ClientNotAllowed",
    "Conflict",
    "FieldError",
    "Forbidden",
    "ForbiddenChange",
    "InvalidInput",
    "IssuerUnavailable",
    "MalformedRequest",
    "NotFound",
    "PayloadTooLarge",
    "PreconditionFailed",
    "PreconditionRequired",
    "SettingsError",
    "StorageUnavailable",
    "Unauthenticated",
    "UnsupportedMediaType",
]


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one field of a request (`field` is a JSON-pointer-like path)."""

    field: str
    message: str


class AppError(Exception):
    """Base for every failure the app reports to its caller on purpose."""

    code = "error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class MalformedRequest(AppError):
    """The request cannot be parsed (bad JSON, tampered token, bad header)."""

    code = "malformed-request"


class InvalidInput(AppError):
    """The request parsed but its fields break the contract."""

    code = "validation-failed"

    def __init__(self, detail: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.errors = errors or []


class Unauthenticated(AppError):
    """The request names no caller, or one that cannot be read: authenticate and retry."""

    code = "unauthenticated"


class Forbidden(AppError):
    """The caller is known but may not do this (a role is missing)."""

    code = "forbidden"


class ClientNotAllowed(Forbidden):
    """A valid token, issued to a client application not on AUTH_ALLOWED_CLIENT_APPLICATIONS."""

    code = "client-not-allowed"


class ForbiddenChange(Forbidden):
    """The caller's roles may not change these fields of a resource, make this status
    transition, or delete it, in the status it is in (shared.orders.change_rules). `errors`
    names each field (`status` for the transition, "" for a delete); `transition` is the
    refused (from, to), when one was."""

    code = "forbidden-change"

    def __init__(
        self,
        detail: str,
        errors: list[FieldError],
        transition: tuple[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.errors = errors
        self.transition = transition


class NotFound(AppError):
    """The addressed resource does not exist."""

    code = "not-found"


class Conflict(AppError):
    """The request conflicts with the resource's current state."""

    code = "conflict"


class PreconditionFailed(AppError):
    """The client's If-Match no longer matches the resource."""

    code = "precondition-failed"


class PreconditionRequired(AppError):
    """The operation needs an If-Match header and none was sent."""

    code = "precondition-required"


class PayloadTooLarge(AppError):
    """The request body exceeds the allowed size."""

    code = "payload-too-large"


class UnsupportedMediaType(AppError):
    """The request body is not in a media type the endpoint accepts."""

    code = "unsupported-media-type"


class StorageUnavailable(AppError):
    """Storage could not be reached in time; the caller may retry later."""

    code = "storage-unavailable"


class IssuerUnavailable(AppError):
    """The token issuer's signing keys could not be fetched and none are cached: retry later."""

    code = "issuer-unavailable"


class SettingsError(AppError):
    """App settings are missing or malformed: the app refuses all work until they are fixed.

    The message names each bad setting and its rule, never a value (values may be secrets),
    so it may be logged and answered as it is."""

    code = "misconfigured"

    def __init__(self, detail: str, problems: Sequence[SettingProblem] = ()) -> None:
        super().__init__(detail)
        self.problems = tuple(problems)

    @classmethod
    def from_problems(cls, problems: Sequence[SettingProblem]) -> SettingsError:
        listed = "; ".join(str(problem) for problem in problems)
        return cls(f"The app settings are invalid: {listed}.", problems)
