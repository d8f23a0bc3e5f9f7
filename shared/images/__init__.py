"""Thumbnails: a pure `bytes -> Thumbnail` core on Pillow, with no storage code.

Importing this package does not import Pillow: `create_thumbnail` loads the pipeline on first
call, so the app's cold start does not pay for it.
"""

from __future__ import annotations

from shared.config import ThumbnailSettings
from shared.images.exceptions import (
    CorruptImage,
    FormatNotAllowed,
    ImageRejected,
    NotAnImage,
    TooLarge,
    TooManyPixels,
)
from shared.images.result import CONTENT_TYPES, Thumbnail

__all__ = [
    "CONTENT_TYPES",
    "CorruptImage",
    "FormatNotAllowed",
    "ImageRejected",
    "NotAnImage",
    "Thumbnail",
    "ThumbnailSettings",
    "TooLarge",
    "TooManyPixels",
    "create_thumbnail",
]


def create_thumbnail(data: bytes, settings: ThumbnailSettings) -> Thumbnail:
    """See `shared.images.pipeline.create_thumbnail`."""
    from shared.images.pipeline import create_thumbnail as run

    return run(data, settings)
