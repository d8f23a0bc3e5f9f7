"""Geometry: fit inside the box (contain) or fill it and centre-crop (cover); never upscale."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from PIL import Image

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

__all__ = ["RESAMPLE", "Fit", "cover_geometry", "resize", "scale_to_fit"]

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
    if fit == "contain":
        image.thumbnail(box, RESAMPLE, reducing_gap=reducing_gap)
        return image
    size, crop = cover_geometry(image.size, box)
    if size == image.size:
        return image
    return image.resize(size, RESAMPLE, box=crop, reducing_gap=reducing_gap)


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
    left, top = (width - crop_width) / 2, (height - crop_height) / 2
    return (out_width, out_height), (left, top, left + crop_width, top + crop_height)
