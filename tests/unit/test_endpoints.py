"""Every HTTP function of the app is declared through `Blueprint.endpoint`, so none can answer
without the error mapper (a traceback or an SDK message would reach the client)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import azure.functions as func
import pytest

from blueprints.endpoint import ENDPOINT_MARK, Blueprint
from tests.support import registered_functions

if TYPE_CHECKING:
    from tests.otel import Sdk


def _is_http(function: object) -> bool:
    return any(b.type == "httpTrigger" for b in function.get_bindings())  # type: ignore[attr-defined]


def test_every_http_function_is_a_wrapped_endpoint() -> None:
    http = {name: f for name, f in registered_functions().items() if _is_http(f)}
    assert len(http) >= 10  # the orders API, the feed's views, images, health, openapi, page
    unwrapped = [n for n, f in http.items() if not getattr(f.get_user_function(), ENDPOINT_MARK, 0)]
    assert unwrapped == []


def test_a_bare_route_cannot_be_declared() -> None:
    bp = Blueprint()
    with pytest.raises(TypeError, match=r"Blueprint\.endpoint"):

        @bp.route(route="raw", methods=["GET"])
        async def raw(req: func.HttpRequest) -> func.HttpResponse:  # pragma: no cover
            return func.HttpResponse("no problem mapping here")


def test_an_endpoint_keeps_the_handler_name_and_the_worker_signature() -> None:
    function = registered_functions()["get_order"].get_user_function()
    assert function.__name__ == "get_order"
    assert list(function.__code__.co_varnames[:2]) == ["req", "context"]


async def test_the_callers_object_id_and_nothing_else_marks_the_request_and_its_spans(
    otel: Sdk, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opentelemetry import trace

    from shared import bootstrap, telemetry
    from shared.auth import Caller
    from tests.auth import headers_for, platform_on
    from tests.support import InvocationContext

    monkeypatch.setenv("AzureWebJobsStorage", "UseDevelopmentStorage=true")
    platform_on(monkeypatch)
    await bootstrap.reset()
    bp = Blueprint()

    @bp.endpoint("whoami", methods=["GET"])
    async def whoami(req: func.HttpRequest, caller: Caller) -> func.HttpResponse:
        with telemetry.span("work"):
            return func.HttpResponse(caller.id)

    app = func.FunctionApp()
    app.register_functions(bp)
    [function] = app.get_functions()
    request = func.HttpRequest(
        "GET", "http://localhost/api/whoami", headers=headers_for("oid-1"), body=b""
    )
    tracer = trace.get_tracer("test-host")
    with tracer.start_as_current_span("invocation"):  # the host's span, recorded in-process
        response = await function.get_user_function()(request, InvocationContext("whoami"))
    assert response.get_body() == b"oid-1"
    spans = {span.name: dict(span.attributes or {}) for span in otel.finished()}
    assert spans["invocation"]["enduser.id"] == spans["work"]["enduser.id"] == "oid-1"
    assert not any("Test user" in str(v) for attrs in spans.values() for v in attrs.values())
    await bootstrap.reset()
