"""Encode the thumbnail in the input's format, carrying no metadata but the colour profile."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL.Image import Image

__all__ = ["encode"]


def encode(image: Image, image_format: str, *, quality: int, icc_profile: bytes | None) -> bytes:
    # Pillow copies `info` (EXIF, XMP, comments, text chunks) into derived images and some
    # encoders write it back out by default; start from nothing and add only what we choose.
    image.info = {}
    options = _options(image_format, quality)
    if icc_profile and image_format != "GIF":
        options["icc_profile"] = icc_profile
    out = io.BytesIO()
    image.save(out, image_format, **options)
    return out.getvalue()


def _options(image_format: str, quality: int) -> dict[str, Any]:
    if image_format == "JPEG":
        return {"quality": quality, "optimize": True}
    if image_format == "WEBP":
        return {"quality": quality, "method": 4}
    if image_format == "PNG":
        return {"compress_level": 6}
    return {}
