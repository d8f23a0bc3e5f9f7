"""The SAS URLs that let a client PUT an upload or GET a thumbnail with no other credential:
each for one blob, valid from CLOCK_SKEW before it is signed, signed with the account key when
the client has one (connection strings, Azurite) and with a user delegation key otherwise (an
identity, as deployed: shared keys are off).

Two rules every link follows (docs/images.md, "Reading a thumbnail"):
- HTTPS only wherever the blob endpoint is HTTPS (Azure): the SAS says `spr=https`, so storage
  refuses it over plain HTTP. Decided by the endpoint's scheme, not by a setting someone could
  forget; Azurite serves HTTP only, so its links allow both.
- A thumbnail link makes storage answer `Cache-Control: private, max-age=<seconds>` (the SAS's
  `rscc` override, part of what is signed): no shared cache keeps the image, and a browser
  keeps it no longer than the link lasts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from azure.storage.blob import generate_blob_sas

from shared.tables import storage_unavailable_on_failure

if TYPE_CHECKING:
    from azure.storage.blob import BlobSasPermissions, UserDelegationKey
    from azure.storage.blob.aio import BlobServiceClient

__all__ = [
    "CLOCK_SKEW",
    "DELEGATION_KEY_LIFETIME",
    "BlobSigner",
    "link_cache_control",
    "sas_protocol",
    "whole_seconds",
]

# A SAS starts this long before it is signed: other machines' clocks may lag ours.
CLOCK_SKEW = timedelta(minutes=5)
DELEGATION_KEY_LIFETIME = timedelta(hours=6)  # Azure allows up to 7 days


def sas_protocol(endpoint: str) -> str | None:
    """`https` for an HTTPS blob endpoint: the SAS then works over HTTPS only. None for an
    HTTP one (a local emulator), where the SAS leaves the protocol open (`https,http`)."""
    return "https" if urlsplit(endpoint).scheme.lower() == "https" else None


def link_cache_control(now: datetime, expires: datetime) -> str:
    """What a link signed at `now` makes storage send: private, for no longer than it lasts."""
    return f"private, max-age={max(0, int((expires - now).total_seconds()))}"


def whole_seconds(when: datetime) -> datetime:
    """A SAS carries its expiry in whole seconds; so does the expiry we report with it."""
    return when.replace(microsecond=0)


class BlobSigner:
    """Signs for one blob service; remembers its user delegation key, so signing costs a
    request only about every DELEGATION_KEY_LIFETIME (one per process, in the image store)."""

    def __init__(self, blobs: BlobServiceClient) -> None:
        self._blobs = blobs
        self._delegation: UserDelegationKey | None = None  # reused until near expiry

    async def url(
        self,
        container: str,
        name: str,
        permission: BlobSasPermissions,
        now: datetime,
        expires: datetime,
        **options: Any,
    ) -> str:
        """The blob's URL with a SAS for it alone, valid from CLOCK_SKEW before `now`."""
        client = self._blobs.get_blob_client(container, name)
        start = now - CLOCK_SKEW
        sas = generate_blob_sas(
            client.account_name or "",
            container,
            name,
            **await self._signing_key(start, expires),
            permission=permission,
            start=start,
            expiry=expires,
            protocol=sas_protocol(client.url),
            **options,
        )
        return f"{client.url}?{sas}"

    @property
    def signs_with_account_key(self) -> bool:
        """Whether links are signed with the account key (a connection string: Azurite, or
        an account outside infra/), not a delegation key (an identity, as deployed)."""
        return bool(getattr(self._blobs.credential, "account_key", None))

    async def prefetch(self, now: datetime) -> None:
        """Fetch the key a link signed at `now` uses (a delegation key: one request; the
        account key: none), so that the first link signed does not wait for it."""
        await self._signing_key(now - CLOCK_SKEW, now)

    async def _signing_key(self, start: datetime, expires: datetime) -> dict[str, Any]:
        """The account key when we have one; otherwise a user delegation key, which a managed
        identity may request (Storage Blob Delegator, in Blob Data Contributor). The key is
        replaced before a SAS would outlive it; it starts when the SAS starts, since a SAS
        that starts before its key may be refused."""
        account_key = getattr(self._blobs.credential, "account_key", None)
        if account_key:
            return {"account_key": account_key}
        key = self._delegation
        if key is None or not _key_covers(key, start, expires):
            with storage_unavailable_on_failure("get user delegation key"):
                key = await self._blobs.get_user_delegation_key(
                    start, start + DELEGATION_KEY_LIFETIME
                )
            self._delegation = key
        return {"user_delegation_key": key}


def _key_covers(key: UserDelegationKey, start: datetime, expires: datetime) -> bool:
    """Whether a SAS from `start` to `expires` lies within the key's own validity."""
    key_start = datetime.fromisoformat(key.signed_start or "9999-12-31T00:00:00Z")
    key_expiry = datetime.fromisoformat(key.signed_expiry or "1970-01-01T00:00:00Z")
    return key_start <= start and expires <= key_expiry
