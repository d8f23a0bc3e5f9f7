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
    "QUEUE_PORT",
    "TABLE_PORT",
    "connection_string",
]

ACCOUNT = "devstoreaccount1"
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
# Azurite's default ports, which `UseDevelopmentStorage=true` means.
BLOB_PORT, QUEUE_PORT, TABLE_PORT = 10000, 10001, 10002


def connection_string(
    *,
    blob_port: int = BLOB_PORT,
    queue_port: int = QUEUE_PORT,
    table_port: int = TABLE_PORT,
    host: str = "127.0.0.1",
) -> str:
    """The connection string of the development account on an Azurite at `host`."""
    base = f"http://{host}:{{}}/{ACCOUNT}"
    return (
        f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={KEY};"
        f"BlobEndpoint={base.format(blob_port)};"
        f"QueueEndpoint={base.format(queue_port)};"
        f"TableEndpoint={base.format(table_port)};"
    )


# What `UseDevelopmentStorage=true` stands for, as the Functions host and the SDKs read it.
DEVELOPMENT_CONNECTION = connection_string()
