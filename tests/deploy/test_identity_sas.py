"""POST /api/images under an identity-only deployment: no account key exists, so the upload
URL is a user delegation SAS. Its signing inputs are checked without a network, and Azurite
(which validates delegation-key signatures) accepts it. Entra ID issuing the key, and Azure's
own check, can only happen on Azure (docs/deploy.md)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.request import Request

import pytest
from azure.storage.blob import BlobServiceClient, generate_blob_sas
from azure.storage.blob.aio import BlobServiceClient as AsyncBlobServiceClient

from shared.images import signing
from shared.images.store import UPLOAD_URL_TTL, AzureImageStore
from tests.sas import (
    NoNetworkCredential,
    azurite_delegation_key,
    delegation_key,
    offline_identity_client,
    query,
    status_of,
)

if TYPE_CHECKING:
    from devhost.azurite import Azurite

NOW = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture
async def blobs(monkeypatch: pytest.MonkeyPatch) -> Any:
    client = offline_identity_client(monkeypatch)
    yield client
    await client.close()


async def test_upload_url_is_a_user_delegation_sas_for_one_blob(blobs: Any) -> None:
    assert getattr(blobs.credential, "account_key", None) is None
    ticket = await AzureImageStore(blobs, statuses=None).upload_ticket(  # type: ignore[arg-type]
        "holiday/beach.jpg", "image/jpeg", now=NOW
    )
    assert ticket.upload_url.startswith(
        "https://prodorders.blob.core.windows.net/uploads/holiday/beach.jpg?"
    )
    sas = query(ticket.upload_url)
    # Write-only (create + write), one blob, the declared content type, 15 minutes, HTTPS only.
    assert (sas["sp"], sas["sr"], sas["rsct"], sas["spr"]) == ("cw", "b", "image/jpeg", "https")
    assert sas["se"] == (NOW + UPLOAD_URL_TTL).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert sas["st"] == (NOW - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ticket.expires_at == NOW + UPLOAD_URL_TTL
    # Signed with the delegation key: its identity fields are in the SAS, no account key is.
    key_fields = {
        "skoid": "11111111-1111-1111-1111-111111111111",
        "sktid": "tenant",
        "sks": "b",
        "skv": "2025-01-05",
    }
    assert {name: sas[name] for name in key_fields} == key_fields
    assert sas["ske"] >= sas["se"]
    assert blobs.key_requests and blobs.key_requests[0][1] - blobs.key_requests[0][0] <= timedelta(
        days=7
    ), "a user delegation key lives at most 7 days"


async def test_signature_comes_from_the_delegation_key_value(blobs: Any) -> None:
    ticket = await AzureImageStore(blobs, statuses=None).upload_ticket(  # type: ignore[arg-type]
        "a.png", "image/png", now=NOW
    )
    start, expiry = blobs.key_requests[0]
    signed: dict[str, Any] = {
        "account_name": "prodorders",
        "container_name": "uploads",
        "blob_name": "a.png",
        "permission": "cw",
        "start": NOW - timedelta(minutes=5),
        "expiry": NOW + UPLOAD_URL_TTL,
        "content_type": "image/png",
        "protocol": "https",
    }
    same = query(generate_blob_sas(user_delegation_key=delegation_key(start, expiry), **signed))
    other_key = delegation_key(start, expiry, value=b"x" * 32)
    other = query(generate_blob_sas(user_delegation_key=other_key, **signed))
    assert query(ticket.upload_url)["sig"] == same["sig"] != other["sig"]


async def test_delegation_key_is_reused_until_it_would_expire_before_the_sas(blobs: Any) -> None:
    store = AzureImageStore(blobs, statuses=None)  # type: ignore[arg-type]
    await store.upload_ticket("a.jpg", "image/jpeg", now=NOW)
    await store.upload_ticket("b.jpg", "image/jpeg", now=NOW + timedelta(hours=1))
    assert len(blobs.key_requests) == 1
    await store.upload_ticket("c.jpg", "image/jpeg", now=NOW + timedelta(hours=6))
    assert len(blobs.key_requests) == 2
    assert blobs.key_requests[1][1] > NOW + timedelta(hours=6) + UPLOAD_URL_TTL


# --- a real Blob server accepts it ---------------------------------------------------------


async def test_azurite_accepts_the_identity_only_upload_url(
    storage_env: Azurite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole chain but Entra ID: a token-credential client, a delegation key, the SAS the
    app returns, and a browser-style PUT that the blob service accepts; a wrong key is refused."""
    keyed = BlobServiceClient.from_connection_string(storage_env.connection_string)
    # The SDK takes a token credential over HTTPS only; the scheme is not signed, so the URL
    # goes back to Azurite's plain HTTP for the PUT.
    https_url = keyed.url.rstrip("/").replace("http://", "https://", 1)
    # A fake token credential, with only what signing uses (tests/sas.py).
    identity = AsyncBlobServiceClient(https_url, credential=NoNetworkCredential())  # type: ignore[arg-type]

    if not keyed.get_container_client("uploads").exists():  # infra's: the ticket asks nothing
        keyed.create_container("uploads")
    monkeypatch.setattr(identity, "get_user_delegation_key", azurite_delegation_key)
    now = datetime.now(UTC).replace(microsecond=0)
    headers = {"x-ms-blob-type": "BlockBlob", "Content-Type": "image/jpeg"}
    # Signed for an HTTPS endpoint, the URL is HTTPS-only (spr=https): over plain HTTP the blob
    # service refuses it, signature and all.
    https_only = await AzureImageStore(identity, statuses=None).upload_ticket(  # type: ignore[arg-type]
        "identity/plain.jpg", "image/jpeg", now=now
    )
    plain = https_only.upload_url.replace("https://", "http://", 1)
    assert await asyncio.to_thread(status_of, Request(plain, b"x", headers, method="PUT")) == 403
    # Azurite speaks HTTP only, so the rest signs as for an HTTP endpoint (the protocol rule
    # is tests/unit/images/test_sas.py's), to show the delegation signature itself accepted.
    monkeypatch.setattr(signing, "sas_protocol", lambda endpoint: None)
    ticket = await AzureImageStore(identity, statuses=None).upload_ticket(  # type: ignore[arg-type]
        "identity/ok.jpg", "image/jpeg", now=now
    )
    upload_url = ticket.upload_url.replace("https://", "http://", 1)
    put = Request(upload_url, data=b"\xff\xd8 not really a jpeg", method="PUT", headers=headers)
    assert await asyncio.to_thread(status_of, put) == 201
    stored = keyed.get_blob_client("uploads", "identity/ok.jpg").get_blob_properties()
    assert stored.content_settings.content_type == "image/jpeg"

    forged = upload_url.replace("identity/ok.jpg", "identity/other.jpg")

    async def unrelated_key(start: datetime, expiry: datetime) -> Any:
        return delegation_key(start, expiry)

    monkeypatch.setattr(identity, "get_user_delegation_key", unrelated_key)
    wrong_key = (
        await AzureImageStore(identity, statuses=None).upload_ticket(  # type: ignore[arg-type]
            "identity/wrong-key.jpg", "image/jpeg", now=now
        )
    ).upload_url.replace("https://", "http://", 1)
    for refused_url in (forged, wrong_key):
        refused = Request(refused_url, data=b"x", method="PUT", headers=headers)
        assert await asyncio.to_thread(status_of, refused) == 403, refused_url
    await identity.close()
