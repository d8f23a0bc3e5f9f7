"""One way to declare an HTTP function: `Blueprint.endpoint`.

It registers the route and wraps the handler in one step with what every endpoint needs: the
invocation's log context, the settings check, CORS and preflight answers, who the caller is,
the write's rejection metric, and the mapping of the core's exceptions to problem+json (RFC
9457). The inherited `route` refuses to be used, so a route without the error mapper cannot
be written; a test checks every HTTP function of the app went through here.

Every route decides who may call it: an `anonymous` one takes the request alone; any other
is handed the `Caller` its verified bearer token names (shared.auth), and the core's rules
decide what that caller may do. The caller is read here and nowhere else.
"""

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal, NoReturn, cast, overload

import azure.functions as func

from blueprints.http import internal_error, problem_for
from blueprints.lazy import lazy_module
from shared.config import SettingsError
from shared.errors import AppError, IssuerUnavailable, StorageUnavailable

if TYPE_CHECKING:
    from shared import auth, bootstrap, telemetry
    from shared.auth import Caller
    from shared.config import AuthSettings
else:
    auth = lazy_module("shared.auth")
    bootstrap = lazy_module("shared.bootstrap")
    telemetry = lazy_module("shared.telemetry")

__all__ = ["ANONYMOUS_MARK", "ENDPOINT_MARK", "AnonymousHandler", "Blueprint", "Handler"]

Handler = Callable[[func.HttpRequest, "Caller"], Awaitable[func.HttpResponse]]
AnonymousHandler = Callable[[func.HttpRequest], Awaitable[func.HttpResponse]]
Endpoint = Callable[[func.HttpRequest, func.Context], Awaitable[func.HttpResponse]]
# Set on every wrapped endpoint, so tests can tell that none escaped the wrapper; the second
# on those that take anonymous calls (the deploy checks compare them with infra's list).
ENDPOINT_MARK = "__orders_endpoint__"
ANONYMOUS_MARK = "__orders_anonymous__"

_CORS_METHODS = "GET, POST, PATCH, DELETE, OPTIONS"
_CORS_HEADERS = "Authorization, Content-Type, If-Match, Idempotency-Key"
_CORS_EXPOSED = "ETag, Location, Idempotency-Replayed, Retry-After"


class Blueprint(func.Blueprint):
    """The app's blueprint: HTTP functions are declared with `endpoint`, never `route`."""

    def __init__(self) -> None:
        # azure-functions' constructor is unannotated; mypy's untyped_calls_exclude (which
        # covers the library's other calls) does not reach a super() call.
        super().__init__()  # type: ignore[no-untyped-call]

    @overload
    def endpoint(
        self,
        route: str,
        *,
        methods: Sequence[str],
        anonymous: Literal[True],
        rejections: str | None = None,
    ) -> Callable[[AnonymousHandler], Any]: ...

    @overload
    def endpoint(
        self,
        route: str,
        *,
        methods: Sequence[str],
        anonymous: Literal[False] = False,
        rejections: str | None = None,
    ) -> Callable[[Handler], Any]: ...

    def endpoint(
        self,
        route: str,
        *,
        methods: Sequence[str],
        anonymous: bool = False,
        rejections: str | None = None,
    ) -> Callable[[Any], Any]:
        """Register `handler` on `route` for `methods`, wrapped (module docstring).

        An `anonymous` handler takes the request alone and answers anyone; any other takes
        `(request, caller)`. Function keys are no lock here: callers are identified by the
        platform (docs/security.md). `rejections` names the write (create, update, delete)
        whose refusals count in orders.rejected."""

        def register(handler: Any) -> Any:
            endpoint = _wrap(handler, anonymous=anonymous, rejections=rejections)
            return super(Blueprint, self).route(
                route=route, methods=methods, auth_level=func.AuthLevel.ANONYMOUS
            )(endpoint)

        return register

    def route(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("declare HTTP functions with Blueprint.endpoint (blueprints/endpoint.py)")


def _wrap(
    handler: Handler | AnonymousHandler, *, anonymous: bool, rejections: str | None
) -> Endpoint:
    """The endpoint the worker runs. It is a coroutine function too, so the worker runs it on
    its event loop; its log lines are marked with the invocation id."""

    async def endpoint(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
        with telemetry.invocation(context.invocation_id):
            try:
                auth_settings = bootstrap.settings().auth  # invalid settings: every function's 503
                if req.method.upper() == "OPTIONS":
                    return _preflight(req)
                if anonymous:
                    response = await cast("AnonymousHandler", handler)(req)
                else:
                    caller = await _caller(req, auth_settings)
                    with telemetry.caller(caller.id):
                        response = await cast("Handler", handler)(req, caller)
            except Exception as error:  # noqa: BLE001 - the one place bugs become a logged 500
                if rejections and isinstance(error, AppError):
                    _count_rejection(rejections, error)
                mapped = problem_for(error) if isinstance(error, AppError) else None
                if mapped is None:
                    mapped = internal_error(handler.__name__, context.invocation_id)
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
    setattr(endpoint, ENDPOINT_MARK, True)
    setattr(endpoint, ANONYMOUS_MARK, anonymous)
    return endpoint


async def _caller(req: func.HttpRequest, settings: "AuthSettings") -> "Caller":
    """Who calls: the local developer while authentication is off (local development only),
    else the caller whose valid token came with the request (docs/security.md, "Trust")."""
    if not settings.required:
        return auth.LOCAL_DEVELOPER
    return await auth.authenticate(
        req.headers, verifier=bootstrap.token_verifier(), customer_claim=settings.customer_claim
    )


def _count_rejection(operation: str, error: AppError) -> None:
    """A refused write (4xx problem) counts by problem type; an unreachable store (503) is
    not a refusal."""
    if not isinstance(error, StorageUnavailable | SettingsError | IssuerUnavailable):
        telemetry.record(
            telemetry.metrics.ORDERS_REJECTED,
            attributes={"operation": operation, "problem.type": error.code},
        )


def _cors_headers(req: func.HttpRequest) -> dict[str, str]:
    origin = (req.headers.get("Origin") or "").rstrip("/")
    if not origin or origin not in bootstrap.settings().cors_allowed_origins:
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
