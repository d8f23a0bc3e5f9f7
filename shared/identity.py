"""The credential storage clients use under an identity-based connection.

It follows the rule the Functions host applies to `AzureWebJobsStorage__*` settings
(Microsoft.Extensions.Azure, `ClientFactory.CreateCredential`), so the app's own clients act as
the same identity as the host's triggers and bindings:

- `__credential` = `managedidentity`: the app's managed identity; `__clientId` picks a
  user-assigned one (the system-assigned identity otherwise);
- `__tenantId`, `__clientId` and `__clientSecret` all set: that service principal (local
  development only; the host refuses it on Azure);
- anything else: `DefaultAzureCredential` (your `az login` when developing locally).

azure-identity is imported on the first call, never at import: it costs cold start and only
identity-based deployments need it. The storage clients are asyncio ones, so is the credential.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from azure.core.credentials_async import AsyncTokenCredential

    from shared.connections import StorageEndpoints

__all__ = ["CredentialPlan", "async_storage_credential", "credential_plan"]

CredentialKind = Literal[
    "ManagedIdentityCredential", "ClientSecretCredential", "DefaultAzureCredential"
]


@dataclass(frozen=True, slots=True)
class CredentialPlan:
    """Which azure-identity class to build, with which arguments."""

    kind: CredentialKind
    arguments: dict[str, str] = field(default_factory=dict, repr=False)


def credential_plan(storage: StorageEndpoints) -> CredentialPlan:
    """The credential the host would build for these connection settings."""
    if storage.credential == "managedidentity":
        return CredentialPlan(
            "ManagedIdentityCredential",
            {"client_id": storage.client_id} if storage.client_id else {},
        )
    if storage.tenant_id and storage.client_id and storage.client_secret:
        return CredentialPlan(
            "ClientSecretCredential",
            {
                "tenant_id": storage.tenant_id,
                "client_id": storage.client_id,
                "client_secret": storage.client_secret,
            },
        )
    return CredentialPlan("DefaultAzureCredential")


def async_storage_credential(storage: StorageEndpoints) -> AsyncTokenCredential:
    """An asynchronous credential for `storage` (azure.identity.aio). The caller closes it."""
    import azure.identity.aio

    credential: AsyncTokenCredential = _build(azure.identity.aio, credential_plan(storage))
    return credential


def _build(module: Any, plan: CredentialPlan) -> Any:
    return getattr(module, plan.kind)(**plan.arguments)
