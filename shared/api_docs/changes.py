"""OpenAPI fragment for the read models the change feed maintains."""

from __future__ import annotations

from typing import Any

from shared.api_docs.common import UNAVAILABLE, json_body, problem, ref
from shared.api_docs.orders import CONTINUATION, STATUS

__all__ = ["PATHS", "SCHEMAS"]

_STATUS = STATUS
_AMOUNT = {"type": "number", "minimum": 0}
_TALLY = {
    "type": "object",
    "required": ["count", "total_amount"],
    "properties": {"count": {"type": "integer", "minimum": 0}, "total_amount": _AMOUNT},
}

SCHEMAS: dict[str, Any] = {
    "OrderReport": {
        "type": "object",
        "required": ["date", "by_status", "count", "total_amount"],
        "description": "Orders created on `date` (UTC), by their current status.",
        "properties": {
            "date": {"type": "string", "format": "date"},
            "by_status": {
                "type": "object",
                "additionalProperties": _TALLY,
                "propertyNames": _STATUS,
            },
            "count": {"type": "integer", "minimum": 0},
            "total_amount": _AMOUNT,
        },
    },
}

PATHS: dict[str, Any] = {
    "/customers/{customer_id}/orders": {
        "get": {
            "operationId": "list_customer_orders",
            "description": "A customer's orders from the OrdersByCustomer read model (eventually consistent: a change appears once its event is processed).",
            "parameters": [
                {
                    "name": "customer_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
                },
                {"name": "status", "in": "query", "schema": _STATUS},
                {
                    "name": "limit",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
                },
                CONTINUATION,
            ],
            "responses": {
                "200": json_body(ref("OrderPage")),
                "400": problem("Bad continuation token"),
                "422": problem("Invalid customer id or query parameters"),
                "503": UNAVAILABLE,
            },
        },
    },
    "/reports/orders": {
        "get": {
            "operationId": "get_order_report",
            "description": "Counts and amounts per status of the orders created on one UTC day (eventually consistent).",
            "parameters": [
                {
                    "name": "date",
                    "in": "query",
                    "description": "YYYY-MM-DD; today (UTC) when absent or empty (the Functions host drops an empty value)",
                    "schema": {"type": "string", "format": "date"},
                    "allowEmptyValue": True,
                    "example": "2026-11-26",
                }
            ],
            "responses": {
                "200": json_body(ref("OrderReport")),
                "422": problem("Invalid date"),
                "503": UNAVAILABLE,
            },
        },
    },
}
