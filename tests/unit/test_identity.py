"""Storage clients authenticate as the identity the Functions host would use (shared.identity)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from shared.connections import StorageEndpoints
from shared.identity import (
    CredentialPlan,
    async_storage_credential,
    credential_plan,
)

URIS = (
    "https://a.blob.core.windows.net",
    "https://a.queue.core.windows.net",
    "https://a.table.core.windows.net",
)
CLIENT_ID = "00000000-0000-0000-0000-000000000001"


def endpoints(**identity: Any) -> StorageEndpoints:
    return StorageEndpoints(None, *URIS, **identity)


def test_managed_identity_with_client_id_is_the_user_assigned_identity() -> None:
    plan = credential_plan(endpoints(credential="managedidentity", client_id=CLIENT_ID))
    assert plan == CredentialPlan("ManagedIdentityCredential", {"client_id": CLIENT_ID})


def test_managed_identity_without_client_id_is_the_system_assigned_identity() -> None:
    plan = credential_plan(endpoints(credential="managedidentity"))
    assert plan == CredentialPlan("ManagedIdentityCredential", {})


def test_managed_identity_wins_over_service_principal_settings() -> None:
    plan = credential_plan(
        endpoints(
            credential="managedidentity",
            client_id=CLIENT_ID,
            tenant_id="t",
            client_secret="s",
        )
    )
    assert plan == CredentialPlan("ManagedIdentityCredential", {"client_id": CLIENT_ID})


def test_service_principal_needs_all_three_settings() -> None:
    full = credential_plan(endpoints(tenant_id="t", client_id="c", client_secret="hush"))
    assert full == CredentialPlan(
        "ClientSecretCredential", {"tenant_id": "t", "client_id": "c", "client_secret": "hush"}
    )
    assert "hush" not in repr(full)
    partial = credential_plan(endpoints(tenant_id="t", client_id="c"))
    assert partial == CredentialPlan("DefaultAzureCredential")


def test_no_identity_settings_use_the_default_chain() -> None:
    assert credential_plan(endpoints()) == CredentialPlan("DefaultAzureCredential")


async def test_builder_makes_the_real_azure_identity_aio_class() -> None:
    from azure.identity.aio import ClientSecretCredential, DefaultAzureCredential
    from azure.identity.aio import ManagedIdentityCredential as Managed

    built = [
        async_storage_credential(endpoints(credential="managedidentity")),
        async_storage_credential(endpoints(tenant_id="t", client_id="c", client_secret="s")),
        async_storage_credential(endpoints()),
    ]
    try:
        kinds = [type(credential) for credential in built]
        assert kinds == [Managed, ClientSecretCredential, DefaultAzureCredential]
    finally:
        for credential in built:
            await credential.close()


class _Recorder:
    def __init__(self, **arguments: str) -> None:
        self.arguments = arguments


def test_async_builder_uses_azure_identity_aio(monkeypatch: pytest.MonkeyPatch) -> None:
    """The aio classes need an async transport (aiohttp) to be constructed; the choice of module
    and arguments is what this checks."""
    import azure.identity.aio

    monkeypatch.setattr(azure.identity.aio, "ManagedIdentityCredential", _Recorder)
    credential: Any = async_storage_credential(
        endpoints(credential="managedidentity", client_id=CLIENT_ID)
    )
    assert isinstance(credential, _Recorder)
    assert credential.arguments == {"client_id": CLIENT_ID}


def test_importing_the_module_does_not_import_azure_identity() -> None:
    code = "import shared.identity, shared.storage, sys; print('azure.identity' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
