"""One container's blobs, from List Blobs over plain HTTP (the source's aiohttp session).

Why not the SDK: `ContainerClient.list_blobs` builds a model object per blob, which costs many
times the CPU of reading the XML with ElementTree (docs/local-host.md, "What it does"). Azurite's
own cost is a full pass over the container per request, so the caller decides how often to
list.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode, urlsplit

import aiohttp
from yarl import URL

from devhost.eventgrid import ListedBlob

if TYPE_CHECKING:
    from azure.storage.blob.aio import ContainerClient

__all__ = ["ContainerListing", "ListedBlob", "ListingError"]

_PAGE = 5000
_SAS_LIFETIME = timedelta(hours=1)
_TIMEOUT = aiohttp.ClientTimeout(total=60)


class ListingError(RuntimeError):
    """List Blobs answered with an unexpected status."""


def _blobs(root: ET.Element) -> list[ListedBlob]:
    found = []
    for blob in root.iterfind("Blobs/Blob"):
        props = blob.find("Properties")
        if props is None:
            continue
        found.append(
            ListedBlob(
                blob.findtext("Name") or "",
                props.findtext("Etag") or "",
                parsedate_to_datetime(props.findtext("Last-Modified") or ""),
                props.findtext("Content-Type") or "application/octet-stream",
                int(props.findtext("Content-Length") or 0),
                props.findtext("BlobType") or "BlockBlob",
            )
        )
    return found


class ContainerListing:
    """Lists one container (under a name prefix) with a container SAS it signs itself, on
    the session's kept-alive connections. `client` gives the container's URL and the
    account's key (or the connection string's SAS); it makes no request."""

    def __init__(
        self, client: ContainerClient, session: aiohttp.ClientSession, prefix: str = ""
    ) -> None:
        self.container, self.prefix = client.container_name, prefix
        self.account = client.account_name or ""
        parts = urlsplit(client.url)
        self.url = f"{parts.scheme}://{parts.netloc}{parts.path}"  # without any SAS
        self._fixed_sas = parts.query  # a SharedAccessSignature connection string's token
        self._key: str | None = getattr(client.credential, "account_key", None)
        self._sas, self._sas_renew_at = "", datetime.min.replace(tzinfo=UTC)
        self._session = session

    def _token(self) -> str:
        if self._fixed_sas or not self._key:
            return self._fixed_sas
        now = datetime.now(UTC)
        if now >= self._sas_renew_at:
            from azure.storage.blob import ContainerSasPermissions, generate_container_sas

            self._sas = generate_container_sas(
                self.account,
                self.container,
                account_key=self._key,
                permission=ContainerSasPermissions(list=True),
                start=now - timedelta(minutes=5),
                expiry=now + _SAS_LIFETIME,
            )
            self._sas_renew_at = now + _SAS_LIFETIME / 2
        return self._sas

    async def _get(self, marker: str) -> tuple[bytes, str]:
        query = {"restype": "container", "comp": "list", "maxresults": str(_PAGE)}
        if self.prefix:
            query["prefix"] = self.prefix
        if marker:
            query["marker"] = marker
        url = f"{self.url}?{urlencode(query, quote_via=quote)}&{self._token()}"
        headers = {"x-ms-version": "2021-12-02"}
        # encoded: the query is already quoted (and signed) as it must reach storage.
        async with self._session.get(
            URL(url, encoded=True), headers=headers, timeout=_TIMEOUT
        ) as response:
            body = await response.read()
            date = response.headers.get("Date") or ""
            if response.status == 404:
                return b"", date
            if response.status != 200:
                raise ListingError(f"List Blobs on {self.container}: HTTP {response.status}")
        return body, date

    async def list(self) -> tuple[list[ListedBlob], datetime]:
        """Every blob under the prefix, and the storage service's clock when it answered
        (a missing container lists as empty)."""
        blobs: list[ListedBlob] = []
        marker, date = "", ""
        while True:
            body, date = await self._get(marker)
            if not body:
                break
            root = ET.fromstring(body)  # noqa: S314 - our own storage emulator's answer
            blobs.extend(_blobs(root))
            marker = root.findtext("NextMarker") or ""
            if not marker:
                break
        server_time = parsedate_to_datetime(date) if date else datetime.now(UTC)
        return blobs, server_time
