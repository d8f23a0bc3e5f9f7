"""Which blob names under `uploads/` the API accepts."""

from __future__ import annotations

import unicodedata

from shared.errors import FieldError, InvalidInput

__all__ = ["MAX_NAME_CHARS", "validate_name"]

MAX_NAME_CHARS = 1024  # Azure's limit for a blob name


def validate_name(name: object, *, field: str = "name") -> str:
    """`name` unchanged, or InvalidInput: no '..', no control characters, no empty path
    segments or trailing '.', at most 1024 characters."""
    problem = _problem(name)
    if problem:
        raise InvalidInput("The image name is not acceptable.", [FieldError(field, problem)])
    assert isinstance(name, str)
    return name


def _problem(name: object) -> str | None:
    if not isinstance(name, str) or not name:
        return "must be a non-empty string"
    if len(name) > MAX_NAME_CHARS:
        return f"must be at most {MAX_NAME_CHARS} characters"
    if ".." in name:
        return "must not contain '..'"
    if any(unicodedata.category(char) in ("Cc", "Cf", "Cs") for char in name):
        return "must not contain control characters"
    if "\\" in name or name.startswith("/") or name.endswith(("/", ".")) or "//" in name:
        return "must be a relative path with non-empty segments, not ending in '/' or '.'"
    return None
