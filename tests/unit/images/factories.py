"""Images the tests generate: small, deterministic, one colour per quadrant where it matters."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

from PIL import Image

# Quadrant colours of the upright reference picture: TL, TR, BL, BR.
QUADRANTS = ((220, 20, 20), (20, 200, 20), (20, 20, 220), (240, 240, 240))

# The transpose that *creates* the stored pixels for each EXIF orientation: the inverse of what
# a viewer (and exif_transpose) applies to show it upright.
_STORE_AS = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def encode(image: Image.Image, image_format: str, **options: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, image_format, **options)
    return out.getvalue()


def quadrants(size: tuple[int, int] = (800, 400)) -> Image.Image:
    width, height = size
    image = Image.new("RGB", size)
    for index, colour in enumerate(QUADRANTS):
        left, top = (index % 2) * width // 2, (index // 2) * height // 2
        image.paste(colour, (left, top, left + width // 2, top + height // 2))
    return image


def oriented_jpeg(orientation: int, size: tuple[int, int] = (800, 400)) -> bytes:
    """A JPEG that shows `quadrants(size)` upright only once its EXIF orientation is applied."""
    upright = quadrants(size)
    method = _STORE_AS[orientation]
    stored = upright if method is None else upright.transpose(method)
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(stored, "JPEG", quality=95, exif=exif)


def solid(mode: str, size: tuple[int, int], colour: Any) -> Image.Image:
    return Image.new(mode, size, colour)


def half_transparent_rgba(size: tuple[int, int] = (800, 400)) -> Image.Image:
    """Left half opaque red, right half fully transparent."""
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    image.paste((230, 10, 10, 255), (0, 0, size[0] // 2, size[1]))
    return image


def palette_with_transparency(size: tuple[int, int] = (800, 400)) -> Image.Image:
    """Left half palette entry 0 (opaque red), right half entry 1, marked transparent."""
    image = Image.new("P", size, 1)
    image.putpalette([230, 10, 10, 0, 0, 0])
    image.paste(0, (0, 0, size[0] // 2, size[1]))
    image.info["transparency"] = 1
    return image


def animated(image_format: str, colours: list[tuple[int, int, int]]) -> bytes:
    frames = [Image.new("RGB", (300, 300), colour) for colour in colours]
    return encode(frames[0], image_format, save_all=True, append_images=frames[1:], duration=100)


def png_header_only(width: int, height: int, *, bit_depth: int = 8, colour_type: int = 0) -> bytes:
    """A syntactically valid PNG declaring a size, with almost no pixel data (rejected early)."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND")


def png_bomb(width: int = 20000, height: int = 20000) -> bytes:
    """A real bilevel PNG of `width` x `height` zero pixels: tiny on disk, huge decoded."""
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = b"\x00" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    chunks = [compressor.compress(row * 1000) for _ in range(height // 1000)]
    idat = b"".join(chunks) + compressor.flush()
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND")


def gif_huge_screen(width: int = 65535, height: int = 65535) -> bytes:
    """A GIF whose logical screen is enormous while its single frame is 1x1."""
    header = (
        b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\x00" * 3 + b"\xff" * 3
    )
    frame = b"," + struct.pack("<HHHHB", 0, 0, 1, 1, 0) + b"\x02\x02\x44\x01\x00"
    return header + frame + b";"


def jpeg_with_dimensions(width: int, height: int) -> bytes:
    """A small real JPEG whose SOF0 header is rewritten to claim another size."""
    data = bytearray(encode(Image.new("RGB", (16, 16), (1, 2, 3)), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def _chunk(kind: bytes, payload: bytes = b"") -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)
