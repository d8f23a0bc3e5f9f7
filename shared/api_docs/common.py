"""Shapes every feature uses: problems, and the anonymous health and spec endpoints."""

from __future__ import annotations

from typing import Any

__all__ = ["PATHS", "SCHEMAS", "UNAVAILABLE", "json_body", "problem", "ref"]


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def json_body(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": ref("Problem")}},
    }


# Every operation can answer this: storage unreachable (within 15 s), an app setting is
# invalid and the app refuses all work until it is fixed (type ...:misconfigured), or the
# token issuer's signing keys cannot be fetched (type ...:issuer-unavailable).
UNAVAILABLE = problem(
    "Storage is unreachable, an app setting is invalid (`misconfigured`, naming the "
    "settings), or the token issuer's keys cannot be fetched (`issuer-unavailable`); "
    "`Retry-After` says when to try again"
) | {"headers": {"Retry-After": {"schema": {"type": "string", "pattern": "^[0-9]+$"}}}}

SCHEMAS: dict[str, Any] = {
    "Problem": {
        "type": "object",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string", "format": "uri"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                },
            },
        },
    },
}

PATHS: dict[str, Any] = {
    "/health": {
        "get": {
            "operationId": "health",
            "security": [],
            "responses": {
                "200": json_body(
                    {
                        "type": "object",
                        "required": ["status", "storage"],
                        "properties": {"status": {"const": "ok"}, "storage": {"const": "ok"}},
                    },
                    "The app and its storage are reachable",
                ),
                "503": UNAVAILABLE,
            },
        }
    },
    "/openapi.json": {
        "get": {
            "operationId": "openapi",
            "security": [],
            "responses": {
                "200": json_body({"type": "object"}, "This document"),
                "503": UNAVAILABLE,
            },
        }
    },
}
