"""devhost admits its page's origins to a local Azurite's blob CORS rules (the real Set Blob
Service Properties), once, keeping the rules that were there."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from azure.storage.blob import BlobServiceClient, CorsRule

from devhost.azurite import running_azurite
from devhost.pageuploads import allow_page_uploads
from devhost.storage import StorageAccounts

if TYPE_CHECKING:
    from pathlib import Path


def _rules(connection: str) -> list[tuple[set[str], str]]:
    with BlobServiceClient.from_connection_string(connection) as service:
        rules = service.get_service_properties()["cors"] or []
    return [(set(r.allowed_origins.split(",")), r.allowed_methods) for r in rules]


async def test_the_origins_are_added_once_and_other_rules_kept(tmp_path: Path) -> None:
    with running_azurite(tmp_path) as storage:
        with BlobServiceClient.from_connection_string(storage.connection_string) as service:
            service.set_service_properties(cors=[CorsRule(["https://shop.example"], ["GET"])])
        accounts = StorageAccounts({"AzureWebJobsStorage": storage.connection_string})
        try:
            await allow_page_uploads(accounts, 7123)
            first = _rules(storage.connection_string)
            await allow_page_uploads(accounts, 7123)  # a restart: nothing to add
            await allow_page_uploads(accounts, 7124)  # a second host: joins the same rule
            last = _rules(storage.connection_string)
        finally:
            await accounts.close()

    assert first == [
        ({"https://shop.example"}, "GET"),
        ({"http://localhost:7123", "http://127.0.0.1:7123"}, "PUT,OPTIONS"),
    ]
    assert last[1][0] == {
        "http://localhost:7123",
        "http://127.0.0.1:7123",
        "http://localhost:7124",
        "http://127.0.0.1:7124",
    }
    assert len(last) == 2


async def test_storage_that_does_not_answer_never_stops_the_start(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with running_azurite(tmp_path) as storage:
        connection = storage.connection_string
    accounts = StorageAccounts({"AzureWebJobsStorage": connection})  # Azurite stopped
    try:
        await allow_page_uploads(accounts, 7123)  # raises nothing
    finally:
        await accounts.close()
    [warning] = [r.getMessage() for r in caplog.records if r.name == "devhost.pageuploads"]
    assert warning.startswith("blob_cors_not_set")
    assert "http://127.0.0.1:7123" in warning and "docs/images.md" in warning
