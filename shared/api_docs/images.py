"""OpenAPI fragment: image status and upload URLs."""

from __future__ import annotations

from typing import Any

from shared.api_docs.common import UNAVAILABLE, json_body, problem, ref
from shared.images.exceptions import REASONS
from shared.images.names import MAX_NAME_CHARS, NAME_PATTERN

__all__ = ["PATHS", "SCHEMAS"]

_NAME = {
    "type": "string",
    "minLength": 1,
    "maxLength": MAX_NAME_CHARS,
    "pattern": NAME_PATTERN,
    "description": "The blob's name inside `uploads`: '/'-separated segments, none empty or "
    "ending in '.', without control, formatting or invisible characters or '\\'.",
}

SCHEMAS: dict[str, Any] = {
    "ImageStatus": {
        "type": "object",
        "required": ["name", "status"],
        "properties": {
            "name": _NAME,
            "status": {"type": "string", "enum": ["pending", "ready", "failed"]},
            "reason": {
                "type": "string",
                "description": "Why a failed upload was refused.",
                "enum": list(REASONS),
            },
            "source_etag": {"type": "string"},
            "thumbnail": {
                "type": "object",
                "description": "Present when `status` is `ready`.",
                "required": ["url", "url_expires_at", "width", "height", "content_type"],
                "properties": {
                    "url": {
                        "type": "string",
                        "format": "uri",
                        "description": "GET it with no other credential (an `<img src>` will do): "
                        "a read-only SAS for this one blob, answered with `content_type`. Ask "
                        "for the status again for a fresh URL once it expires.",
                    },
                    "url_expires_at": {
                        "type": "string",
                        "format": "date-time",
                        "description": "When `url` stops working (THUMBNAIL_URL_TTL_SECONDS "
                        "after this answer, 15 minutes by default).",
                    },
                    "width": {"type": "integer"},
                    "height": {"type": "integer"},
                    "content_type": {
                        "type": "string",
                        "enum": ["image/jpeg", "image/png", "image/webp", "image/gif"],
                    },
                },
            },
        },
    },
    "NewImageUpload": {
        "type": "object",
        "additionalProperties": False,
        "example": {"name": "holiday/beach.jpg", "content_type": "image/jpeg"},
        "required": ["name", "content_type"],
        "properties": {
            "name": _NAME,
            "content_type": {
                "type": "string",
                "enum": ["image/jpeg", "image/png", "image/webp", "image/gif"],
            },
        },
    },
    "ImageUpload": {
        "type": "object",
        "required": ["name", "upload_url", "expires_at"],
        "properties": {
            "name": _NAME,
            "upload_url": {
                "type": "string",
                "format": "uri",
                "description": "PUT the bytes here with `x-ms-blob-type: BlockBlob`. "
                "Create/write only; expires after 15 minutes.",
            },
            "expires_at": {"type": "string", "format": "date-time"},
        },
    },
}

PATHS: dict[str, Any] = {
    "/images/{name}": {
        "get": {
            "operationId": "get_image_status",
            "parameters": [{"name": "name", "in": "path", "required": True, "schema": _NAME}],
            "responses": {
                "200": json_body(ref("ImageStatus"), "pending, ready or failed"),
                "404": problem("Nothing was uploaded under this name"),
                "422": problem("The name is not acceptable"),
                "503": UNAVAILABLE,
            },
        }
    },
    "/images": {
        "post": {
            "operationId": "create_image_upload",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": ref("NewImageUpload")}},
            },
            "description": "Issues a short-lived upload URL; nothing is created until the bytes "
            "are PUT to it, so `GET /images/{name}` is 404 until then (docs/errors.md).",
            "responses": {
                "200": json_body(ref("ImageUpload"), "A short-lived upload URL"),
                "400": problem("The body is not valid JSON"),
                "413": problem("Body over 64 KiB"),
                "415": problem("The body is not JSON"),
                "422": problem("The name or content type is not acceptable, or unknown fields"),
                "503": UNAVAILABLE,
            },
        }
    },
    "/upload/{file}": {
        "get": {
            "operationId": "upload_page",
            "summary": "The upload page and its files",
            "description": "`/upload` (no file) is the page: pick an image, upload it, see its "
            "thumbnail. It loads `/upload/upload.js` and `/upload/upload.css`. Static, anonymous; "
            "its API calls send the access token typed into it.",
            "security": [],
            "parameters": [
                {
                    "name": "file",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "enum": ["upload.js", "upload.css"]},
                }
            ],
            "responses": {
                "200": {
                    "description": "The file",
                    "content": {
                        media_type: {"schema": {"type": "string"}}
                        for media_type in ("text/html", "text/javascript", "text/css")
                    },
                },
                "404": problem("No such file"),
            },
        }
    },
}
