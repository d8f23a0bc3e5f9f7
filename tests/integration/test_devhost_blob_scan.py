"""devhost's polling blob trigger on a real Azurite container: what a scan remembers stays
the size of the container (a deleted or overwritten blob's version is forgotten), and an
unchanged blob is not handed out twice."""

from __future__ import annotations

import asyncio
import uuid
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from devhost.blobs import BlobTriggerListener
from devhost.hostconfig import HostConfig
from devhost.storage import StorageAccounts

if TYPE_CHECKING:
    import pytest

    from devhost.azurite import Azurite


def _listener(
    container: str, storage: StorageAccounts, monkeypatch: pytest.MonkeyPatch
) -> tuple[Any, list[str]]:
    spec = SimpleNamespace(name="scan", trigger={"path": f"{container}/{{name}}"})
    runtime = SimpleNamespace(
        storage=storage,
        config=HostConfig(),
        environ={},
        host_id="scan-test",
        stopping=asyncio.Event(),
    )
    listener = BlobTriggerListener(spec, runtime)  # type: ignore[arg-type]
    handed_out: list[str] = []
    monkeypatch.setattr(listener, "_dispatch", lambda name, *rest: handed_out.append(name))
    return listener, handed_out


async def test_scans_forget_versions_that_are_gone(
    azurite: Azurite, monkeypatch: pytest.MonkeyPatch
) -> None:
    from azure.storage.blob import BlobServiceClient

    monkeypatch.setenv("AzureWebJobsStorage", azurite.connection_string)
    container = f"scan-{uuid.uuid4().hex[:12]}"
    service = BlobServiceClient.from_connection_string(azurite.connection_string)
    blobs = service.create_container(container)
    for name in ("a.txt", "b.txt", "c.txt"):
        blobs.upload_blob(name, b"1")
    storage = StorageAccounts()
    listener, handed_out = _listener(container, storage, monkeypatch)
    try:
        await listener.scan()
        assert sorted(handed_out) == ["a.txt", "b.txt", "c.txt"]
        await listener.scan()  # nothing changed: nothing new
        assert len(handed_out) == 3

        blobs.delete_blob("a.txt")
        blobs.upload_blob("b.txt", b"2", overwrite=True)  # a new version (ETag)
        await listener.scan()
        assert sorted(handed_out[3:]) == ["b.txt"]
        assert sorted(name for name, _ in listener._seen) == ["b.txt", "c.txt"]

        service.delete_container(container)
        await listener.scan()
        assert listener._seen == set()
    finally:
        await storage.close()
