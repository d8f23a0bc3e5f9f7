"""The value the pipeline returns: encoded bytes plus what a caller needs to store them."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["CONTENT_TYPES", "Thumbnail"]

CONTENT_TYPES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
}


@dataclass(frozen=True, slots=True)
class Thumbnail:
    """An encoded thumbnail; `format` is a Pillow format name, always the input's format."""

    data: bytes = field(repr=False)
    format: str
    width: int
    height: int

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]
