"""Each allowed format and mode comes out as the same format, correctly coloured and sized."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from PIL import Image

from tests.unit.images import factories as f

if TYPE_CHECKING:
    from collections.abc import Callable

    from shared.images import Thumbnail

    Make = Callable[..., tuple[Thumbnail, Image.Image]]


def close(actual: tuple[int, ...], expected: tuple[int, ...], tolerance: int = 12) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


@pytest.mark.parametrize(
    ("image_format", "mode", "colour", "out_mode", "expected_rgba"),
    [
        ("JPEG", "RGB", (200, 30, 30), "RGB", (200, 30, 30, 255)),
        ("JPEG", "L", 120, "L", (120, 120, 120, 255)),
        ("JPEG", "CMYK", (255, 0, 0, 0), "RGB", (0, 255, 255, 255)),
        ("PNG", "RGB", (200, 30, 30), "RGB", (200, 30, 30, 255)),
        ("PNG", "RGBA", (200, 30, 30, 128), "RGBA", (200, 30, 30, 128)),
        ("PNG", "L", 120, "L", (120, 120, 120, 255)),
        ("PNG", "LA", (120, 200), "LA", (120, 120, 120, 200)),
        ("PNG", "I;16", 40000, "L", (156, 156, 156, 255)),
        ("PNG", "1", 1, "L", (255, 255, 255, 255)),
        ("WEBP", "RGB", (200, 30, 30), "RGB", (200, 30, 30, 255)),
        ("WEBP", "RGBA", (200, 30, 30, 128), "RGBA", (200, 30, 30, 128)),
        ("GIF", "L", 120, "P", (120, 120, 120, 255)),
    ],
)
def test_format_and_mode_survive(
    make: Make,
    image_format: str,
    mode: str,
    colour: object,
    out_mode: str,
    expected_rgba: tuple[int, ...],
) -> None:
    thumbnail, output = make(f.encode(f.solid(mode, (800, 400), colour), image_format))

    assert (thumbnail.format, output.format) == (image_format, image_format)
    assert output.mode == out_mode
    assert (thumbnail.width, thumbnail.height) == output.size == (200, 100)
    assert close(output.convert("RGBA").getpixel((100, 50)), expected_rgba)  # type: ignore[arg-type]


@pytest.mark.parametrize("image_format", ["PNG", "GIF", "WEBP"])
def test_transparency_is_kept(make: Make, image_format: str) -> None:
    source = f.half_transparent_rgba() if image_format == "WEBP" else f.palette_with_transparency()

    _, output = make(f.encode(source, image_format, lossless=True))

    rgba = output.convert("RGBA")
    assert close(rgba.getpixel((20, 50)), (230, 10, 10, 255))  # type: ignore[arg-type]
    assert rgba.getpixel((180, 50))[3] == 0  # type: ignore[index]


def test_jpeg_with_alpha_free_source_stays_jpeg_content_type(make: Make) -> None:
    thumbnail, _ = make(f.encode(f.quadrants(), "JPEG"))

    assert thumbnail.content_type == "image/jpeg"


@pytest.mark.parametrize("image_format", ["GIF", "WEBP", "PNG"])
def test_animation_becomes_its_first_frame(make: Make, image_format: str) -> None:
    thumbnail, output = make(f.animated(image_format, [(255, 0, 0), (0, 0, 255), (0, 255, 0)]))

    assert thumbnail.format == image_format
    assert getattr(output, "n_frames", 1) == 1
    assert close(output.convert("RGB").getpixel((10, 10)), (255, 0, 0))  # type: ignore[arg-type]


def test_sixteen_bit_gradient_is_scaled_not_clipped(make: Make) -> None:
    gradient = Image.linear_gradient("L").resize((2048, 1024)).convert("I")
    sixteen = gradient.point(lambda value: value * 257).convert("I;16")

    _, output = make(f.encode(sixteen, "PNG"))

    top, middle, bottom = (output.getpixel((100, y)) for y in (1, 50, 98))
    assert output.mode == "L"
    assert top < 20  # type: ignore[operator]
    assert 100 < middle < 156  # type: ignore[operator]
    assert bottom > 235  # type: ignore[operator]


def test_progressive_and_mpo_style_jpeg_is_handled(make: Make) -> None:
    thumbnail, output = make(f.encode(f.quadrants(), "JPEG", progressive=True))

    assert output.format == "JPEG"
    assert (thumbnail.width, thumbnail.height) == (200, 100)
