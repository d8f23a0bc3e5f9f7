"""What the thumbnail use cases need from storage; `store.py` implements it on Azure Storage
and the unit tests use an in-memory fake."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from datetime import datetime, timedelta

    from shared.images.result import Thumbnail
    from shared.images.status import ImageStatus, SourceVersion

__all__ = ["ImageStore", "SignedUrl", "UploadTicket"]


@dataclass(frozen=True, slots=True)
class UploadTicket:
    name: str
    upload_url: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class SignedUrl:
    """A URL that needs no other credential, until `expires_at`."""

    url: str
    expires_at: datetime


class ImageStore(Protocol):
    async def source_version(self, name: str) -> SourceVersion | None:
        """The current version of uploads/<name>, or None when there is no such blob."""
        ...

    async def delete_upload(self, name: str, etag: str) -> None:
        """Delete uploads/<name> if it is still version `etag` (never a newer upload); a
        blob already gone or replaced is left as it is."""
        ...

    async def save_thumbnail(
        self, name: str, thumbnail: Thumbnail, source: SourceVersion
    ) -> str | None:
        """Write thumbnails/<name> unless a newer source's thumbnail is there; its URL, or None
        when superseded. Writing the same source version again is a no-op."""
        ...

    async def get_status(self, name: str) -> ImageStatus | None: ...

    async def save_status(self, status: ImageStatus) -> bool:
        """Store `status` unless a newer source's status is stored; False when superseded."""
        ...

    async def upload_ticket(self, name: str, content_type: str, *, now: datetime) -> UploadTicket:
        """A short-lived, create/write-only URL for uploads/<name>."""
        ...

    async def thumbnail_url(self, name: str, *, now: datetime, ttl: timedelta) -> SignedUrl:
        """A read-only URL for thumbnails/<name>, valid until `now + ttl`."""
        ...
