"""bytes -> Thumbnail: the whole image path, composed from small steps."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PIL import Image, _imaging

from shared.images import modes
from shared.images.decode import decode, decoding_errors, open_image
from shared.images.encode import encode
from shared.images.exceptions import TooLarge
from shared.images.resize import resize
from shared.images.result import Thumbnail

if TYPE_CHECKING:
    from shared.config import ThumbnailSettings

__all__ = ["RECYCLED_BLOCKS", "REDUCING_GAP", "create_thumbnail"]

# Pillow's documented trade-off: >= 3.0 is "indistinguishable from fair resampling in most
# cases"; 2.0 is its default and, with the JPEG draft, keeps pace with libvips
# (docs/benchmarks.md).
REDUCING_GAP = 2.0
# Keep up to this many freed 16 MB image blocks for reuse instead of returning them to the OS
# (Pillow's default is 0). Decoding a large PNG or WebP otherwise pays first-touch page faults
# on every upload (a large share of a WebP's time: docs/images.md). Costs at most 96 MB resident.
# https://pillow.readthedocs.io/en/stable/reference/block_allocator.html
RECYCLED_BLOCKS = 6
_imaging.set_blocks_max(max(RECYCLED_BLOCKS, _imaging.get_blocks_max()))


def create_thumbnail(data: bytes, settings: ThumbnailSettings) -> Thumbnail:
    """A thumbnail of `data` in its own format, or an `ImageRejected` saying why not."""
    if len(data) > settings.max_bytes:
        raise TooLarge(f"{len(data)} bytes exceeds {settings.max_bytes}")
    box = (settings.width, settings.height)
    with decoding_errors(), open_image(data, max_pixels=settings.max_pixels) as image:
        output_format = "JPEG" if image.format == "MPO" else str(image.format)
        icc_profile = image.info.get("icc_profile")
        source_base = Image.getmodebase(image.mode)
        frame = modes.for_resize(decode(image, box, fit=settings.fit, reducing_gap=REDUCING_GAP))
        small = resize(frame, box, fit=settings.fit, reducing_gap=REDUCING_GAP)
        final = modes.for_output(small, output_format)
        keep_profile = icc_profile if Image.getmodebase(final.mode) == source_base else None
        data_out = encode(final, output_format, quality=settings.quality, icc_profile=keep_profile)
    return Thumbnail(data_out, output_format, final.width, final.height)
