"""Name a file's format from its first bytes, without handing it to any decoder.

Used only after Pillow refused the bytes with our allow-list, to tell "an image we do not
accept" (format-not-allowed) from "damaged allowed image" (corrupt) and "not an image at all".
"""

from __future__ import annotations

__all__ = ["sniff_format"]

_PREFIXES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"II+\x00", "TIFF"),
    (b"MM\x00+", "TIFF"),
    (b"8BPS", "PSD"),
    (b"%!PS", "EPS"),
    (b"\xc5\xd0\xd3\xc6", "EPS"),
    (b"%PDF-", "PDF"),
    (b"\x00\x00\x01\x00", "ICO"),
    (b"\x00\x00\x02\x00", "CUR"),
    (b"icns", "ICNS"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "JPEG2000"),
    (b"\xffO\xffQ", "JPEG2000"),
    (b"\xff\n", "JPEG XL"),
    (b"\x00\x00\x00\x0cJXL \r\n\x87\n", "JPEG XL"),
    (b"gimp xcf", "XCF"),
    (b"v/1\x01", "OpenEXR"),
    (b"qoif", "QOI"),
    (b"DDS ", "DDS"),
    (b"SIMPLE  =", "FITS"),
    (b"#?RADIANCE", "HDR"),
)
_ISO_BRANDS = {b"avif", b"avis", b"heic", b"heix", b"hevc", b"mif1", b"msf1"}
_BMP_HEADER_SIZES = {12, 40, 52, 56, 64, 108, 124}


def sniff_format(data: bytes) -> str | None:
    """The format `data` claims to be, or None when it looks like no image at all."""
    for prefix, name in _PREFIXES:
        if data.startswith(prefix):
            return name
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:8] == b"ftyp" and data[8:12] in _ISO_BRANDS:
        return "AVIF/HEIF"
    if data[:2] == b"BM" and int.from_bytes(data[14:18], "little") in _BMP_HEADER_SIZES:
        return "BMP"
    if data[:1] == b"P" and data[1:2] in b"1234567" and data[2:3] in (b" ", b"\n", b"\r", b"\t"):
        return "PPM"
    return "SVG" if _looks_like_svg(data[:4096]) else None


def _looks_like_svg(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith((b"<?xml", b"<svg", b"<!doctype svg")) and b"<svg" in text
