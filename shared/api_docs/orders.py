"""OpenAPI fragment for the orders endpoints."""

from __future__ import annotations

from typing import Any

from shared.api_docs.change_rules import change_rules_extension, change_rules_table
from shared.api_docs.common import UNAVAILABLE, json_body, problem, ref
from shared.etags import IF_MATCH_PATTERN
from shared.orders.validation import IDEMPOTENCY_KEY_PATTERN

__all__ = ["CONTINUATION", "PATHS", "SCHEMAS", "STATUS"]

_ID = {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"}
STATUS = {
    "type": "string",
    "enum": ["PENDING", "CONFIRMED", "SHIPPED", "DELIVERED", "CANCELLED", "EXPIRED"],
}
_AMOUNT = {"type": "number", "minimum": 0, "maximum": 999999999999.99, "multipleOf": 0.01}
_QUANTITY = {"type": "integer", "minimum": 1, "maximum": 10000}
_ORDER_ID = {"name": "order_id", "in": "path", "required": True, "schema": {"type": "string"}}
_IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "description": "`*`, or one or more ETags; a syntax error is 400, no current ETag listed is 412",
    "schema": {"type": "string", "pattern": IF_MATCH_PATTERN},
}
_IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "description": "Retry-safe creation: one order per key and body for 24 h, a retry answered "
    "with that order (`Idempotency-Replayed: true`); per customer for a caller who orders for "
    "several (a quoted sf-string or bare)",
    "schema": {"type": "string", "pattern": f"^(?:{IDEMPOTENCY_KEY_PATTERN.pattern})$"},
}
CONTINUATION = {
    "name": "continuation",
    "in": "query",
    "description": "The opaque token of the previous page; one this API did not issue for this query is 400",
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]*$"},
}
_ETAG = {"ETag": {"schema": {"type": "string"}}}

SCHEMAS: dict[str, Any] = {
    "NewOrder": {
        "type": "object",
        "additionalProperties": False,
        "example": {
            "customer_id": "c-1",
            "product_id": "p-9",
            "quantity": 2,
            "total_amount": 19.99,
        },
        "description": "customer_id names whose order it is. A customer (a caller with "
        "neither app role) may leave it out, and their own is taken from the token; naming "
        "another customer is 403",
        "required": ["customer_id", "product_id", "quantity", "total_amount"],
        "properties": {
            "customer_id": _ID,
            "product_id": _ID,
            "quantity": _QUANTITY,
            "total_amount": _AMOUNT,
        },
    },
    "OrderChanges": {
        "type": "object",
        "additionalProperties": False,
        "minProperties": 1,
        "example": {"status": "CONFIRMED"},
        "properties": {
            "product_id": _ID,
            "quantity": _QUANTITY,
            "total_amount": _AMOUNT,
            "status": STATUS,
        },
    },
    "Order": {
        "type": "object",
        "required": [
            "order_id",
            "customer_id",
            "product_id",
            "quantity",
            "total_amount",
            "status",
            "created_at",
            "updated_at",
        ],
        "properties": {
            "order_id": {"type": "string", "format": "uuid"},
            "customer_id": _ID,
            "product_id": _ID,
            "quantity": _QUANTITY,
            "total_amount": _AMOUNT,
            "status": STATUS,
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
        },
    },
    "ChangeProblem": {
        "description": "A refused change (`forbidden-change`): `errors` names each field the "
        "caller may not change in the order's status (`status` for the transition, an empty "
        "field for a delete), `transition` the refused status transition",
        "allOf": [
            ref("Problem"),
            {
                "type": "object",
                "properties": {
                    "transition": {
                        "type": "object",
                        "required": ["from", "to"],
                        "properties": {"from": STATUS, "to": STATUS},
                    }
                },
            },
        ],
    },
    "OrderPage": {
        "type": "object",
        "required": ["items", "continuation"],
        "properties": {
            "items": {"type": "array", "items": ref("Order")},
            "continuation": {"type": ["string", "null"]},
        },
    },
}

