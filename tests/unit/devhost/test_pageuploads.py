"""Which storage devhost admits its page's origins to (a local emulator only), and how it
changes the blob CORS rules: its origins added to the upload rule, other rules kept, nothing
done when five rules leave no room."""

from __future__ import annotations

import pytest
from azure.storage.blob import CorsRule

from devhost.azurite import BLOB_CORS
from devhost.pageuploads import _admits, _with_origins, local_blob_endpoint, page_origins
from shared.azurite import DEVELOPMENT_CONNECTION, KEY, connection_string


def _rule(origins: list[str], methods: list[str] | None = None) -> CorsRule:
    return CorsRule(
        origins,
        methods or BLOB_CORS["allowed_methods"],
        allowed_headers=BLOB_CORS["allowed_headers"],
    )


@pytest.mark.parametrize(
    "connection",
    [
        DEVELOPMENT_CONNECTION,
        connection_string(blob_port=41000, host="localhost"),
        # Azurite in another container (compose service "azurite"): the development account
        connection_string(host="azurite"),
    ],
)
def test_a_local_emulator_is_recognised(connection: str) -> None:
    assert local_blob_endpoint(connection) is not None


@pytest.mark.parametrize(
    "connection",
    [
        f"DefaultEndpointsProtocol=https;AccountName=prod1;AccountKey={KEY};"
        "EndpointSuffix=core.windows.net",
        f"AccountName=devstoreaccount1;AccountKey={KEY};"
        "BlobEndpoint=https://devstoreaccount1.blob.core.windows.net",
        f"AccountName=other;AccountKey={KEY};BlobEndpoint=http://10.0.0.5:10000/other",
    ],
    ids=["azure", "https-account-of-that-name", "remote-http"],
)
def test_real_and_remote_accounts_are_left_alone(connection: str) -> None:
    assert local_blob_endpoint(connection) is None


def test_a_rule_admits_an_origin_only_with_put_and_the_headers() -> None:
    origin = page_origins(7071)[1]
    assert _admits(_rule([origin]), origin)
    assert _admits(_rule(["*"]), origin)
    assert not _admits(_rule(["http://localhost:3000"]), origin)
    assert not _admits(_rule([origin], ["GET", "OPTIONS"]), origin)
    assert not _admits(CorsRule([origin], ["PUT", "OPTIONS"]), origin)  # no headers allowed


def test_origins_join_the_upload_rule_and_other_rules_are_kept() -> None:
    theirs = CorsRule(["https://shop.example"], ["GET"])
    ours = _rule(["http://localhost:7071"])

    rules = _with_origins([theirs, ours], ["http://127.0.0.1:7071"])

    assert rules is not None and rules[0] is theirs and len(rules) == 2
    assert sorted(rules[1].allowed_origins.split(",")) == [
        "http://127.0.0.1:7071",
        "http://localhost:7071",
    ]
    assert rules[1].max_age_in_seconds == 600


def test_with_five_rules_of_others_there_is_no_room() -> None:
    full = [CorsRule([f"https://site{n}.example"], ["GET"]) for n in range(5)]
    assert _with_origins(full, page_origins(7071)) is None
