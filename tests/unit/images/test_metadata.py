"""No EXIF, GPS, XMP or comments reach the output."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from PIL import Image, PngImagePlugin

from tests.unit.images import factories as f

if TYPE_CHECKING:
    from collections.abc import Callable

    from shared.images import Thumbnail

    Make = Callable[..., tuple[Thumbnail, Image.Image]]

SECRETS = (b"SECRET-GPS", b"SECRET-XMP", b"SECRET-COMMENT", b"SECRET-CAMERA")
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF>SECRET-XMP</rdf:RDF></x:xmpmeta>'


def exif_with_gps() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "SECRET-CAMERA"  # Make
    exif[0x0112] = 1
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (52.0, 31.0, 12.0)
    gps[27] = "SECRET-GPS"  # GPSProcessingMethod
    return exif


def with_metadata(image_format: str) -> bytes:
    image = f.quadrants()
    if image_format == "JPEG":
        return f.encode(image, "JPEG", exif=exif_with_gps(), comment=b"SECRET-COMMENT", xmp=XMP)
    if image_format == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", "SECRET-COMMENT")
        info.add_itxt("XML:com.adobe.xmp", XMP.decode())
        return f.encode(image, "PNG", exif=exif_with_gps(), pnginfo=info)
    if image_format == "WEBP":
        return f.encode(image, "WEBP", exif=exif_with_gps(), xmp=XMP)
    return f.encode(image.convert("P"), "GIF", comment=b"SECRET-COMMENT")


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP", "GIF"])
def test_metadata_is_stripped(make: Make, image_format: str) -> None:
    data = with_metadata(image_format)
    assert any(secret in data for secret in SECRETS)  # the input really carries metadata

    thumbnail, output = make(data)

    assert not any(secret in thumbnail.data for secret in SECRETS)
    assert b"Exif\x00\x00" not in thumbnail.data
    assert b"eXIf" not in thumbnail.data
    assert not output.getexif()
    assert not {"exif", "xmp", "comment", "Comment", "XML:com.adobe.xmp"} & set(output.info)


def test_icc_profile_is_kept_for_colour(make: Make) -> None:
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = f.encode(f.quadrants(), "JPEG", icc_profile=profile)

    _, output = make(data)

    assert output.info.get("icc_profile") == profile