_ORDER = json_body(ref("Order")) | {"headers": _ETAG}
_CREATED = json_body(
    ref("Order"),
    "Created, or replayed for a repeated Idempotency-Key (`Idempotency-Replayed: true`)",
) | {
    "headers": _ETAG
    | {
        "Location": {"schema": {"type": "string"}},
        "Idempotency-Replayed": {"schema": {"const": "true"}},
    },
    "links": {
        "get_order": {
            "operationId": "get_order",
            "parameters": {"order_id": "$response.body#/order_id"},
        },
        "update_order": {
            "operationId": "update_order",
            "parameters": {
                "order_id": "$response.body#/order_id",
                "If-Match": "$response.header.ETag",
            },
        },
        "delete_order": {
            "operationId": "delete_order",
            "parameters": {
                "order_id": "$response.body#/order_id",
                "If-Match": "$response.header.ETag",
            },
        },
    },
}
_CHANGE_RULES = (
    "What each caller may change, by the order's status (a field sent with the value it "
    "already has changes nothing and is never refused; a transition outside the lifecycle "
    "is 409 for everyone):\n\n" + change_rules_table()
)


def _refused(description: str) -> dict[str, Any]:
    return problem(description) | {
        "content": {"application/problem+json": {"schema": ref("ChangeProblem")}}
    }


_BODY_PROBLEMS = {
    "400": problem("The body is not JSON, or a header is malformed"),
    "413": problem("Body over 64 KiB"),
    "415": problem("The body is not application/json"),
}

PATHS: dict[str, Any] = {
    "/orders": {
        "post": {
            "operationId": "create_order",
            "parameters": [_IDEMPOTENCY_KEY],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": ref("NewOrder")}},
            },
            "responses": {
                "201": _CREATED,
                **_BODY_PROBLEMS,
                "422": problem("Invalid fields, or the Idempotency-Key was used with another body"),
                "503": UNAVAILABLE,
            },
        },
        "get": {
            "operationId": "list_orders",
            "description": "One page per call, one storage request: a page may hold fewer than "
            "`limit` orders, or none, and still carry a `continuation`; follow it until it is "
            "null. A customer's listing (or `customer_id`) is that customer's orders in creation "
            "order, read from their own partition; orders created before the customer index "
            "existed are not in it (docs/storage-design.md)",
            "parameters": [
                {
                    "name": "customer_id",
                    "in": "query",
                    "description": "An empty value is no value: the Functions host drops it",
                    "schema": _ID,
                    "allowEmptyValue": True,
                    "example": "c-1",
                },
                {"name": "status", "in": "query", "schema": STATUS},
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
                "422": problem("Invalid query parameters"),
                "503": UNAVAILABLE,
            },
        },
    },
    "/orders/{order_id}": {
        "parameters": [_ORDER_ID],
        "get": {
            "operationId": "get_order",
            "responses": {"200": _ORDER, "404": problem("No such order"), "503": UNAVAILABLE},
        },
        "patch": {
            "operationId": "update_order",
            "description": _CHANGE_RULES,
            "x-change-rules": change_rules_extension(),
            "parameters": [_IF_MATCH | {"required": True}],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": ref("OrderChanges")}},
            },
            "responses": {
                "200": _ORDER,
                **_BODY_PROBLEMS,
                "403": _refused(
                    "The caller's roles may not change orders, or not this field in the "
                    "order's status, or not this status transition (`forbidden-change`)"
                ),
                "404": problem("No such order"),
                "409": problem("Status change outside the lifecycle"),
                "412": problem("Stale ETag"),
                "422": problem("Invalid fields"),
                "428": problem("If-Match missing"),
                "503": UNAVAILABLE,
            },
        },
        "delete": {
            "operationId": "delete_order",
            "description": _CHANGE_RULES,
            "parameters": [_IF_MATCH],
            "responses": {
                "204": {"description": "Deleted"},
                "400": problem("Malformed If-Match"),
                "403": _refused(
                    "The caller's roles may not delete orders, or not in the order's status "
                    "(`forbidden-change`)"
                ),
                "404": problem("No such order"),
                "412": problem("Stale ETag"),
                "503": UNAVAILABLE,
            },
        },
    },
}
