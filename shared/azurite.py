"""Azurite's well-known development account: one home for the facts every part of the
project needs to reach the emulator (the app's `UseDevelopmentStorage=true`, devhost, the
tests and the benchmarks).

The key is public, published by Microsoft for the emulator; it is not a secret.
https://learn.microsoft.com/azure/storage/common/storage-use-azurite#well-known-storage-account-and-key
"""

from __future__ import annotations

__all__ = [
    "ACCOUNT",
    "BLOB_PORT",
    "DEVELOPMENT_CONNECTION",
    "KEY",
    "ORDER_ACCOUNTS",
    "QUEUE_PORT",
    "TABLE_PORT",
    "UPLOADS_ACCOUNT",
    "UPLOADS_KEY",
    "accounts_variable",
    "connection_string",
]

ACCOUNT = "devstoreaccount1"
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
# Azurite's default ports, which `UseDevelopmentStorage=true` means.
BLOB_PORT, QUEUE_PORT, TABLE_PORT = 10000, 10001, 10002


# Two more accounts for the order data when one Azurite stands for three storage accounts
# (ORDER_STORAGE_CONNECTIONS, docs/scaling.md). Local only: Azurite serves them once
# AZURITE_ACCOUNTS names them (then it serves only the accounts named, so the development
# account is named too). The keys are made up for the emulator; they guard nothing.
ORDER_ACCOUNTS = {
    "devorders1": "ZGV2b3JkZXJzMS1sb2NhbC1lbXVsYXRvci1rZXktbm90LWEtc2VjcmV0LTAwMDAwMA==",
    "devorders2": "ZGV2b3JkZXJzMi1sb2NhbC1lbXVsYXRvci1rZXktbm90LWEtc2VjcmV0LTAwMDAwMA==",
}

# The uploads account when one Azurite stands for it too (UploadsStorage, docs/images.md):
# uploads, thumbnails and image statuses apart from the host's account, as on Azure.
UPLOADS_ACCOUNT = "devuploads"
UPLOADS_KEY = "ZGV2dXBsb2Fkcy1sb2NhbC1lbXVsYXRvci1rZXktbm90LWEtc2VjcmV0LTAwMDAw"


def accounts_variable(accounts: dict[str, str]) -> str:
    """AZURITE_ACCOUNTS for the development account and `accounts` (name -> key)."""
    return ";".join(f"{name}:{key}" for name, key in {ACCOUNT: KEY, **accounts}.items())


def connection_string(
    *,
    blob_port: int = BLOB_PORT,
    queue_port: int = QUEUE_PORT,
    table_port: int = TABLE_PORT,
    host: str = "127.0.0.1",
    account: str = ACCOUNT,
    key: str = KEY,
) -> str:
    """The connection string of an account (the development one unless named) on an
    Azurite at `host`."""
    base = f"http://{host}:{{}}/{account}"
    return (
        f"DefaultEndpointsProtocol=http;AccountName={account};AccountKey={key};"
        f"BlobEndpoint={base.format(blob_port)};"
        f"QueueEndpoint={base.format(queue_port)};"
        f"TableEndpoint={base.format(table_port)};"
    )


# What `UseDevelopmentStorage=true` stands for, as the Functions host and the SDKs read it.
DEVELOPMENT_CONNECTION = connection_string()
