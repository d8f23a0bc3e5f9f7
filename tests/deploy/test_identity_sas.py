"""POST /api/images under an identity-only deployment: no account key exists, so the upload
URL is a user delegation SAS. These are the signing inputs, checked without a network: the
service's own check of the signature can only happen on Azure (docs/deploy.md)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from azure.storage.blob import BlobServiceClient, UserDelegationKey, generate_blob_sas

from shared.images.store import UPLOAD_URL_TTL, AzureImageStore, reset_store_state

NOW = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


class NoNetworkCredential:
    """A token credential the test never lets reach Entra ID."""

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        raise AssertionError("the SAS must be signed without a token request")


def delegation_key(start: datetime, expiry: datetime, value: bytes = b"k" * 32) -> Any:
    key = UserDelegationKey()
    key.signed_oid, key.signed_tid = "11111111-1111-1111-1111-111111111111", "tenant"
    key.signed_start = start.strftime("%Y-%m-%dT%H:%M:%SZ")
    key.signed_expiry = expiry.strftime("%Y-%m-%dT%H:%M:%SZ")
    key.signed_service, key.signed_version = "b", "2025-01-05"
    key.value = base64.b64encode(value).decode()
    return key


@pytest.fixture
def blobs(monkeypatch: pytest.MonkeyPatch) -> Any:
    """An identity-based blob client (token credential, no account key) whose only service
    calls, container creation and Get User Delegation Key, are recorded locally."""
    reset_store_state()
    client = BlobServiceClient("https://prodorders.blob.core.windows.net",
                               credential=NoNetworkCredential())  # fmt: skip
    client.key_requests = []  # type: ignore[attr-defined]

    def get_user_delegation_key(start: datetime, expiry: datetime, **_: Any) -> Any:
        client.key_requests.append((start, expiry))  # type: ignore[attr-defined]
        return delegation_key(start, expiry)

    monkeypatch.setattr(client, "get_user_delegation_key", get_user_delegation_key)
    monkeypatch.setattr(client, "create_container", lambda name, **_: None)
    yield client
    reset_store_state()


def query(url: str) -> dict[str, str]:
    """The SAS fields of an upload URL, or of a bare SAS token."""
    token = urlsplit(url).query if "?" in url else url
    return {name: values[0] for name, values in parse_qs(token).items()}


def test_upload_url_is_a_user_delegation_sas_for_one_blob(blobs: Any) -> None:
    assert getattr(blobs.credential, "account_key", None) is None
    ticket = AzureImageStore(blobs, statuses=None).upload_ticket(  # type: ignore[arg-type]
        "holiday/beach.jpg", "image/jpeg", now=NOW
    )
    assert ticket.upload_url.startswith(
        "https://prodorders.blob.core.windows.net/uploads/holiday/beach.jpg?"
    )
    sas = query(ticket.upload_url)
    # Write-only (create + write), one blob, the declared content type, 15 minutes.
    assert (sas["sp"], sas["sr"], sas["rsct"]) == ("cw", "b", "image/jpeg")
    assert sas["se"] == (NOW + UPLOAD_URL_TTL).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert sas["st"] == (NOW - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ticket.expires_at == NOW + UPLOAD_URL_TTL
    # Signed with the delegation key: its identity fields are in the SAS, no account key is.
    key_fields = {"skoid": "11111111-1111-1111-1111-111111111111", "sktid": "tenant",
                  "sks": "b", "skv": "2025-01-05"}  # fmt: skip
    assert {name: sas[name] for name in key_fields} == key_fields
    assert sas["ske"] >= sas["se"]
    assert blobs.key_requests and blobs.key_requests[0][1] - blobs.key_requests[0][0] <= timedelta(
        days=7
    ), "a user delegation key lives at most 7 days"


def test_signature_comes_from_the_delegation_key_value(blobs: Any) -> None:
    ticket = AzureImageStore(blobs, statuses=None).upload_ticket(  # type: ignore[arg-type]
        "a.png", "image/png", now=NOW
    )
    start, expiry = blobs.key_requests[0]
    signed = {"account_name": "prodorders", "container_name": "uploads", "blob_name": "a.png",
              "permission": "cw", "start": NOW - timedelta(minutes=5),
              "expiry": NOW + UPLOAD_URL_TTL, "content_type": "image/png"}  # fmt: skip
    same = query(generate_blob_sas(user_delegation_key=delegation_key(start, expiry), **signed))
    other_key = delegation_key(start, expiry, value=b"x" * 32)
    other = query(generate_blob_sas(user_delegation_key=other_key, **signed))
    assert query(ticket.upload_url)["sig"] == same["sig"] != other["sig"]


def test_delegation_key_is_reused_until_it_would_expire_before_the_sas(blobs: Any) -> None:
    store = AzureImageStore(blobs, statuses=None)  # type: ignore[arg-type]
    store.upload_ticket("a.jpg", "image/jpeg", now=NOW)
    store.upload_ticket("b.jpg", "image/jpeg", now=NOW + timedelta(hours=1))
    assert len(blobs.key_requests) == 1
    store.upload_ticket("c.jpg", "image/jpeg", now=NOW + timedelta(hours=6))
    assert len(blobs.key_requests) == 2
    assert blobs.key_requests[1][1] > NOW + timedelta(hours=6) + UPLOAD_URL_TTL
