"""SAS URLs under an identity-only connection, without Entra ID: a token credential that never
asks for a token, user delegation keys made locally (any value, or the one Azurite would issue),
and a SAS URL's query fields."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import TYPE_CHECKING, Any
from urllib.error import HTTPError
from urllib.parse import parse_qs, urlsplit
from urllib.request import Request, urlopen

from azure.storage.blob import UserDelegationKey
from azure.storage.blob.aio import BlobServiceClient

if TYPE_CHECKING:
    from datetime import datetime

    import pytest

# Azurite checks a user delegation SAS against the key it would have issued for the SAS's
# skoid/sktid/skt/ske/skv fields: an HMAC with this seed (Azurite's src/blob/utils/utils.ts,
# getUserDelegationKeyValue). Issuing the same key here stands in for Get User Delegation Key,
# which in Azurite needs OAuth over HTTPS.
AZURITE_KEY_SEED = b"azurite-user-delegation-signing-seed-v1"
KEY_OID = "11111111-1111-1111-1111-111111111111"


class NoNetworkCredential:
    """A token credential the test never lets reach Entra ID."""

    async def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        raise AssertionError("the SAS must be signed without a token request")

    async def close(self) -> None:
        pass


def delegation_key(start: datetime, expiry: datetime, value: bytes = b"k" * 32) -> Any:
    key = UserDelegationKey()
    key.signed_oid, key.signed_tid = KEY_OID, "tenant"
    key.signed_start = start.strftime("%Y-%m-%dT%H:%M:%SZ")
    key.signed_expiry = expiry.strftime("%Y-%m-%dT%H:%M:%SZ")
    key.signed_service, key.signed_version = "b", "2025-01-05"
    key.value = base64.b64encode(value).decode()
    return key


async def azurite_delegation_key(start: datetime, expiry: datetime, **_: Any) -> Any:
    """The key Azurite accepts for these fields (a stand-in for Get User Delegation Key)."""
    key = delegation_key(start, expiry)
    to_sign = "\n".join(
        [
            key.signed_oid,
            key.signed_tid,
            key.signed_start,
            key.signed_expiry,
            "b",
            key.signed_version,
        ]
    )
    key.value = base64.b64encode(
        hmac.new(AZURITE_KEY_SEED, to_sign.encode(), hashlib.sha256).digest()
    ).decode()
    return key


def offline_identity_client(monkeypatch: pytest.MonkeyPatch) -> Any:
    """An identity-based blob client (token credential, no account key) whose only service
    calls, container creation and Get User Delegation Key, stay local; the key requests are
    recorded in `.key_requests` as (start, expiry)."""
    # The fake has only what signing uses (no async context manager): not a full
    # AsyncTokenCredential.
    client = BlobServiceClient(
        "https://prodorders.blob.core.windows.net",
        credential=NoNetworkCredential(),  # type: ignore[arg-type]
    )
    client.key_requests = []  # type: ignore[attr-defined]

    async def get_user_delegation_key(start: datetime, expiry: datetime, **_: Any) -> Any:
        client.key_requests.append((start, expiry))  # type: ignore[attr-defined]
        return delegation_key(start, expiry)

    async def create_container(name: str, **_: Any) -> None:
        return None

    monkeypatch.setattr(client, "get_user_delegation_key", get_user_delegation_key)
    monkeypatch.setattr(client, "create_container", create_container)
    return client


def query(url: str) -> dict[str, str]:
    """The SAS fields of a URL, or of a bare SAS token."""
    token = urlsplit(url).query if "?" in url else url
    return {name: values[0] for name, values in parse_qs(token).items()}


def status_of(request: Request) -> int:
    """The HTTP status of one request (blocking; error statuses returned, not raised)."""
    try:
        with urlopen(request, timeout=10) as answer:
            return int(answer.status)
    except HTTPError as error:
        return error.code
