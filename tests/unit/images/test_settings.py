"""THUMBNAIL_* app settings are read once, with safe defaults and clear errors."""

from __future__ import annotations

import pytest

from shared.config import SettingsError, ThumbnailSettings, load_settings

BASE = {"AUTH_REQUIRED": "false", "AzureWebJobsStorage": "UseDevelopmentStorage=true"}


def test_defaults() -> None:
    assert load_settings(BASE).images == ThumbnailSettings(
        width=200,
        height=200,
        fit="contain",
        quality=85,
        max_bytes=50 * 1024 * 1024,
        max_pixels=50_000_000,
        url_ttl_seconds=900,
    )


@pytest.mark.parametrize(
    ("size", "expected"), [("200", (200, 200)), ("320x200", (320, 200)), (" 64X48 ", (64, 48))]
)
def test_size(size: str, expected: tuple[int, int]) -> None:
    images = load_settings({**BASE, "THUMBNAIL_SIZE": size}).images

    assert (images.width, images.height) == expected


def test_all_settings_are_read() -> None:
    env = {
        **BASE,
        "THUMBNAIL_FIT": "Cover",
        "THUMBNAIL_QUALITY": "70",
        "THUMBNAIL_MAX_BYTES": "1000",
        "THUMBNAIL_MAX_PIXELS": "2000",
        "THUMBNAIL_URL_TTL_SECONDS": "60",
    }

    images = load_settings(env).images

    assert (images.fit, images.quality, images.max_bytes, images.max_pixels) == (
        "cover",
        70,
        1000,
        2000,
    )
    assert images.url_ttl_seconds == 60


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("THUMBNAIL_SIZE", "big"),
        ("THUMBNAIL_SIZE", "0"),
        ("THUMBNAIL_SIZE", "200x-1"),
        ("THUMBNAIL_FIT", "stretch"),
        ("THUMBNAIL_QUALITY", "101"),
        ("THUMBNAIL_MAX_BYTES", "lots"),
        ("THUMBNAIL_URL_TTL_SECONDS", "0"),
        ("THUMBNAIL_URL_TTL_SECONDS", "3601"),
    ],
)
def test_bad_values_are_rejected(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings({**BASE, name: value})
