"""OpenAPI fragment for the orders endpoints."""

from __future__ import annotations

from typing import Any

from shared.api_docs.common import json_body, problem, ref

__all__ = ["PATHS", "SCHEMAS"]

_ID = {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"}
_STATUS = {"enum": ["PENDING", "CONFIRMED", "SHIPPED", "DELIVERED", "CANCELLED", "EXPIRED"]}
_AMOUNT = {"type": "number", "minimum": 0, "maximum": 999999999999.99, "multipleOf": 0.01}
_QUANTITY = {"type": "integer", "minimum": 1, "maximum": 10000}
_ORDER_ID = {"name": "order_id", "in": "path", "required": True, "schema": {"type": "string"}}
_IF_MATCH = {"name": "If-Match", "in": "header", "schema": {"type": "string"}}
_ETAG = {"ETag": {"schema": {"type": "string"}}}

SCHEMAS: dict[str, Any] = {
    "NewOrder": {
        "type": "object", "additionalProperties": False,
        "required": ["customer_id", "product_id", "quantity", "total_amount"],
        "properties": {"customer_id": _ID, "product_id": _ID, "quantity": _QUANTITY,
                       "total_amount": _AMOUNT},
    },
    "OrderChanges": {
        "type": "object", "additionalProperties": False, "minProperties": 1,
        "properties": {"product_id": _ID, "quantity": _QUANTITY, "total_amount": _AMOUNT,
                       "status": _STATUS},
    },
    "Order": {
        "type": "object",
        "required": ["order_id", "customer_id", "product_id", "quantity", "total_amount",
                     "status", "created_at", "updated_at"],
        "properties": {"order_id": {"type": "string", "format": "uuid"}, "customer_id": _ID,
                       "product_id": _ID, "quantity": _QUANTITY, "total_amount": _AMOUNT,
                       "status": _STATUS, "created_at": {"type": "string", "format": "date-time"},
                       "updated_at": {"type": "string", "format": "date-time"}},
    },
    "OrderPage": {
        "type": "object", "required": ["items", "continuation"],
        "properties": {"items": {"type": "array", "items": ref("Order")},
                       "continuation": {"type": ["string", "null"]}},
    },
}  # fmt: skip

_ORDER = json_body(ref("Order")) | {"headers": _ETAG}

PATHS: dict[str, Any] = {
    "/orders": {
        "post": {
            "operationId": "create_order",
            "parameters": [{"name": "Idempotency-Key", "in": "header", "schema": {"type": "string"}}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": ref("NewOrder")}}},
            "responses": {
                "201": _ORDER | {"description": "Created (or replayed: Idempotency-Replayed: true)"},
                "400": problem("Malformed JSON or header"), "413": problem("Body over 64 KiB"),
                "415": problem("Not JSON"), "422": problem("Invalid fields, or a reused key"),
                "503": problem("Storage unavailable"),
            },
        },
        "get": {
            "operationId": "list_orders",
            "parameters": [
                {"name": "customer_id", "in": "query", "schema": _ID},
                {"name": "status", "in": "query", "schema": _STATUS},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
                {"name": "continuation", "in": "query", "schema": {"type": "string"}},
            ],
            "responses": {"200": json_body(ref("OrderPage")), "400": problem("Bad continuation token"),
                          "422": problem("Invalid query parameters")},
        },
    },
    "/orders/{order_id}": {
        "parameters": [_ORDER_ID],
        "get": {"operationId": "get_order",
                "responses": {"200": _ORDER, "404": problem("No such order")}},
        "patch": {
            "operationId": "update_order",
            "parameters": [_IF_MATCH | {"required": True}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": ref("OrderChanges")}}},
            "responses": {"200": _ORDER, "404": problem("No such order"),
                          "409": problem("Status change not allowed"), "412": problem("Stale ETag"),
                          "422": problem("Invalid fields"), "428": problem("If-Match missing")},
        },
        "delete": {
            "operationId": "delete_order",
            "parameters": [_IF_MATCH],
            "responses": {"204": {"description": "Deleted"}, "404": problem("No such order"),
                          "412": problem("Stale ETag")},
        },
    },
}  # fmt: skip
