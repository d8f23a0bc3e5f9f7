"""Geometry: fit inside the box (contain) or fill it and centre-crop (cover); never upscale."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal

from PIL import Image

from shared.images.strips import PREMULTIPLIED, resize_premultiplied

if TYPE_CHECKING:
    from collections.abc import Callable

    from PIL.Image import Image as PILImage

__all__ = ["RESAMPLE", "Fit", "contain_size", "cover_geometry", "resize", "scale_to_fit"]

RESAMPLE = Image.Resampling.LANCZOS

Box = tuple[float, float, float, float]
Fit = Literal["contain", "cover"]


def resize(
    image: PILImage,
    box: tuple[int, int],
    *,
    fit: Fit,
    reducing_gap: float,
) -> PILImage:
    if image.mode in PREMULTIPLIED:
        return _resize_with_alpha(image, box, fit=fit, reducing_gap=reducing_gap)
    if fit == "contain":
        image.thumbnail(box, RESAMPLE, reducing_gap=reducing_gap)
        return image
    size, crop = cover_geometry(image.size, box)
    if size == image.size:
        return image
    return image.resize(size, RESAMPLE, box=crop, reducing_gap=reducing_gap)


def _resize_with_alpha(
    image: PILImage, box: tuple[int, int], *, fit: Fit, reducing_gap: float
) -> PILImage:
    """The same pixels as the Pillow calls in `resize`, premultiplied and reduced in strips: less
    peak memory for large PNG/WebP with alpha, in the same time (docs/images.md)."""
    crop: Box | None = None
    if fit == "contain":
        size = contain_size(image.size, box)
    else:
        size, crop = cover_geometry(image.size, box)
    if size == image.size:
        return image
    return resize_premultiplied(image, size, box=crop, reducing_gap=reducing_gap)


def contain_size(source: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """The size `Image.thumbnail(box)` gives: inside the box, the aspect ratio rounded the way
    Pillow rounds it, never larger than the source."""
    (width, height), (x, y) = source, box
    if x >= width and y >= height:
        return source
    aspect = width / height
    if x / y >= aspect:
        x = _round_aspect(y * aspect, key=lambda n: abs(aspect - n / y))
    else:
        y = _round_aspect(x / aspect, key=lambda n: 0 if n == 0 else abs(aspect - x / n))
    return x, y


def _round_aspect(number: float, key: Callable[[int], float]) -> int:
    return max(min(math.floor(number), math.ceil(number), key=key), 1)


def scale_to_fit(source: tuple[int, int], box: tuple[int, int], fit: Fit) -> float:
    """The factor (at most 1) that takes `source` to the output's scale."""
    ratios = (box[0] / source[0], box[1] / source[1])
    return min(1.0, min(ratios) if fit == "contain" else max(ratios))


def cover_geometry(source: tuple[int, int], box: tuple[int, int]) -> tuple[tuple[int, int], Box]:
    """Output size and the centred source region that fills it. A source smaller than the box
    in some direction is cropped, not enlarged, so the output may be smaller than the box."""
    (width, height), (box_width, box_height) = source, box
    scale = scale_to_fit(source, box, "cover")
    out_width = min(box_width, max(1, round(width * scale)))
    out_height = min(box_height, max(1, round(height * scale)))
    crop_width, crop_height = out_width / scale, out_height / scale
    # Clamped: float error can put an edge a hair outside the source (-1e-13 for 1999x1601 in
    # 37x11), which Pillow refuses ("box offset can't be negative").
    left, top = max(0.0, (width - crop_width) / 2), max(0.0, (height - crop_height) / 2)
    crop = (left, top, min(width, left + crop_width), min(height, top + crop_height))
    return (out_width, out_height), crop
