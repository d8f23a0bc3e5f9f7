"""`python -m devhost.eventsource` on its own, as `make run` starts it beside `func start`:
against real Azurite, posting over real HTTP to a stand-in host that records each delivery and
answers as a test scripts it.

Each test watches its own container (sample_app's Event Grid function takes it from the
`E2E_EVENTS_CONTAINER` setting), so checkpoints and events never mix between tests.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import pytest
from azure.storage.blob import BlobServiceClient, ContentSettings

from devhost.azurite import free_port
from tests.e2e.harness import ROOT, SAMPLE_APP, wait_for

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from devhost.azurite import Azurite

GRACE_S = 3  # how far back a start without a checkpoint looks
WAIT_S = 60  # a bound for giving up on a condition, not a speed (issue 11)


@dataclass
class Delivery:
    path: str
    headers: dict[str, str]
    body: Any

    @property
    def subject(self) -> str:
        event = self.body[0] if isinstance(self.body, list) else self.body
        return str(event["subject"])


@dataclass
class StandInHost:
    """Answers /admin/host/status and records webhook deliveries; `answers[marker]` lists the
    statuses to give, in turn, to events whose subject holds `marker` (then 202)."""

    deliveries: list[Delivery] = field(default_factory=list)
    answers: dict[str, list[int]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, delivery: Delivery) -> int:
        with self.lock:
            self.deliveries.append(delivery)
            for marker, statuses in self.answers.items():
                if marker in delivery.subject and statuses:
                    return statuses.pop(0)
        return 202

    def posts_for(self, marker: str) -> list[Delivery]:
        with self.lock:
            return [d for d in self.deliveries if marker in d.subject]


def _serve(host: StandInHost) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/admin/host/status" else 404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            delivery = Delivery(
                self.path, {k.lower(): v for k, v in self.headers.items()}, json.loads(raw)
            )
            self.send_response(host.answer(delivery))
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@dataclass
class SourceProcess:
    target: str
    connection_string: str
    container: str
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self, ready: str = "event_source_watching") -> None:
        """Start it and wait until its log (from now on) shows `ready`."""
        logged = len(self.log()) if self.log_path.exists() else 0
        env = {
            **os.environ,
            "AzureWebJobsStorage": self.connection_string,
            "E2E_EVENTS_CONTAINER": self.container,
            "PYTHONPATH": str(ROOT),
        }
        command = [
            sys.executable,
            "-m",
            "devhost.eventsource",
            "--target",
            self.target,
            "--script-root",
            str(SAMPLE_APP),
            "--interval",
            "0.2",
            "--grace",
            str(GRACE_S),
            "--max-attempts",
            "3",
            "--first-retry",
            "0.1",
        ]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(lambda: ready in self.log()[logged:], WAIT_S)

    def stop(self) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return None
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(30)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@pytest.fixture
def stand_in() -> Iterator[tuple[StandInHost, str]]:
    host = StandInHost()
    server = _serve(host)
    yield host, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def container(azurite: Azurite) -> Iterator[tuple[BlobServiceClient, str]]:
    name = f"e2e-source-{uuid.uuid4().hex[:8]}"
    with BlobServiceClient.from_connection_string(azurite.connection_string) as service:
        service.create_container(name)
        yield service, name


@pytest.fixture
def source(
    azurite: Azurite,
    stand_in: tuple[StandInHost, str],
    container: tuple[BlobServiceClient, str],
    tmp_path: Path,
) -> Iterator[SourceProcess]:
    process = SourceProcess(
        stand_in[1], azurite.connection_string, container[1], tmp_path / "source.log"
    )
    process.start(ready="event_source_new_checkpoint")  # its first scan is done
    yield process
    process.stop()


def _upload(container: tuple[BlobServiceClient, str], name: str, data: bytes = b"hello") -> Any:
    service, container_name = container
    return service.get_blob_client(container_name, name).upload_blob(
        data, overwrite=True, content_settings=ContentSettings("text/plain")
    )


def test_an_upload_is_posted_as_blob_created_with_the_fields_azure_sends(
    source: SourceProcess,
    stand_in: tuple[StandInHost, str],
    container: tuple[BlobServiceClient, str],
) -> None:
    host, _ = stand_in
    name = "nested/a b.txt"
    uploaded = _upload(container, name)

    [delivery] = wait_for(lambda: host.posts_for(name), WAIT_S)

    assert delivery.path == "/runtime/webhooks/blobs?functionName=Host.Functions.on_event"
    assert delivery.headers["aeg-event-type"] == "Notification"
    assert isinstance(delivery.body, list) and len(delivery.body) == 1  # Event Grid's default
    event = delivery.body[0]
    service, container_name = container
    assert event["subject"] == f"/blobServices/default/containers/{container_name}/blobs/{name}"
    assert event["eventType"] == "Microsoft.Storage.BlobCreated"
    assert event["topic"].endswith("/providers/Microsoft.Storage/storageAccounts/devstoreaccount1")
    assert str(uuid.UUID(event["id"])) == event["id"]
    assert datetime.fromisoformat(event["eventTime"]) <= datetime.now().astimezone()
    assert (event["dataVersion"], event["metadataVersion"]) == ("", "1")
    data = event["data"]
    assert data["url"] == service.get_blob_client(container_name, name).url
    assert data["eTag"] == uploaded["etag"].strip('"')
    assert (data["api"], data["blobType"]) == ("PutBlob", "BlockBlob")
    assert (data["contentType"], data["contentLength"]) == ("text/plain", 5)


def test_failed_deliveries_are_retried_then_given_up_and_logged(
    source: SourceProcess,
    stand_in: tuple[StandInHost, str],
    container: tuple[BlobServiceClient, str],
) -> None:
    host, _ = stand_in
    host.answers.update({"flaky": [500, 503], "broken": [500, 500, 500], "refused": [400]})
    for name in ("flaky.txt", "broken.txt", "refused.txt"):
        _upload(container, name)

    wait_for(lambda: len(host.posts_for("flaky")) == 3, WAIT_S)
    wait_for(lambda: "event_dropped" in source.log() and "broken.txt" in source.log(), WAIT_S)
    _upload(container, "after.txt")
    wait_for(lambda: host.posts_for("after"), WAIT_S)

    assert len(host.posts_for("broken")) == 3  # --max-attempts, then no more
    assert len(host.posts_for("refused")) == 1  # 400: Event Grid does not retry it
    assert "refused.txt" in source.log()


def test_uploads_made_while_the_source_was_stopped_are_delivered_when_it_starts(
    source: SourceProcess,
    stand_in: tuple[StandInHost, str],
    container: tuple[BlobServiceClient, str],
) -> None:
    host, _ = stand_in
    _upload(container, "before.txt")
    wait_for(lambda: host.posts_for("before"), WAIT_S)

    assert source.stop() == 0
    _upload(container, "while-stopped.txt")
    _upload(container, "before.txt", b"replaced")  # a new version of a delivered blob
    time.sleep(GRACE_S + 1)  # beyond the grace period: only the checkpoint remembers them
    source.start()

    wait_for(lambda: host.posts_for("while-stopped") and len(host.posts_for("before")) == 2, WAIT_S)
    with contextlib.suppress(TimeoutError):  # give it time to repeat itself, which it must not
        wait_for(lambda: len(host.deliveries) > 3, 1.5)
    assert len(host.deliveries) == 3
