"""One container's blobs, from List Blobs over plain HTTP.

Why not the SDK: `ContainerClient.list_blobs` builds a model object per blob, which measured
about 0.5 ms of CPU per blob (5 s for 10,000 blobs); reading the XML with ElementTree costs a
few percent of that. Azurite's own cost is a full pass over the container per request
(docs/local-host.md), so the caller decides how often to list.
"""

from __future__ import annotations

import http.client
import threading
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import quote, urlencode, urlsplit

from devhost.eventgrid import ListedBlob

__all__ = ["ContainerListing", "ListedBlob", "ListingError"]

_PAGE = 5000
_SAS_LIFETIME = timedelta(hours=1)


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
    """Lists one container (under a name prefix) with a container SAS it signs itself, on one
    keep-alive connection."""

    def __init__(self, connection_string: str, container: str, prefix: str = "") -> None:
        from azure.storage.blob import ContainerClient

        client = ContainerClient.from_connection_string(connection_string, container)
        self.container, self.prefix = container, prefix
        self.account = client.account_name or ""
        parts = urlsplit(client.url)
        self.url = f"{parts.scheme}://{parts.netloc}{parts.path}"  # without any SAS
        self._fixed_sas = parts.query  # a SharedAccessSignature connection string's token
        self._key = getattr(client.credential, "account_key", None)
        self._sas, self._sas_renew_at = "", datetime.min.replace(tzinfo=UTC)
        self._local = threading.local()

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

    def _connection(self) -> http.client.HTTPConnection:
        connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
        if connection is None:
            parts = urlsplit(self.url)
            if parts.scheme == "https":
                connection = http.client.HTTPSConnection(parts.netloc, timeout=60)
            else:
                connection = http.client.HTTPConnection(parts.netloc, timeout=60)
            self._local.connection = connection
        return connection

    def _get(self, marker: str) -> tuple[bytes, str]:
        query = {"restype": "container", "comp": "list", "maxresults": str(_PAGE)}
        if self.prefix:
            query["prefix"] = self.prefix
        if marker:
            query["marker"] = marker
        path = f"{urlsplit(self.url).path}?{urlencode(query, quote_via=quote)}&{self._token()}"
        connection = self._connection()
        try:
            connection.request("GET", path, headers={"x-ms-version": "2021-12-02"})
            response = connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException):
            connection.close()  # reconnect on the next call
            raise
        if response.status == 404:
            return b"", response.getheader("Date") or ""
        if response.status != 200:
            raise ListingError(f"List Blobs on {self.container}: HTTP {response.status}")
        return body, response.getheader("Date") or ""

    def list(self) -> tuple[list[ListedBlob], datetime]:
        """Every blob under the prefix, and the storage service's clock when it answered
        (a missing container lists as empty)."""
        blobs: list[ListedBlob] = []
        marker, date = "", ""
        while True:
            body, date = self._get(marker)
            if not body:
                break
            root = ET.fromstring(body)  # noqa: S314 - our own storage emulator's answer
            blobs.extend(_blobs(root))
            marker = root.findtext("NextMarker") or ""
            if not marker:
                break
        server_time = parsedate_to_datetime(date) if date else datetime.now(UTC)
        return blobs, server_time

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
