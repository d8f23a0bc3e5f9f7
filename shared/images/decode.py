"""Open an upload safely and decode only as much of it as the thumbnail needs.

Order matters: the allow-list and the pixel limit are checked on the header alone, the JPEG
decoder is told to scale down (`draft`) before anything loads pixels, and only then is the EXIF
orientation applied (`exif_transpose` loads the image).
"""

from __future__ import annotations

import io
import math
import struct
import warnings
import zlib
from contextlib import contextmanager
from typing import TYPE_CHECKING

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from shared.images.exceptions import CorruptImage, FormatNotAllowed, NotAnImage, TooManyPixels
from shared.images.resize import scale_to_fit
from shared.images.sniff import sniff_format

if TYPE_CHECKING:
    from collections.abc import Iterator

    from shared.images.resize import Fit

__all__ = ["ALLOWED_FORMATS", "decode", "decoding_errors", "open_image"]

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
_JPEG_FAMILY = ("JPEG", "MPO")  # camera JPEGs with an MP extension open as MPO
_QUARTER_TURNS = (5, 6, 7, 8)  # EXIF orientations that swap width and height
# What Pillow raises for damaged data (besides OSError, which includes "truncated").
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error)


@contextmanager
def decoding_errors() -> Iterator[None]:
    """Translate Pillow's failures on bad input into permanent, reason-coded failures."""
    warnings.filterwarnings("error", category=Image.DecompressionBombWarning)
    try:
        yield
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise TooManyPixels(str(exc)) from exc
    except _DECODE_ERRORS as exc:
        raise CorruptImage(f"cannot decode image: {exc}") from exc


@contextmanager
def open_image(data: bytes, *, max_pixels: int) -> Iterator[Image.Image]:
    """The image's header, parsed by an allowed plugin only, within the pixel limit."""
    try:
        image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    except UnidentifiedImageError as exc:
        raise _unidentified(data) from exc
    with image:
        width, height = image.size
        if width * height > max_pixels:
            raise TooManyPixels(f"{width}x{height} exceeds {max_pixels} pixels")
        yield image


def decode(
    image: Image.Image, box: tuple[int, int], *, fit: Fit, reducing_gap: float
) -> Image.Image:
    """The first frame, upright. JPEGs are decoded at the smallest DCT scale (1/2, 1/4, 1/8)
    that still leaves `reducing_gap` times the output size for proper resampling."""
    if image.format in _JPEG_FAMILY:
        if image.getexif().get(ExifTags.Base.Orientation) in _QUARTER_TURNS:
            box = (box[1], box[0])  # the pixels are stored sideways
        factor = scale_to_fit(image.size, box, fit) * reducing_gap
        if factor < 1:
            image.draft(None, (math.ceil(image.width * factor), math.ceil(image.height * factor)))
    ImageOps.exif_transpose(image, in_place=True)
    return image


def _unidentified(data: bytes) -> NotAnImage | FormatNotAllowed | CorruptImage:
    claimed = sniff_format(data)
    if claimed is None:
        return NotAnImage(f"not an image ({len(data)} bytes)")
    if claimed in ALLOWED_FORMATS:
        return CorruptImage(f"{claimed} header cannot be parsed")
    return FormatNotAllowed(f"{claimed} is not an allowed format")
