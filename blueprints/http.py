"""HTTP plumbing shared by every blueprint: JSON in and out, problem+json, CORS, ETags.

`http_endpoint` is the one place where the core's exceptions become HTTP answers (RFC 9457),
so handlers stay a few lines long and never leak a traceback or an SDK message.
"""

import base64
import binascii
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import azure.functions as func

from blueprints.lazy import lazy_module
from shared.config import SettingsError, get_settings
from shared.errors import (
    AppError,
    Conflict,
    InvalidInput,
    MalformedRequest,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    PreconditionRequired,
    StorageUnavailable,
    UnsupportedMediaType,
)
from shared.etags import parse_if_match
from shared.jsoncodec import decode_json, encode_json

if TYPE_CHECKING:
    from shared import telemetry
else:
    telemetry = lazy_module("shared.telemetry")

__all__ = [
    "MAX_BODY_BYTES",
    "entity_etags",
    "http_endpoint",
    "http_etag",
    "json_response",
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
    (NotFound, 404, "Not Found"),
    (Conflict, 409, "Conflict"),
    (PreconditionFailed, 412, "Precondition Failed"),
    (PreconditionRequired, 428, "Precondition Required"),
    (PayloadTooLarge, 413, "Content Too Large"),
    (UnsupportedMediaType, 415, "Unsupported Media Type"),
    (StorageUnavailable, 503, "Service Unavailable"),
    (SettingsError, 503, "Service Unavailable"),
)
_CORS_METHODS = "GET, POST, PATCH, DELETE, OPTIONS"
_CORS_HEADERS = "Content-Type, If-Match, Idempotency-Key, x-functions-key"
_CORS_EXPOSED = "ETag, Location, Idempotency-Replayed, Retry-After"


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
    return func.HttpResponse(
        encode_json(body | (extra or {})),
        status_code=status,
        headers=headers,
        mimetype="application/problem+json",
    )


def _problem_for(error: AppError) -> func.HttpResponse | None:
    """The problem response for a known failure; None for one this table does not map."""
    for kind, status, title in _STATUS_BY_ERROR:
        if isinstance(error, kind):
            extra = None
            if isinstance(error, InvalidInput) and error.errors:
                extra = {"errors": [{"field": e.field, "message": e.message} for e in error.errors]}
            if isinstance(error, SettingsError):  # names and rules only, never values
                extra = {"errors": [{"field": p.name, "message": p.rule} for p in error.problems]}
            return problem_response(status, title, error.detail, code=error.code, extra=extra)
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


def _cors_headers(req: func.HttpRequest) -> dict[str, str]:
    origin = (req.headers.get("Origin") or "").rstrip("/")
    if not origin or origin not in get_settings().cors_allowed_origins:
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Vary": "Origin",
        "Access-Control-Expose-Headers": _CORS_EXPOSED,
    }


def _preflight(req: func.HttpRequest) -> func.HttpResponse:
    headers = _cors_headers(req)
    if headers:
        headers |= {
            "Access-Control-Allow-Methods": _CORS_METHODS,
            "Access-Control-Allow-Headers": _CORS_HEADERS,
            "Access-Control-Max-Age": "600",
        }
    return func.HttpResponse(status_code=204, headers=headers)


def _internal_error(function_name: str, invocation_id: str) -> func.HttpResponse:
    """Log the bug with the invocation id; tell the client nothing about it."""
    logger.exception("unhandled error function=%s invocation_id=%s", function_name, invocation_id)
    return problem_response(
        500,
        "Internal Server Error",
        "The server failed; the error was logged.",
        code="internal-error",
    )


def http_endpoint(
    handler: Callable[[func.HttpRequest], Awaitable[func.HttpResponse]],
) -> Callable[[func.HttpRequest, func.Context], Awaitable[func.HttpResponse]]:
    """Wrap an async handler with CORS, preflight answers and the error-to-problem mapping,
    its log lines marked with the invocation id. The wrapper is a coroutine function too, so
    the worker runs it on its event loop."""

    async def endpoint(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
        with telemetry.invocation(context.invocation_id):
            try:
                get_settings()  # invalid settings: every function answers the same 503
                if req.method.upper() == "OPTIONS":
                    return _preflight(req)
                response = await handler(req)
            except Exception as error:  # noqa: BLE001 - the one place bugs become a logged 500
                mapped = _problem_for(error) if isinstance(error, AppError) else None
                if mapped is None:
                    mapped = _internal_error(handler.__name__, context.invocation_id)
                if isinstance(error, SettingsError):
                    return mapped  # no settings, so no CORS origins to answer with
                response = mapped
        for name, value in _cors_headers(req).items():
            response.headers[name] = value
        return response

    # The v2 model names the function after the Python function, and binds parameters by the
    # signature: keep the handler's name, but the wrapper's own (req, context) signature.
    for name in ("__module__", "__name__", "__qualname__", "__doc__"):
        setattr(endpoint, name, getattr(handler, name))
    return endpoint
