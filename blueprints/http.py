"""HTTP plumbing shared by every blueprint: JSON in and out, problem+json, ETags.

`problem_for` holds the one table from the core's exceptions to HTTP answers (RFC 9457);
`blueprints.endpoint` applies it to every HTTP function, so handlers stay a few lines long and
never leak a traceback or an SDK message.
"""

import base64
import binascii
import logging
from typing import Any

import azure.functions as func

from shared.config import SettingsError
from shared.errors import (
    AppError,
    Conflict,
    Forbidden,
    ForbiddenChange,
    InvalidInput,
    IssuerUnavailable,
    MalformedRequest,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    PreconditionRequired,
    StorageUnavailable,
    Unauthenticated,
    UnsupportedMediaType,
)
from shared.etags import parse_if_match
from shared.jsoncodec import decode_json, encode_json

__all__ = [
    "MAX_BODY_BYTES",
    "entity_etags",
    "http_etag",
    "internal_error",
    "json_response",
    "problem_for",
    "problem_response",
    "read_json",
]

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
PROBLEM_TYPE = "urn:orders-api:problem:"
RETRY_AFTER_SECONDS = "5"
_STATUS_BY_ERROR: tuple[tuple[type[AppError], int, str], ...] = (
    (InvalidInput, 422, "Unprocessable Content"),
    (MalformedRequest, 400, "Bad Request"),
    (Unauthenticated, 401, "Unauthorized"),
    (Forbidden, 403, "Forbidden"),
    (NotFound, 404, "Not Found"),
    (Conflict, 409, "Conflict"),
    (PreconditionFailed, 412, "Precondition Failed"),
    (PreconditionRequired, 428, "Precondition Required"),
    (PayloadTooLarge, 413, "Content Too Large"),
    (UnsupportedMediaType, 415, "Unsupported Media Type"),
    (StorageUnavailable, 503, "Service Unavailable"),
    (IssuerUnavailable, 503, "Service Unavailable"),
    (SettingsError, 503, "Service Unavailable"),
)


def json_response(
    status: int, body: object, *, headers: dict[str, str] | None = None
) -> func.HttpResponse:
    return func.HttpResponse(
        encode_json(body), status_code=status, headers=headers, mimetype="application/json"
    )


def problem_response(
    status: int, title: str, detail: str, *, code: str, extra: dict[str, Any] | None = None
) -> func.HttpResponse:
    body = {"type": PROBLEM_TYPE + code, "title": title, "status": status, "detail": detail}
    headers = {"Retry-After": RETRY_AFTER_SECONDS} if status == 503 else {}
    if status == 401:  # RFC 9110: a 401 names the scheme that would get through
        headers["WWW-Authenticate"] = "Bearer"
    return func.HttpResponse(
        encode_json(body | (extra or {})),
        status_code=status,
        headers=headers,
        mimetype="application/problem+json",
    )


def problem_for(error: AppError) -> func.HttpResponse | None:
    """The problem response for a known failure; None for one this table does not map."""
    for kind, status, title in _STATUS_BY_ERROR:
        if isinstance(error, kind):
            extra = _members(error)
            return problem_response(status, title, error.detail, code=error.code, extra=extra)
    return None


def _members(error: AppError) -> dict[str, Any] | None:
    """The problem's extension members: which fields (and, for a refused change, which
    status transition) the problem is about."""
    if isinstance(error, InvalidInput | ForbiddenChange) and error.errors:
        extra: dict[str, Any] = {
            "errors": [{"field": e.field, "message": e.message} for e in error.errors]
        }
        if isinstance(error, ForbiddenChange) and error.transition:
            extra["transition"] = dict(zip(("from", "to"), error.transition, strict=True))
        return extra
    if isinstance(error, SettingsError):  # names and rules only, never values
        return {"errors": [{"field": p.name, "message": p.rule} for p in error.problems]}
    return None


def read_json(req: func.HttpRequest, *, max_bytes: int = MAX_BODY_BYTES) -> object:
    """The request's JSON body, or the right 400/413/415 problem."""
    media_type = (req.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise UnsupportedMediaType("Send the body as application/json.")
    body = req.get_body()
    if len(body) > max_bytes:
        raise PayloadTooLarge(f"The body exceeds {max_bytes} bytes.")
    try:
        return decode_json(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedRequest("The body is not valid JSON.") from exc


def http_etag(entity_tag: str | None) -> str | None:
    """A strong, opaque HTTP ETag for a (weak, revealing) Table Storage ETag."""
    if entity_tag is None:
        return None
    return '"' + base64.urlsafe_b64encode(entity_tag.encode()).decode().rstrip("=") + '"'


def entity_etags(if_match: str | None) -> tuple[str, ...] | None:
    """The Table Storage ETags a client's If-Match names: None without the header, ("*",) for
    any version; weak or undecodable tags never equal a stored ETag. 400 if malformed."""
    tags = parse_if_match(if_match)
    if tags is None or tags == "*":
        return None if tags is None else ("*",)
    return tuple(_stored_etag(opaque) if not weak else "unmatchable" for weak, opaque in tags)


def _stored_etag(opaque: str) -> str:
    try:
        return base64.urlsafe_b64decode(opaque + "=" * (-len(opaque) % 4)).decode()
    except (binascii.Error, ValueError):
        return "unmatchable"


def internal_error(function_name: str, invocation_id: str) -> func.HttpResponse:
    """Log the bug with the invocation id; tell the client nothing about it."""
    logger.exception("unhandled error function=%s invocation_id=%s", function_name, invocation_id)
    return problem_response(
        500,
        "Internal Server Error",
        "The server failed; the error was logged.",
        code="internal-error",
    )
