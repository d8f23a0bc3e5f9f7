"""The SAS URLs the store signs, checked without a network: the upload URL (create + write) and
the thumbnail URL (read only), each for one blob, valid from CLOCK_SKEW before now. With an
account key they are signed with it; under an identity, with a user delegation key that starts
with the SAS (a SAS starting before its key may be refused), kept per process and replaced
before a SAS would outlive it. On an HTTPS endpoint (Azure) every link is HTTPS-only
(`spr=https`); on Azurite's HTTP endpoint it cannot be. A thumbnail link makes storage answer
`Cache-Control: private, max-age=<its lifetime>` (`rscc`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from azure.storage.blob import generate_blob_sas
from azure.storage.blob.aio import BlobServiceClient

from shared.azurite import KEY, connection_string
from shared.images.signing import CLOCK_SKEW, DELEGATION_KEY_LIFETIME, sas_protocol
from shared.images.store import UPLOAD_URL_TTL, AzureImageStore
from tests.sas import KEY_OID, delegation_key, offline_identity_client, query

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

NOW = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
TTL = timedelta(minutes=10)
AZURITE = connection_string()
KEYED = (
    "DefaultEndpointsProtocol=https;AccountName=prodorders;"
    f"AccountKey={KEY};EndpointSuffix=core.windows.net"
)


def stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
async def identity(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Any]:
    client = offline_identity_client(monkeypatch)
    yield client
    await client.close()


@pytest.fixture
async def keyed(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[BlobServiceClient]:
    client = BlobServiceClient.from_connection_string(KEYED)

    async def no_container(name: str, **_: Any) -> None:
        return None

    monkeypatch.setattr(client, "create_container", no_container)
    yield client
    await client.close()


def store(blobs: BlobServiceClient) -> AzureImageStore:
    """A new store: each remembers its own delegation key (shared.bootstrap keeps one)."""
    return AzureImageStore(blobs, statuses=None)  # type: ignore[arg-type]


async def test_thumbnail_url_is_a_read_only_sas_for_one_blob(keyed: BlobServiceClient) -> None:
    signed = await store(keyed).thumbnail_url("album/a b.jpg", now=NOW, ttl=TTL)

    assert signed.url.startswith(
        "https://prodorders.blob.core.windows.net/thumbnails/album/a%20b.jpg?"
    )
    assert signed.expires_at == NOW + TTL
    sas = query(signed.url)
    assert (sas["sp"], sas["sr"]) == ("r", "b")
    assert (sas["st"], sas["se"]) == (stamp(NOW - CLOCK_SKEW), stamp(NOW + TTL))
    assert "skoid" not in sas, "an account key SAS, not a delegation one"
    assert (sas["spr"], sas["rscc"]) == ("https", "private, max-age=600")
    expected = query(
        generate_blob_sas(
            "prodorders",
            "thumbnails",
            "album/a b.jpg",
            account_key=KEY,
            permission="r",
            start=NOW - CLOCK_SKEW,
            expiry=NOW + TTL,
            protocol="https",
            cache_control="private, max-age=600",
        )
    )
    assert sas["sig"] == expected["sig"]


async def test_identity_thumbnail_url_is_signed_with_a_key_that_starts_with_it(
    identity: Any,
) -> None:
    signed = await store(identity).thumbnail_url("a.png", now=NOW, ttl=TTL)

    start = NOW - CLOCK_SKEW
    assert identity.key_requests == [(start, start + DELEGATION_KEY_LIFETIME)]
    sas = query(signed.url)
    assert (sas["sp"], sas["sr"]) == ("r", "b")
    assert (sas["st"], sas["se"]) == (stamp(start), stamp(NOW + TTL))
    assert (sas["skoid"], sas["skt"], sas["ske"]) == (
        KEY_OID,
        stamp(start),
        stamp(start + DELEGATION_KEY_LIFETIME),
    )
    signing: dict[str, Any] = {
        "account_name": "prodorders",
        "container_name": "thumbnails",
        "blob_name": "a.png",
        "permission": "r",
        "start": start,
        "expiry": NOW + TTL,
        "protocol": "https",
        "cache_control": "private, max-age=600",
    }
    requested: tuple[datetime, datetime] = identity.key_requests[0]
    key = delegation_key(*requested)
    other = delegation_key(*requested, value=b"x" * 32)
    same = query(generate_blob_sas(user_delegation_key=key, **signing))["sig"]
    not_same = query(generate_blob_sas(user_delegation_key=other, **signing))["sig"]
    assert sas["sig"] == same != not_same


async def test_the_upload_sas_starts_with_its_key_too(identity: Any) -> None:
    ticket = await store(identity).upload_ticket("a.jpg", "image/jpeg", now=NOW)

    sas = query(ticket.upload_url)
    assert (sas["sp"], sas["rsct"], sas["se"]) == ("cw", "image/jpeg", stamp(NOW + UPLOAD_URL_TTL))
    assert sas["spr"] == "https"
    assert sas["st"] == sas["skt"] == stamp(NOW - CLOCK_SKEW)
    assert identity.key_requests == [(NOW - CLOCK_SKEW, NOW - CLOCK_SKEW + DELEGATION_KEY_LIFETIME)]


async def test_one_key_signs_both_kinds_until_a_sas_would_outlive_it(identity: Any) -> None:
    images = store(identity)
    await images.upload_ticket("a.jpg", "image/jpeg", now=NOW)
    await images.thumbnail_url("a.jpg", now=NOW + timedelta(hours=5), ttl=TTL)
    assert len(identity.key_requests) == 1

    # The key ends 5 h 55 min after NOW; a SAS ending later needs the next key.
    late = NOW + timedelta(hours=5, minutes=50)
    signed = await images.thumbnail_url("a.jpg", now=late, ttl=TTL)

    renewed_from = late - CLOCK_SKEW
    assert identity.key_requests[1] == (renewed_from, renewed_from + DELEGATION_KEY_LIFETIME)
    sas = query(signed.url)
    assert sas["skt"] <= sas["st"] and sas["se"] <= sas["ske"]


async def test_a_key_that_starts_after_the_sas_is_not_used(identity: Any) -> None:
    """A clock that moved back (another instance's `now`, a corrected host clock)."""
    images = store(identity)
    await images.thumbnail_url("a.jpg", now=NOW, ttl=TTL)

    earlier = NOW - timedelta(minutes=10)
    signed = await images.thumbnail_url("a.jpg", now=earlier, ttl=TTL)

    assert len(identity.key_requests) == 2
    assert query(signed.url)["skt"] == query(signed.url)["st"] == stamp(earlier - CLOCK_SKEW)


@pytest.mark.parametrize(
    ("endpoint", "protocol"),
    [
        ("https://prodorders.blob.core.windows.net/", "https"),
        ("HTTPS://prodorders.blob.core.windows.net", "https"),
        ("https://prodorders.privatelink.blob.core.windows.net/", "https"),
        ("http://127.0.0.1:10000/devstoreaccount1", None),
        ("http://azurite:10000/devuploads", None),
    ],
)
def test_the_sas_protocol_follows_the_endpoint_scheme(endpoint: str, protocol: str | None) -> None:
    assert sas_protocol(endpoint) == protocol


async def test_links_to_an_http_emulator_leave_the_protocol_open(monkeypatch: Any) -> None:
    """Azurite serves HTTP only: a link restricted to HTTPS would never work there."""
    client = BlobServiceClient.from_connection_string(AZURITE)

    async def no_container(name: str, **_: Any) -> None:
        return None

    monkeypatch.setattr(client, "create_container", no_container)
    try:
        images = store(client)
        ticket = await images.upload_ticket("a.jpg", "image/jpeg", now=NOW)
        signed = await images.thumbnail_url("a.jpg", now=NOW, ttl=TTL)
    finally:
        await client.close()
    assert "spr" not in query(ticket.upload_url) and "spr" not in query(signed.url)
    assert query(signed.url)["rscc"] == "private, max-age=600"
