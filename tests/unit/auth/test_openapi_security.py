"""The OpenAPI document states who may call each operation, as the rules decide it."""

from __future__ import annotations

from shared.api_docs import openapi_document
from shared.auth import READ_ALL, READ_WRITE_ALL

ANONYMOUS = {"health", "openapi", "upload_page"}


def operations() -> dict[str, dict]:  # type: ignore[type-arg]
    paths = openapi_document()["paths"]
    return {
        op["operationId"]: op
        for item in paths.values()
        for verb, op in item.items()
        if verb in ("get", "post", "patch", "delete")
    }


def test_the_bearer_scheme_is_declared_and_required_by_default() -> None:
    document = openapi_document()
    scheme = document["components"]["securitySchemes"]["entraId"]
    assert (scheme["type"], scheme["scheme"], scheme["bearerFormat"]) == ("http", "bearer", "JWT")
    assert document["security"] == [{"entraId": []}]


def test_anonymous_operations_need_nothing_and_every_other_answers_401_and_403() -> None:
    for name, op in operations().items():
        if name in ANONYMOUS:
            assert op["security"] == [] and "401" not in op["responses"], name
        else:
            assert {"401", "403"} <= set(op["responses"]), name
            assert "Who may call:" in op["description"], name


def test_reports_name_the_back_office_roles_and_customer_operations_any_caller() -> None:
    ops = operations()
    assert ops["get_order_report"]["security"] == [
        {"entraId": [READ_WRITE_ALL]},
        {"entraId": [READ_ALL]},
    ]
    assert ops["get_order"]["security"] == [{"entraId": []}]
    who = ops["update_order"]["description"].split("Who may call:")[1]
    assert "customer: their own only" in who
    assert READ_ALL not in who
