"""The one module that talks to Azure Storage for thumbnails: blobs, the status table, and the
SAS URLs that let a client PUT an upload or GET a thumbnail without any other credential
(signed by shared.images.signing).

Every write that can race is conditional. A thumbnail or status written for a newer source
version is never replaced by an older one: the stored source version is compared first, and
the write carries the ETag that comparison saw, so a concurrent writer makes it fail and the
comparison run again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from azure.core import MatchConditions
from azure.core.exceptions import ResourceExistsError, ResourceModifiedError, ResourceNotFoundError
from azure.data.tables import UpdateMode
from azure.storage.blob import BlobSasPermissions, ContentSettings

from shared.errors import StorageUnavailable
from shared.images.ports import SignedUrl, UploadTicket
from shared.images.signing import BlobSigner, link_cache_control, whole_seconds
from shared.images.status import ImageStatus, SourceVersion, status_keys
from shared.provisioning import creating_container, creating_table
from shared.tables import (
    RETRY_WRITES,
    RETURN_NO_CONTENT,
    check_entity,
    storage_unavailable_on_failure,
)
from shared.telemetry.pseudonyms import blob_name as recorded

if TYPE_CHECKING:
    from collections.abc import Mapping

    from azure.data.tables.aio import TableClient
    from azure.storage.blob.aio import BlobClient, BlobServiceClient

    from shared.images.result import Thumbnail

__all__ = [
    "CACHE_CONTROL",
    "THUMBNAILS",
    "UPLOADS",
    "UPLOAD_URL_TTL",
    "AzureImageStore",
]

logger = logging.getLogger(__name__)

UPLOADS = "uploads"
THUMBNAILS = "thumbnails"
# Stored with each thumbnail, for a read without one of our links (a tool with a token): no
# shared cache may keep it, and nothing may reuse it unchecked. A link overrides it with
# `private, max-age=<its lifetime>` (shared.images.signing).
CACHE_CONTROL = "private, no-cache"
UPLOAD_URL_TTL = timedelta(minutes=15)
_ATTEMPTS = 3


class AzureImageStore:
    """One per process (shared.bootstrap keeps it): it remembers the containers it made and
    the user delegation key it signs with, so neither costs a request per call."""

    def __init__(self, blobs: BlobServiceClient, statuses: TableClient) -> None:
        self._blobs = blobs
        self._statuses = statuses
        self._created: set[str] = set()
        self._signer = BlobSigner(blobs)

    async def source_version(self, name: str) -> SourceVersion | None:
        client = self._blobs.get_blob_client(UPLOADS, name)
        with storage_unavailable_on_failure("get upload properties"):
            try:
                props = await client.get_blob_properties()
            except ResourceNotFoundError:
                return None
        return SourceVersion(props.etag.strip('"'), props.last_modified)

    async def delete_upload(self, name: str, etag: str) -> None:
        client = self._blobs.get_blob_client(UPLOADS, name)
        with storage_unavailable_on_failure("delete upload"):
            try:  # If-Match: a newer upload under the same name is not ours to delete
                await client.delete_blob(
                    etag=f'"{etag}"', match_condition=MatchConditions.IfNotModified
                )
            except (ResourceNotFoundError, ResourceModifiedError):
                logger.info("upload delete skipped name=%s reason=gone-or-replaced", name)

    async def save_thumbnail(
        self, name: str, thumbnail: Thumbnail, source: SourceVersion
    ) -> str | None:
        client = self._blobs.get_blob_client(THUMBNAILS, name)
        for _ in range(_ATTEMPTS):
            etag, stored = await self._thumbnail_version(client)
            if stored is not None and (stored.etag == source.etag or source.is_older_than(stored)):
                return client.url if stored.etag == source.etag else None
            try:
                await self._upload(client, thumbnail, source, etag)
                return client.url
            except (ResourceExistsError, ResourceModifiedError):
                logger.info("thumbnail write raced name=%s; comparing again", recorded(name))
        raise StorageUnavailable(f"Thumbnail {recorded(name)} kept changing; retry later.")

    async def get_status(self, name: str) -> ImageStatus | None:
        entity = await self._status_entity(name)
        return None if entity is None else _status_from(entity)

    async def save_status(self, status: ImageStatus) -> bool:
        entity = check_entity(_entity_from(status))
        assert status.source is not None
        for _ in range(_ATTEMPTS):
            stored = await self._status_entity(status.name)
            if stored is not None and status.source.is_older_than(_version_of(stored)):
                return False
            try:
                await self._write_status(entity, stored)
                return True
            except (ResourceExistsError, ResourceModifiedError):
                logger.info("status write raced name=%s; comparing again", recorded(status.name))
        raise StorageUnavailable(f"Status of {recorded(status.name)} kept changing; retry later.")

    async def upload_ticket(self, name: str, content_type: str, *, now: datetime) -> UploadTicket:
        """The client PUTs to `uploads` itself, so the app never hears that the container is
        missing. A deployment from infra/ signs with a user delegation key and has the
        container, so it makes no call; signed with an account key (Azurite, or an account
        infra/ did not make) the container is made once per process unless the warmup did."""
        if self._signer.signs_with_account_key:
            await self._ensure_container(UPLOADS)
        expires = whole_seconds(now + UPLOAD_URL_TTL)
        permission = BlobSasPermissions(create=True, write=True)
        url = await self._signer.url(
            UPLOADS, name, permission, now, expires, content_type=content_type
        )
        return UploadTicket(name, url, expires)

    async def warm(self, *, now: datetime) -> None:
        """Before traffic (the warmup function): open the blob connection with one cheap call
        per container, creating either where it is missing, and fetch the signing key."""
        await asyncio.gather(
            self._existing_container(UPLOADS),
            self._existing_container(THUMBNAILS),
            self._signer.prefetch(now),
        )

    async def thumbnail_url(self, name: str, *, now: datetime, ttl: timedelta) -> SignedUrl:
        """Storage answers it with `Cache-Control: private, max-age=<the link's lifetime>`."""
        expires = whole_seconds(now + ttl)
        read = BlobSasPermissions(read=True)
        caching = link_cache_control(now, expires)
        url = await self._signer.url(THUMBNAILS, name, read, now, expires, cache_control=caching)
        return SignedUrl(url, expires)

    async def _thumbnail_version(
        self, client: BlobClient
    ) -> tuple[str | None, SourceVersion | None]:
        with storage_unavailable_on_failure("get thumbnail properties"):
            try:
                props = await client.get_blob_properties()
            except ResourceNotFoundError:
                return None, None
        meta = props.metadata or {}
        if "source_etag" not in meta or "source_last_modified" not in meta:
            return props.etag, None
        stored = SourceVersion(
            meta["source_etag"], datetime.fromisoformat(meta["source_last_modified"])
        )
        return props.etag, stored

    async def _upload(
        self, client: BlobClient, thumbnail: Thumbnail, source: SourceVersion, etag: str | None
    ) -> None:
        conditions: dict[str, Any] = (
            {"overwrite": False}
            if etag is None
            else {"overwrite": True, "etag": etag, "match_condition": MatchConditions.IfNotModified}
        )
        metadata = {
            "source_etag": source.etag,
            "source_last_modified": source.last_modified.astimezone(UTC).isoformat(),
            "width": str(thumbnail.width),
            "height": str(thumbnail.height),
        }
        settings = ContentSettings(content_type=thumbnail.content_type, cache_control=CACHE_CONTROL)
        with storage_unavailable_on_failure("upload thumbnail"):
            await creating_container(
                self._blobs,
                client.container_name,
                lambda: client.upload_blob(
                    thumbnail.data, content_settings=settings, metadata=metadata, **conditions
                ),
            )

    async def _status_entity(self, name: str) -> dict[str, Any] | None:
        partition, row = status_keys(name)
        with storage_unavailable_on_failure("get image status"):
            try:
                entity = await self._statuses.get_entity(partition, row)
            except ResourceNotFoundError:
                return None
        return {**entity, "_etag": entity.metadata["etag"]}

    async def _write_status(self, entity: Mapping[str, Any], stored: dict[str, Any] | None) -> None:
        with storage_unavailable_on_failure("save image status"):
            if stored is None:
                await creating_table(
                    self._statuses,
                    lambda: self._statuses.create_entity(
                        entity, **RETRY_WRITES, **RETURN_NO_CONTENT
                    ),
                )
            else:
                await self._statuses.update_entity(
                    entity,
                    mode=UpdateMode.REPLACE,
                    etag=stored["_etag"],
                    match_condition=MatchConditions.IfNotModified,
                    **RETRY_WRITES,
                )

    async def _ensure_container(self, name: str) -> None:
        if name in self._created:
            return
        with storage_unavailable_on_failure("create container"):
            with contextlib.suppress(ResourceExistsError):
                await self._blobs.create_container(name)
            self._created.add(name)

    async def _existing_container(self, name: str) -> None:
        """One read of the container's properties; a missing one is created."""
        container = self._blobs.get_container_client(name)
        with storage_unavailable_on_failure("get container properties"):
            await creating_container(self._blobs, name, container.get_container_properties)
        self._created.add(name)


def _version_of(entity: dict[str, Any]) -> SourceVersion:
    return SourceVersion(entity["SourceEtag"], entity["SourceLastModified"])


def _entity_from(status: ImageStatus) -> dict[str, Any]:
    assert status.source is not None
    partition, row = status_keys(status.name)
    entity = {
        "PartitionKey": partition,
        "RowKey": row,
        "Name": status.name,
        "Status": status.state,
        "SourceEtag": status.source.etag,
        "SourceLastModified": status.source.last_modified,
        "Reason": status.reason,
        "Width": status.width,
        "Height": status.height,
        "ContentType": status.content_type,
        "ThumbnailUrl": status.thumbnail_url,
    }
    return {key: value for key, value in entity.items() if value is not None}


def _status_from(entity: dict[str, Any]) -> ImageStatus:
    return ImageStatus(
        entity["Name"],
        entity["Status"],
        _version_of(entity),
        reason=entity.get("Reason"),
        width=entity.get("Width"),
        height=entity.get("Height"),
        content_type=entity.get("ContentType"),
        thumbnail_url=entity.get("ThumbnailUrl"),
    )
