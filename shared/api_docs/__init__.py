"""The OpenAPI 3.1 document, assembled from one fragment per feature.

A feature adds its module here; tests compare the document's paths with the app's
registered HTTP functions in both directions, so the two cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from shared.api_docs import changes, common, images, orders
from shared.api_docs.security import SCHEME, SECURITY_SCHEMES, secure

__all__ = ["openapi_document"]

_FRAGMENTS = (common, orders, changes, images)


def openapi_document() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for fragment in _FRAGMENTS:
        paths |= fragment.PATHS
        schemas |= fragment.SCHEMAS
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Orders and thumbnails API",
            "version": "1.0.0",
            "description": "Errors are RFC 9457 application/problem+json documents.",
        },
        "servers": [{"url": "/api"}],
        "components": {
            "schemas": schemas,
            "securitySchemes": SECURITY_SCHEMES,
        },
        "security": [{SCHEME: []}],
        "paths": secure(paths),
    }
