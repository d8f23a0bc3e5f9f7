"""Per-image status values and the source version they describe."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["ImageStatus", "SourceVersion", "State", "status_keys"]

State = Literal["pending", "ready", "failed"]


@dataclass(frozen=True, slots=True)
class SourceVersion:
    """One version of `uploads/<name>`: its ETag and when it was written."""

    etag: str
    last_modified: datetime

    @classmethod
    def from_properties(cls, properties: Mapping[str, Any] | None) -> SourceVersion | None:
        """The version a blob trigger delivered, from the host's blob properties (`ETag`,
        `LastModified`); None when the host did not say."""
        props = {key.lower(): value for key, value in (properties or {}).items()}
        etag, modified = props.get("etag"), props.get("lastmodified")
        if not etag or not modified:
            return None
        try:
            when = modified if isinstance(modified, datetime) else _parse_time(str(modified))
        except ValueError:
            return None
        return cls(str(etag).strip('"'), when)

    def is_older_than(self, other: SourceVersion) -> bool:
        """Strictly older. Versions written in the same second are not ordered by time; the
        caller has checked that its own version was the current one."""
        return self.last_modified < other.last_modified


@dataclass(frozen=True, slots=True)
class ImageStatus:
    name: str
    state: State
    source: SourceVersion | None = None
    reason: str | None = None
    width: int | None = None
    height: int | None = None
    content_type: str | None = None
    thumbnail_url: str | None = None
    thumbnail_url_expires_at: datetime | None = None  # set when thumbnail_url is signed

    def to_public(self) -> dict[str, Any]:
        body: dict[str, Any] = {"name": self.name, "status": self.state}
        if self.state == "failed":
            body["reason"] = self.reason
        if self.state == "ready":
            body["thumbnail"] = {
                "url": self.thumbnail_url,
                "width": self.width,
                "height": self.height,
                "content_type": self.content_type,
            }
            if self.thumbnail_url_expires_at is not None:
                expires = self.thumbnail_url_expires_at.astimezone(UTC).isoformat()
                body["thumbnail"]["url_expires_at"] = expires.replace("+00:00", "Z")
        if self.source is not None:
            body["source_etag"] = self.source.etag
        return body


def status_keys(name: str) -> tuple[str, str]:
    """Table keys for a blob name. Blob names may hold '/', '#', '?' and up to 1024 chars,
    none of which a Table key allows, so the keys are a hash; 256 partitions spread load."""
    digest = hashlib.sha256(name.encode()).hexdigest()
    return digest[:2], digest


def _parse_time(text: str) -> datetime:
    """ISO 8601 or the HTTP date format (`Wed, 01 May 2024 12:00:00 GMT`), as aware UTC."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = parsedate_to_datetime(text)  # raises ValueError too
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
