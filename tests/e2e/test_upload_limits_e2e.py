"""An upload over the limit is never downloaded, and ends `failed` with its reason: the app
behind devhost --easy-auth as on Azure, its images in an uploads account of their own, and
every request to that account through a counting proxy (bench.storage_proxy) that sees what
storage would bill. The local event source applies Event Grid's advanced filters from
pyproject.toml ([tool.devhost.event-grid]), so the oversized upload's event goes to the queue
uploads-rejected instead of make_thumbnail's webhook, and reject_upload reads its properties
only. A small upload, downloaded as usual, shows that the proxy sees a download when there is
one. Own Azurite, own devhost: no other test's uploads or host queue can blur the counts."""

from __future__ import annotations

import os
import uuid
from typing import TYPE_CHECKING

import pytest
from PIL import Image

from bench.storage_proxy import CountingProxy, RequestKind
from devhost.auth import LocalIssuer
from devhost.azurite import allow_browser_uploads, running_azurite
from shared.azurite import UPLOADS_ACCOUNT, UPLOADS_KEY
from tests.e2e.callers import customer
from tests.e2e.harness import ROOT, DevhostProcess, request, wait_for
from tests.unit.images import factories as f

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.e2e.callers import Caller

LIMIT = 20_000  # THUMBNAIL_MAX_BYTES for this host: a small limit makes a small "oversized" file
WAIT_S = 60  # a bound for giving up, not a speed
DOWNLOAD = RequestKind("blob", "GET", "uploads", UPLOADS_ACCOUNT)


@pytest.fixture(scope="module")
def counted(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[DevhostProcess, CountingProxy]]:
    location: Path = tmp_path_factory.mktemp("limits")
    uploads = {UPLOADS_ACCOUNT: UPLOADS_KEY}
    with running_azurite(location / "azurite", accounts=uploads) as azurite:
        proxy = CountingProxy(azurite)
        host = DevhostProcess(
            ROOT,
            azurite.connection_string,
            location / "devhost.log",
            extra_env={
                "UploadsStorage": proxy.connection_string(UPLOADS_ACCOUNT, UPLOADS_KEY),
                "THUMBNAIL_MAX_BYTES": str(LIMIT),
                "CUSTOMER_ID_CLAIM": "customer_id",
                "ORDER_SWEEP_SCHEDULE": "0 0 0 1 1 *",
            },
            extra_args=["--easy-auth"],
        )
        allow_browser_uploads(azurite.connection_string_of(UPLOADS_ACCOUNT), [host.base_url])
        host.start()
        try:
            yield host, proxy
        finally:
            host.stop()
            proxy.close()


def upload(caller: Caller, name: str, data: bytes) -> str:
    """POST /api/images, then PUT the bytes with the SAS URL; the ETag of the upload."""
    ticket = caller.call("POST", "/api/images", {"name": name, "content_type": "image/png"})
    assert ticket.status == 200, ticket.body
    put = request(
        "PUT",
        ticket.json()["upload_url"],
        body=data,
        headers={"x-ms-blob-type": "BlockBlob", "Content-Type": "image/png"},
    )
    assert put.status == 201, put.body
    return put.headers["ETag"].strip('"')


def settled(caller: Caller, name: str) -> dict[str, object]:
    def done() -> dict[str, object] | None:
        answer = caller.call("GET", f"/api/images/{name}")
        assert answer.status == 200, answer.body
        body: dict[str, object] = answer.json()
        return None if body["status"] == "pending" else body

    found: dict[str, object] = wait_for(done, WAIT_S, interval=0.2)
    return found


def test_an_upload_over_the_limit_is_never_downloaded_and_ends_failed(
    counted: tuple[DevhostProcess, CountingProxy], issuer: LocalIssuer
) -> None:
    host, proxy = counted
    alice = customer(host, issuer)
    name = f"big-{uuid.uuid4().hex[:8]}.png"
    big = f.encode(Image.frombytes("RGB", (200, 200), os.urandom(200 * 200 * 3)), "PNG")
    assert len(big) > LIMIT
    proxy.take()

    etag = upload(alice, name, big)
    status = settled(alice, name)

    assert status == {"name": name, "status": "failed", "reason": "too-large", "source_etag": etag}
    # The status is written before the blob is deleted and the run is logged: wait for both.
    (rejection,) = wait_for(lambda: host.invocations("reject_upload"), WAIT_S)
    assert rejection["outcome"] == "succeeded", rejection
    counts = proxy.take()
    assert counts[DOWNLOAD] == 0, counts  # no byte of it was read, by anyone
    assert not host.invocations("make_thumbnail")  # the webhook never got its event
    deleted = RequestKind("blob", "DELETE", "uploads", UPLOADS_ACCOUNT)
    assert counts[deleted] == 1, counts  # and nobody pays to keep it
    assert alice.call("GET", f"/api/images/{name}").json() == status  # still failed, blob gone

    small = f.encode(f.quadrants(), "PNG")  # the proxy does see a download when there is one
    assert len(small) <= LIMIT
    upload(alice, f"small-{uuid.uuid4().hex[:8]}.png", small)
    wait_for(lambda: host.invocations("make_thumbnail"), WAIT_S)
    assert proxy.take()[DOWNLOAD] >= 1
