"""A blob as the host hands it to the Python worker, for both blob trigger sources.

The content arrives as bytes (the host reads the blob for a script function; `dataType: string`
makes it text). The trigger metadata is the blob extension's binding data (`CreateBindingData`
in BlobTriggerBinding.cs, sdk/storage/Microsoft.Azure.WebJobs.Extensions.Storage.Blobs in
Azure/azure-sdk-for-net): `BlobTrigger` (`container/name`), `Uri`, `Properties` (the SDK's
`BlobProperties`), `Metadata`, and the values of the path's parameters (`{name}`). The host
serialises `Uri`, `Properties` and `Metadata` with Newtonsoft.Json (devhost.triggerdata.dotnet):
`Properties` keeps .NET's property names; `ETag`, a struct without public properties, becomes
`{}`, and enums are numbers.

An app that declares an SDK type (`blob: BlobClient`) gets `ModelBindingData` instead of the
content: `{Connection, ContainerName, BlobName}` from the `AzureStorageBlobs` source, which the
worker's extension (azurefunctions-extensions-bindings-blob) turns into a client.
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

from devhost.triggerdata.dotnet import iso
from devhost.typeddata import ModelBindingData, TriggerInput, Typed

if TYPE_CHECKING:
    from collections.abc import Mapping

    from azure.storage.blob import BlobProperties

__all__ = ["as_reference", "blob_trigger", "dotnet_blob_properties"]

# Azure.Storage.Blobs.Models.BlobType, LeaseState and LeaseStatus, by the Python SDK's names.
_BLOB_TYPES = {"BlockBlob": 0, "PageBlob": 1, "AppendBlob": 2}
_LEASE_STATES = {"available": 0, "leased": 1, "expired": 2, "breaking": 3, "broken": 4}
_LEASE_STATUSES = {"locked": 0, "unlocked": 1}


def _enum(table: Mapping[str, int], value: Any) -> int | None:
    return table.get(str(getattr(value, "value", value)))


def dotnet_blob_properties(properties: BlobProperties) -> dict[str, Any]:
    """The properties a Python app reads, under `BlobProperties`' .NET names and values."""
    settings = properties.content_settings
    md5 = settings.content_md5 if settings else None
    lease = properties.lease
    return {
        "LastModified": iso(properties.last_modified) if properties.last_modified else None,
        "CreatedOn": iso(properties.creation_time) if properties.creation_time else None,
        "Metadata": dict(properties.metadata or {}),
        "BlobType": _enum(_BLOB_TYPES, properties.blob_type),
        "ContentLength": properties.size,
        "ContentType": settings.content_type if settings else None,
        "ETag": {},
        "ContentHash": base64.b64encode(md5).decode() if md5 else None,
        "ContentEncoding": settings.content_encoding if settings else None,
        "ContentDisposition": settings.content_disposition if settings else None,
        "ContentLanguage": settings.content_language if settings else None,
        "CacheControl": settings.cache_control if settings else None,
        "LeaseState": _enum(_LEASE_STATES, lease.state if lease else None),
        "LeaseStatus": _enum(_LEASE_STATUSES, lease.status if lease else None),
        "IsServerEncrypted": bool(properties.server_encrypted),
        "VersionId": properties.version_id,
    }


def blob_trigger(
    container: str,
    name: str,
    *,
    url: str,
    content: bytes,
    properties: BlobProperties,
    path_values: Mapping[str, str],
    data_type: str | None = None,
) -> TriggerInput:
    data = Typed.string(content.decode()) if data_type == "string" else Typed.bytes_(content)
    return TriggerInput(data, _metadata(container, name, url, properties, path_values))


def as_reference(trigger: TriggerInput, connection: str) -> TriggerInput:
    """For an SDK-type parameter: the same trigger with the blob's reference in place of its
    content (the extension's ParameterBindingData, version 1.0, JSON)."""
    container, _, name = str(trigger.metadata["BlobTrigger"].value).partition("/")
    content = json.dumps(
        {"Connection": connection, "ContainerName": container, "BlobName": name}
    ).encode()
    reference = ModelBindingData("1.0", "AzureStorageBlobs", "application/json", content)
    return TriggerInput(Typed("model_binding_data", reference), trigger.metadata)


def _metadata(
    container: str,
    name: str,
    url: str,
    properties: BlobProperties,
    path_values: Mapping[str, str],
) -> dict[str, Typed]:
    metadata = {
        "BlobTrigger": Typed.string(f"{container}/{name}"),
        "Uri": Typed.json(url),
        "Properties": Typed.json(dotnet_blob_properties(properties)),
        "Metadata": Typed.json(dict(properties.metadata or {})),
    }
    metadata.update({key: Typed.string(value) for key, value in path_values.items()})
    return metadata
