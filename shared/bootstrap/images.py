"""The image feature's adapters, in the uploads account: the store of thumbnails and
statuses, and the origin that upload and thumbnail URLs point at."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from shared.bootstrap.wiring import loop_wiring, ready

if TYPE_CHECKING:
    from shared.images.ports import ImageStore
    from shared.images.store import AzureImageStore

__all__ = ["IMAGE_STATUS_TABLE", "azure_image_store", "blob_origin", "image_store"]

IMAGE_STATUS_TABLE = "ImageStatus"


async def image_store() -> ImageStore:
    """Thumbnails and statuses in the uploads account; one per loop, as it remembers its
    signing key (and, signing with an account key, that `uploads` exists)."""
    return await azure_image_store()


async def azure_image_store() -> AzureImageStore:
    """image_store as its adapter, for the warmup's steps on it."""
    wiring = await ready()
    if wiring.images is None:
        from shared.images.store import AzureImageStore

        statuses = wiring.uploads.table(IMAGE_STATUS_TABLE)
        wiring.images = AzureImageStore(wiring.uploads.blob_service(), statuses)
    return wiring.images


def blob_origin() -> str:
    """`scheme://host[:port]` of the blob endpoint that upload and thumbnail URLs point at."""
    url = urlsplit(loop_wiring().uploads.blob_service().url)
    return f"{url.scheme}://{url.netloc}"
