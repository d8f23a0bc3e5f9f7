"""Resize an image with alpha the way Pillow does, but premultiply and reduce it in strips.

Pillow's `resize(..., reducing_gap=...)` on RGBA or LA first converts the whole image to its
premultiplied mode (RGBa, La): a second full-size copy (48 MB for 12 MP) written and read once
more. `reduce` averages independent `factor`-sized blocks, so doing it strip by strip, with
strips that start on a block boundary, gives the same pixels; the rest of the path (the
reduce box, the final resample of what is left, the conversion back) is Pillow's own.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PIL import Image

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

__all__ = ["PREMULTIPLIED", "resize_premultiplied"]

PREMULTIPLIED = {"RGBA": "RGBa", "LA": "La"}
# Source rows per strip (rounded to whole blocks): 256 rows of a 4000 px RGBA image are 4 MB,
# small enough to stay in cache between the conversion and the reduction.
STRIP_ROWS = 256
# Pillow's support radius for LANCZOS (`PIL.Image._filters_support`), used for the reduce box.
_LANCZOS_SUPPORT = 3.0

Box = tuple[float, float, float, float]


def resize_premultiplied(
    image: PILImage, size: tuple[int, int], *, box: Box | None = None, reducing_gap: float
) -> PILImage:
    """`image.resize(size, LANCZOS, box=box, reducing_gap=reducing_gap)` for RGBA/LA."""
    box = box or (0.0, 0.0, float(image.width), float(image.height))
    factor_x = int((box[2] - box[0]) / size[0] / reducing_gap) or 1
    factor_y = int((box[3] - box[1]) / size[1] / reducing_gap) or 1
    if (factor_x, factor_y) == (1, 1):
        return image.resize(size, Image.Resampling.LANCZOS, box=box)
    reduce_box = _safe_box(image.size, size, box)
    reduced = _reduce_in_strips(image, (factor_x, factor_y), reduce_box)
    left, top = reduce_box[:2]
    remaining = (
        (box[0] - left) / factor_x,
        (box[1] - top) / factor_y,
        (box[2] - left) / factor_x,
        (box[3] - top) / factor_y,
    )
    return reduced.resize(size, Image.Resampling.LANCZOS, box=remaining).convert(image.mode)


def _reduce_in_strips(
    image: PILImage, factor: tuple[int, int], box: tuple[int, int, int, int]
) -> PILImage:
    """`image.convert(premultiplied).reduce(factor, box)`, one strip of blocks at a time."""
    left, top, right, bottom = box
    mode = PREMULTIPLIED[image.mode]
    size = (math.ceil((right - left) / factor[0]), math.ceil((bottom - top) / factor[1]))
    out = Image.new(mode, size)
    step = max(1, STRIP_ROWS // factor[1]) * factor[1]
    for y in range(top, bottom, step):
        strip = image.crop((left, y, right, min(y + step, bottom))).convert(mode)
        out.paste(strip.reduce(factor), (0, (y - top) // factor[1]))
    return out


def _safe_box(
    source: tuple[int, int], size: tuple[int, int], box: Box
) -> tuple[int, int, int, int]:
    """Pillow's `Image._get_safe_box`: `box` grown by the filter's reach, in whole pixels."""
    support_x = (_LANCZOS_SUPPORT - 0.5) * (box[2] - box[0]) / size[0]
    support_y = (_LANCZOS_SUPPORT - 0.5) * (box[3] - box[1]) / size[1]
    return (
        max(0, int(box[0] - support_x)),
        max(0, int(box[1] - support_y)),
        min(source[0], math.ceil(box[2] + support_x)),
        min(source[1], math.ceil(box[3] + support_y)),
    )
