"""Every HTTP function of the app is declared through `Blueprint.endpoint`, so none can answer
without the error mapper (a traceback or an SDK message would reach the client)."""

from __future__ import annotations

import azure.functions as func
import pytest

from blueprints.endpoint import ENDPOINT_MARK, Blueprint
from tests.support import registered_functions


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
