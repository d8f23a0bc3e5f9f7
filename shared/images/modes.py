"""Bring any decoded mode into one that resamples well, then into one the output format holds."""

from __future__ import annotations

from PIL import Image

__all__ = ["for_output", "for_resize"]

_SIXTEEN_BIT = ("I;16", "I;16B", "I;16L", "I;16N", "I")
_READY = ("L", "LA", "RGB", "RGBA")


def for_resize(image: Image.Image) -> Image.Image:
    """Any decoded mode becomes L, LA, RGB or RGBA: the modes every resampling step (including
    `reduce`, which refuses 16-bit) supports and every output format can hold."""
    if image.mode in _SIXTEEN_BIT:
        # convert("L") would clip 16-bit values at 255; scale 0..65535 to 0..255 instead.
        return image.convert("I").point(lambda value: value * (1 / 257)).convert("L")
    if image.mode in _READY and not (image.mode == "L" and image.has_transparency_data):
        return image
    if image.mode in ("1", "L"):
        return image.convert("LA" if image.has_transparency_data else "L")
    return image.convert("RGBA" if image.has_transparency_data else "RGB")


def for_output(image: Image.Image, image_format: str) -> Image.Image:
    """The resized image in a mode `image_format` stores faithfully."""
    if image_format == "JPEG":
        return _flatten(image) if image.mode in ("LA", "RGBA") else image
    if image_format in ("WEBP", "GIF") and image.mode in ("L", "LA"):
        return image.convert("RGBA" if image.mode == "LA" else "RGB")
    return image


def _flatten(image: Image.Image) -> Image.Image:
    """Composite onto white: JPEG has no alpha, and black behind transparency looks broken."""
    rgba = image.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(background, rgba).convert("RGB")
