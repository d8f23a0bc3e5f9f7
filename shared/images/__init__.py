"""Thumbnails: a pure `bytes -> Thumbnail` core on Pillow, plus its use cases and storage.

Importing this package imports neither Pillow nor a storage SDK: `create_thumbnail` and
`image_store` load them on first call, so the app's cold start does not pay for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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
from shared.storage import blob_service, table

if TYPE_CHECKING:
    from shared.images.ports import ImageStore

STATUS_TABLE = "ImageStatus"

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
    "image_store",
]


def create_thumbnail(data: bytes, settings: ThumbnailSettings) -> Thumbnail:
    """See `shared.images.pipeline.create_thumbnail`."""
    from shared.images.pipeline import create_thumbnail as run

    return run(data, settings)


async def image_store() -> ImageStore:
    """Thumbnails and statuses on Azure Storage; the SDKs load on first use."""
    from shared.images.store import AzureImageStore

    return AzureImageStore(blob_service(), await table(STATUS_TABLE))
