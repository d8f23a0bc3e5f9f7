"""Thumbnails: a pure `bytes -> Thumbnail` core on Pillow (`pipeline`), its use cases
(`service`) and their storage (`store`).

Importing this package imports neither Pillow nor a storage SDK: `service` imports the
pipeline on the first upload, and shared.bootstrap builds the store on first use.
"""

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
]
