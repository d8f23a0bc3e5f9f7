"""At least 25 bad uploads, each with the permanent failure it must end as."""

from __future__ import annotations

import random
from functools import cache

from PIL import Image

from tests.unit.images import factories as f

NOT_AN_IMAGE = "not-an-image"
NOT_ALLOWED = "format-not-allowed"
CORRUPT = "corrupt"
TOO_MANY = "too-many-pixels"


def _jpeg() -> bytes:
    return f.encode(f.quadrants().effect_spread(4), "JPEG", quality=90)


def _png() -> bytes:
    return f.encode(f.quadrants().effect_spread(4), "PNG")


def _webp() -> bytes:
    return f.encode(f.quadrants().effect_spread(4), "WEBP")


def _gif() -> bytes:
    return f.encode(f.quadrants().effect_spread(4).convert("P"), "GIF")


def _flip_byte(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0xFF]) + data[index + 1 :]


def _small(image_format: str, **options: object) -> bytes:
    return f.encode(Image.new("RGB", (64, 48), (90, 120, 150)), image_format, **options)


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect/></svg>'


@cache
def corpus() -> dict[str, tuple[bytes, str]]:
    rng = random.Random(4)
    jpeg, png, webp, gif = _jpeg(), _png(), _webp(), _gif()
    return {
        "empty": (b"", NOT_AN_IMAGE),
        "one byte": (b"\xff", NOT_AN_IMAGE),
        "text named .jpg": (b"hello, this is not a picture\n" * 20, NOT_AN_IMAGE),
        "html": (b"<!doctype html><html><body>hi</body></html>", NOT_AN_IMAGE),
        "json": (b'{"image": "nope"}', NOT_AN_IMAGE),
        "random bytes": (rng.randbytes(4096), NOT_AN_IMAGE),
        "zip archive": (b"PK\x03\x04" + rng.randbytes(200), NOT_AN_IMAGE),
        "tiff": (_small("TIFF"), NOT_ALLOWED),
        "bigtiff header": (b"MM\x00+\x00\x08\x00\x00" + bytes(64), NOT_ALLOWED),
        "psd header": (b"8BPS\x00\x01" + bytes(6) + b"\x00\x03" + bytes(20), NOT_ALLOWED),
        "eps": (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n", NOT_ALLOWED),
        "dos eps": (b"\xc5\xd0\xd3\xc6" + bytes(28), NOT_ALLOWED),
        "svg": (SVG, NOT_ALLOWED),
        "svg with xml declaration": (b'<?xml version="1.0"?>\n' + SVG, NOT_ALLOWED),
        "bmp": (_small("BMP"), NOT_ALLOWED),
        "ico": (_small("ICO"), NOT_ALLOWED),
        "pdf": (_small("PDF"), NOT_ALLOWED),
        "jpeg 2000": (_small("JPEG2000"), NOT_ALLOWED),
        "avif": (_small("AVIF"), NOT_ALLOWED),
        "ppm": (_small("PPM"), NOT_ALLOWED),
        "qoi": (_small("QOI"), NOT_ALLOWED),
        "truncated jpeg": (jpeg[: len(jpeg) // 2], CORRUPT),
        "jpeg markers only": (jpeg[:2] + b"\xff\xe0\x00\x10JFIF", CORRUPT),
        "truncated png": (png[: len(png) // 2], CORRUPT),
        "png signature only": (png[:8], CORRUPT),
        "png with broken ihdr crc": (_flip_byte(png, 29), CORRUPT),
        "truncated webp": (webp[: len(webp) // 2], CORRUPT),
        "webp riff with garbage": (b"RIFF\x10\x00\x00\x00WEBPVP8 " + rng.randbytes(64), CORRUPT),
        "gif header only": (gif[:13], CORRUPT),
        "truncated gif": (gif[: len(gif) // 3], CORRUPT),
        "20000x20000 png bomb": (f.png_bomb(), TOO_MANY),
        "gif with huge logical screen": (f.gif_huge_screen(), TOO_MANY),
        "8000x7000 png header": (f.png_header_only(8000, 7000), TOO_MANY),
        "jpeg claiming 60000x60000": (f.jpeg_with_dimensions(60000, 60000), TOO_MANY),
        "webp claiming 16383x16383": (_webp_claiming(16383, 16383), TOO_MANY),
    }


def _webp_claiming(width: int, height: int) -> bytes:
    """A lossless WebP whose VP8L header is rewritten to a huge canvas."""
    data = bytearray(f.encode(Image.new("RGB", (8, 8)), "WEBP", lossless=True))
    start = data.index(b"VP8L") + 9  # chunk tag, size, signature byte 0x2f
    bits = int.from_bytes(data[start : start + 4], "little")
    bits = (bits & ~0xFFFFFFF) | (width - 1) | ((height - 1) << 14)
    data[start : start + 4] = bits.to_bytes(4, "little")
    return bytes(data)
