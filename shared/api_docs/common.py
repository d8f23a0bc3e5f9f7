"""Shapes every feature uses: problems, and the anonymous health and spec endpoints."""

from __future__ import annotations

from typing import Any

__all__ = ["PATHS", "SCHEMAS", "json_body", "problem", "ref"]


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def json_body(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": ref("Problem")}},
    }


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
                "200": json_body({"type": "object"}, "The app and its storage are reachable"),
                "503": problem("Storage is unreachable"),
            },
        }
    },
    "/openapi.json": {
        "get": {
            "operationId": "openapi",
            "security": [],
            "responses": {"200": json_body({"type": "object"}, "This document")},
        }
    },
}
