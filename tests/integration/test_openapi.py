"""The OpenAPI document and the registered HTTP functions describe the same API."""

from __future__ import annotations

import re

import pytest

from blueprints.endpoint import ANONYMOUS_MARK
from tests.support import call_http, json_of, registered_functions

# Serving the document needs no storage, but the app refuses all work without valid settings.
pytestmark = pytest.mark.usefixtures("storage_env")
_PARAMETER = re.compile(r"\{\*?([A-Za-z0-9_]+)(:[^}?]*)?\??\}")


def registered_operations() -> set[tuple[str, str]]:
    operations = set()
    for function in registered_functions().values():
        trigger = function.get_trigger()
        if trigger.get_binding_name() != "httpTrigger":
            continue
        path = "/" + _PARAMETER.sub(r"{\1}", trigger.route)
        for method in trigger.methods:
            if str(method.value) != "OPTIONS":
                operations.add((path, str(method.value).lower()))
    return operations


async def documented_operations() -> set[tuple[str, str]]:
    document = json_of(await call_http("openapi", "GET"))
    assert document["openapi"].startswith("3.1")
    return {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }


async def test_every_registered_http_function_is_documented() -> None:
    missing = registered_operations() - await documented_operations()
    assert not missing, f"registered but not in openapi.json: {sorted(missing)}"


async def test_the_document_names_no_route_the_app_lacks() -> None:
    extra = await documented_operations() - registered_operations()
    assert not extra, f"documented but not registered: {sorted(extra)}"


def test_anonymous_endpoints_are_exactly_health_openapi_and_the_upload_page() -> None:
    """Anonymous for the app (no caller needed). Every HTTP function is anonymous for the
    host's key check: function keys are not the lock (docs/security.md)."""
    http = {
        name: function
        for name, function in registered_functions().items()
        if function.get_trigger().get_binding_name() == "httpTrigger"
    }
    anonymous = {n for n, f in http.items() if getattr(f.get_user_function(), ANONYMOUS_MARK)}
    assert anonymous == {"health", "openapi", "upload_page"}
    levels = {str(f.get_trigger().auth_level.value).upper() for f in http.values()}
    assert levels == {"ANONYMOUS"}
