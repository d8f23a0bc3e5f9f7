"""The JPEG fast path: draft before anything loads pixels; laziness of the package import."""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
from PIL import Image, ImageOps

from shared.config import ThumbnailSettings
from shared.images.pipeline import create_thumbnail
from tests.unit.images import factories as f

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """Image sizes at the moment exif_transpose (the first full load) is called."""
    sizes: list[tuple[int, int]] = []
    real = ImageOps.exif_transpose

    def spy(image: PILImage, *, in_place: bool = False) -> PILImage | None:
        sizes.append(image.size)
        return real(image, in_place=True) if in_place else real(image)

    monkeypatch.setattr(ImageOps, "exif_transpose", spy)
    return sizes


def test_jpeg_is_drafted_before_exif_transpose_loads_it(seen: list[tuple[int, int]]) -> None:
    data = f.encode(Image.new("RGB", (4000, 3000), (10, 100, 200)), "JPEG")

    thumbnail = create_thumbnail(data, ThumbnailSettings())

    # 200x150 out, reducing gap 2: anything >= 400x300 will do, so the decoder runs at 1/8.
    assert seen == [(500, 375)]
    assert (thumbnail.width, thumbnail.height) == (200, 150)


def test_rotated_jpeg_drafts_against_the_rotated_box(seen: list[tuple[int, int]]) -> None:

    thumbnail = create_thumbnail(f.oriented_jpeg(6, (1600, 400)), ThumbnailSettings(width=100))

    # Stored 400x1600, shown 1600x400 -> 100x25. Against the unswapped box it would be 1/4.
    assert seen == [(50, 200)]
    assert (thumbnail.width, thumbnail.height) == (100, 25)


def test_importing_the_package_does_not_import_pillow() -> None:
    code = "import sys, shared.images; print('PIL' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "False"
