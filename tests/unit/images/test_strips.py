"""Images with alpha are premultiplied and reduced in strips: the pixels must be exactly
Pillow's own `thumbnail` / `resize(..., reducing_gap=...)`, which the pipeline used before."""

from __future__ import annotations

from functools import cache

import pytest
from PIL import Image

from shared.images import strips
from shared.images.resize import RESAMPLE, contain_size, cover_geometry, resize

GAP = 2.0


@cache
def noisy_with_alpha(mode: str, size: tuple[int, int]) -> Image.Image:
    """Noise in every channel and an alpha with opaque, partial and fully transparent areas
    (where colour under alpha 0 must not bleed: the reason for premultiplying)."""
    bands = [Image.effect_noise(size, 80 + 10 * i) for i in range(len(mode))]
    alpha = Image.linear_gradient("L").resize(size)
    alpha.paste(0, (0, 0, size[0] // 3, size[1] // 3))
    bands[-1] = Image.blend(alpha, bands[-1], 0.2)
    return Image.merge(mode, bands)


def pillow_contain(image: Image.Image, box: tuple[int, int]) -> Image.Image:
    reference = image.copy()
    reference.thumbnail(box, RESAMPLE, reducing_gap=GAP)
    return reference


def pillow_cover(image: Image.Image, box: tuple[int, int]) -> Image.Image:
    size, crop = cover_geometry(image.size, box)
    return image.resize(size, RESAMPLE, box=crop, reducing_gap=GAP)


SOURCES = [("RGBA", (1999, 1601)), ("RGBA", (640, 2600)), ("LA", (1203, 1777))]
BOXES = [(200, 200), (320, 200), (37, 11), (600, 600)]


@pytest.mark.parametrize(("mode", "size"), SOURCES)
@pytest.mark.parametrize("box", BOXES)
def test_contain_is_pixel_identical_to_pillow_thumbnail(
    mode: str, size: tuple[int, int], box: tuple[int, int]
) -> None:
    image = noisy_with_alpha(mode, size)

    ours = resize(image.copy(), box, fit="contain", reducing_gap=GAP)

    expected = pillow_contain(image, box)
    assert (ours.mode, ours.size) == (expected.mode, expected.size)
    assert ours.tobytes() == expected.tobytes()


@pytest.mark.parametrize(("mode", "size"), SOURCES)
@pytest.mark.parametrize("box", BOXES)
def test_cover_is_pixel_identical_to_pillow_resize(
    mode: str, size: tuple[int, int], box: tuple[int, int]
) -> None:
    image = noisy_with_alpha(mode, size)

    ours = resize(image.copy(), box, fit="cover", reducing_gap=GAP)

    expected = pillow_cover(image, box)
    assert (ours.mode, ours.size) == (expected.mode, expected.size)
    assert ours.tobytes() == expected.tobytes()


@pytest.mark.parametrize("strip_rows", [1, 5, 7, 64, 10_000])
def test_strip_height_does_not_change_a_pixel(
    monkeypatch: pytest.MonkeyPatch, strip_rows: int
) -> None:
    """Strips shorter than a block, not a multiple of it, or the whole image."""
    monkeypatch.setattr(strips, "STRIP_ROWS", strip_rows)
    image = noisy_with_alpha("RGBA", (1501, 997))

    ours = resize(image.copy(), (120, 90), fit="contain", reducing_gap=GAP)

    assert ours.tobytes() == pillow_contain(image, (120, 90)).tobytes()


def test_premultiplied_resize_matches_pillow_for_any_box_and_gap() -> None:
    image = noisy_with_alpha("RGBA", (1203, 905))
    box = (13.25, 40.5, 1100.75, 880.0)

    for gap in (1.5, 2.0, 3.0):
        ours = strips.resize_premultiplied(image, (101, 77), box=box, reducing_gap=gap)
        expected = image.resize((101, 77), RESAMPLE, box=box, reducing_gap=gap)
        assert ours.tobytes() == expected.tobytes(), gap


def test_contain_size_is_pillow_thumbnail_size() -> None:
    sizes = [(w, h) for w in (1, 3, 199, 200, 201, 333, 997) for h in (1, 2, 150, 401, 1000)]
    boxes = [(200, 200), (320, 200), (1, 1), (7, 300)]
    for source in sizes:
        for box in boxes:
            probe = Image.new("L", source)
            probe.thumbnail(box)
            assert contain_size(source, box) == probe.size, (source, box)


def test_small_alpha_image_is_returned_unchanged() -> None:
    image = noisy_with_alpha("RGBA", (150, 90)).copy()

    assert resize(image, (200, 200), fit="contain", reducing_gap=GAP) is image
