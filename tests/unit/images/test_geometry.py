"""Contain and cover, custom boxes, no upscaling, EXIF orientation."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from shared.images.resize import cover_geometry
from tests.unit.images import factories as f

if TYPE_CHECKING:
    from collections.abc import Callable

    from PIL import Image

    from shared.images import Thumbnail

    Make = Callable[..., tuple[Thumbnail, Image.Image]]


def quadrant_colours(image: Image.Image) -> list[tuple[int, ...]]:
    rgb = image.convert("RGB")
    width, height = rgb.size
    points = [(width // 4, height // 4), (3 * width // 4, height // 4)]
    points += [(width // 4, 3 * height // 4), (3 * width // 4, 3 * height // 4)]
    return [rgb.getpixel(point) for point in points]  # type: ignore[misc]


def same(actual: list[tuple[int, ...]], expected: tuple[tuple[int, ...], ...]) -> bool:
    pairs = zip(actual, expected, strict=True)
    return all(abs(a - e) <= 20 for got, want in pairs for a, e in zip(got, want, strict=True))


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied(make: Make, orientation: int) -> None:
    thumbnail, output = make(f.oriented_jpeg(orientation))

    assert (thumbnail.width, thumbnail.height) == (200, 100)
    assert same(quadrant_colours(output), f.QUADRANTS)
    assert not output.getexif()


@pytest.mark.parametrize(
    ("source", "box", "fit", "expected"),
    [
        ((800, 400), (200, 200), "contain", (200, 100)),
        ((400, 800), (200, 200), "contain", (100, 200)),
        ((800, 400), (320, 200), "contain", (320, 160)),
        ((800, 400), (200, 200), "cover", (200, 200)),
        ((800, 400), (320, 200), "cover", (320, 200)),
        ((50, 30), (200, 200), "contain", (50, 30)),
        ((50, 30), (200, 200), "cover", (50, 30)),
        ((100, 300), (200, 200), "cover", (100, 200)),
        ((1, 5000), (200, 200), "contain", (1, 200)),
    ],
)
def test_size_in_the_box_never_upscaled(
    make: Make,
    source: tuple[int, int],
    box: tuple[int, int],
    fit: str,
    expected: tuple[int, int],
) -> None:
    data = f.encode(f.quadrants(source), "PNG")

    thumbnail, output = make(data, width=box[0], height=box[1], fit=fit)

    assert output.size == (thumbnail.width, thumbnail.height) == expected


def test_cover_crops_the_centre(make: Make) -> None:
    # 800x400 into 200x200: the middle 400x400 survives, so each quadrant colour still shows.
    _, output = make(f.encode(f.quadrants(), "PNG"), fit="cover")

    assert same(quadrant_colours(output), f.QUADRANTS)


def test_cover_geometry_is_centred() -> None:
    size, crop = cover_geometry((800, 400), (200, 200))

    assert size == (200, 200)
    assert crop == (200.0, 0.0, 600.0, 400.0)


def test_quality_setting_changes_jpeg_size(make: Make) -> None:
    data = f.encode(f.quadrants().effect_spread(8), "JPEG", quality=95)

    low, _ = make(data, quality=30)
    high, _ = make(data, quality=95)

    assert len(low.data) < len(high.data)


def test_cover_crop_never_leaves_the_source_by_float_error(make: Make) -> None:
    """1999x1601 in 37x11 put the crop's left edge at -1e-13; Pillow refused the box and a
    valid upload was reported as corrupt."""
    size, crop = cover_geometry((1999, 1601), (37, 11))
    assert crop[0] >= 0 and crop[2] <= 1999
    data = f.encode(f.quadrants((1999, 1601)), "PNG")

    thumbnail, _ = make(data, width=37, height=11, fit="cover")

    assert (thumbnail.width, thumbnail.height) == size == (37, 11)
