"""An in-memory ImageStore with the same version rules as the Azure one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from shared.images.ports import SignedUrl, UploadTicket

if TYPE_CHECKING:
    from datetime import datetime, timedelta

    from shared.images.result import Thumbnail
    from shared.images.status import ImageStatus, SourceVersion


@dataclass
class FakeImageStore:
    sources: dict[str, SourceVersion] = field(default_factory=dict)
    thumbnails: dict[str, tuple[Thumbnail, SourceVersion]] = field(default_factory=dict)
    statuses: dict[str, ImageStatus] = field(default_factory=dict)
    writes: int = 0
    deleted: list[str] = field(default_factory=list)

    async def source_version(self, name: str) -> SourceVersion | None:
        return self.sources.get(name)

    async def delete_upload(self, name: str, etag: str) -> None:
        if name in self.sources and self.sources[name].etag == etag:
            del self.sources[name]
            self.deleted.append(name)

    async def save_thumbnail(
        self, name: str, thumbnail: Thumbnail, source: SourceVersion
    ) -> str | None:
        stored = self.thumbnails.get(name)
        if stored and (stored[1].etag == source.etag or source.is_older_than(stored[1])):
            return f"memory://thumbnails/{name}" if stored[1].etag == source.etag else None
        self.thumbnails[name] = (thumbnail, source)
        self.writes += 1
        return f"memory://thumbnails/{name}"

    async def get_status(self, name: str) -> ImageStatus | None:
        return self.statuses.get(name)

    async def save_status(self, status: ImageStatus) -> bool:
        stored = self.statuses.get(status.name)
        assert status.source is not None
        if stored and stored.source and status.source.is_older_than(stored.source):
            return False
        self.statuses[status.name] = status
        return True

    async def upload_ticket(self, name: str, content_type: str, *, now: datetime) -> UploadTicket:
        return UploadTicket(name, f"memory://uploads/{name}?sig", now)

    async def thumbnail_url(self, name: str, *, now: datetime, ttl: timedelta) -> SignedUrl:
        return SignedUrl(f"memory://thumbnails/{name}?sig", now + ttl)
