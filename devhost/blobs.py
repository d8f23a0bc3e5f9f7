"""Blob triggers by polling, with blob receipts so each blob version is processed once.

Every second the container is listed; a blob whose (name, ETag) has no receipt in
`azure-webjobs-hosts/blobreceipts/...` is processed. A receipt is written only after the
function succeeded (or the blob was poisoned), so work interrupted by a shutdown runs again
after a restart. Failures are retried up to `maxDequeueCount` times, `visibilityTimeout`
apart; then the host's poison message goes to `webjobs-blobtrigger-poison`.
"""

from __future__ import annotations

import base64
import concurrent.futures
import contextlib
import json
import logging
import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import azure.functions as func

from devhost.expressions import resolve_settings
from devhost.invocation import FunctionFailed, Invocation
from devhost.runtime import HOSTS_CONTAINER, function_id, plain_argument

if TYPE_CHECKING:
    from azure.storage.blob import BlobProperties

    from devhost.functions import FunctionSpec
    from devhost.runtime import Runtime

__all__ = ["POISON_QUEUE", "BlobPath", "BlobTriggerListener"]

logger = logging.getLogger(__name__)
POISON_QUEUE = "webjobs-blobtrigger-poison"
POLL_SECONDS = 1.0


@dataclass(frozen=True)
class BlobPath:
    """`container/prefix{name}.ext`: the container and a pattern over blob names."""

    container: str
    prefix: str
    pattern: re.Pattern[str]

    @classmethod
    def parse(cls, path: str) -> BlobPath:
        container, _, rest = path.strip("/").partition("/")
        if not container or "{" in container:
            raise ValueError(f"blob trigger path needs a fixed container: {path!r}")
        regex, prefix, literal_prefix = "", "", True
        for piece in re.split(r"(\{[^{}]+\})", rest):
            if piece.startswith("{") and piece.endswith("}"):
                # The last parameter may span folders, as in `uploads/{name}`.
                regex += f"(?P<{piece[1:-1]}>.+)"
                literal_prefix = False
            else:
                regex += re.escape(piece)
                prefix += piece if literal_prefix else ""
        return cls(container, prefix, re.compile(regex or ".+", re.DOTALL))

    def match(self, blob_name: str) -> dict[str, str] | None:
        found = self.pattern.fullmatch(blob_name)
        return found.groupdict() if found else None


class BlobTriggerListener:
    def __init__(self, spec: FunctionSpec, runtime: Runtime) -> None:
        self.spec, self.runtime = spec, runtime
        self.path = BlobPath.parse(resolve_settings(spec.trigger["path"], runtime.environ))
        self.connection = spec.trigger.get("connection")
        parallelism = runtime.config.blobs.max_degree_of_parallelism
        self._pool = concurrent.futures.ThreadPoolExecutor(parallelism, f"blob-{spec.name}")
        self._seen: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=f"blob-{spec.name}", daemon=True)

    def describe(self) -> str:
        return f"blobTrigger ({self.path.container}/{self.path.prefix}...)"

    # --- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _run(self) -> None:
        while not self.runtime.stopping.is_set():
            try:
                self.scan()
            except Exception:
                logger.exception("blob_scan_failed function=%s", self.spec.name)
            self.runtime.stopping.wait(POLL_SECONDS)

    # --- scanning -------------------------------------------------------------------------
    def _receipt(self, name: str, etag: str) -> Any:
        path = (
            f"blobreceipts/{self.runtime.host_id}/{function_id(self.spec)}/{etag.strip(chr(34))}/"
            f"{self.path.container}/{name}"
        )
        return self.runtime.storage.blob(self.connection).get_blob_client(HOSTS_CONTAINER, path)

    def scan(self) -> None:
        from azure.core.exceptions import ResourceNotFoundError

        container = self.runtime.storage.blob(self.connection).get_container_client(
            self.path.container
        )
        try:
            for blob in container.list_blobs(name_starts_with=self.path.prefix or None):
                if self.runtime.stopping.is_set():
                    return
                self._consider(blob.name, str(blob.etag))
        except ResourceNotFoundError:
            return  # the container does not exist yet: nothing to process

    def _consider(self, name: str, etag: str) -> None:
        values = self.path.match(name)
        key = (name, etag)
        with self._lock:
            if values is None or key in self._seen:
                return
            self._seen.add(key)
        if self._receipt(name, etag).exists():
            return
        self._pool.submit(self._process_guarded, name, etag, values)

    def _process_guarded(self, name: str, etag: str, values: dict[str, str]) -> None:
        try:
            self._process(name, etag, values)
        except Exception:
            # A storage fault, not a function failure: forget the blob so a later scan retries.
            logger.exception("blob_processing_error function=%s blob=%s", self.spec.name, name)
            with self._lock:
                self._seen.discard((name, etag))

    # --- processing -----------------------------------------------------------------------
    def _invocation(self, name: str, values: dict[str, str], attempt: int) -> Invocation | None:
        from azure.core.exceptions import ResourceNotFoundError

        client = self.runtime.storage.blob(self.connection).get_blob_client(
            self.path.container, name
        )
        try:
            downloader = client.download_blob()
            data = downloader.readall()
        except ResourceNotFoundError:
            return None  # deleted before it could be processed
        properties = downloader.properties
        full_name = f"{self.path.container}/{name}"
        argument = plain_argument(self.spec, data)
        if argument is None:
            argument = func.blob.InputStream(
                data=data, name=full_name, uri=client.url, length=len(data),
                blob_properties=host_blob_properties(properties),
                metadata=dict(properties.metadata or {}),
            )  # fmt: skip
        max_count = self.runtime.config.queues.max_dequeue_count
        return Invocation(
            self.spec, {self.spec.trigger["name"]: argument},
            detail=f"blob={full_name} attempt={attempt}",
            retry_count=attempt - 1, max_retry_count=max_count,
        )  # fmt: skip

    def _process(self, name: str, etag: str, values: dict[str, str]) -> None:
        max_count = self.runtime.config.queues.max_dequeue_count
        binding_data = {**values, "blobTrigger": f"{self.path.container}/{name}"}
        for attempt in range(1, max_count + 1):
            if self.runtime.stopping.is_set():
                return  # unfinished: no receipt, so the next start processes it
            invocation = self._invocation(name, values, attempt)
            if invocation is None:
                return
            self.runtime.with_outputs(invocation, binding_data)
            try:
                self.runtime.invoker.call(invocation)
            except FunctionFailed:
                if attempt < max_count:
                    self.runtime.stopping.wait(self.runtime.config.queues.visibility_timeout)
                continue
            self._write_receipt(name, etag, invocation.invocation_id)
            return
        if not self.runtime.stopping.is_set():
            self._poison(name, etag)

    def _write_receipt(self, name: str, etag: str, invocation_id: str) -> None:
        from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError

        receipt = self._receipt(name, etag)
        try:
            receipt.upload_blob(b"", overwrite=True, metadata={"InvocationId": invocation_id})
        except ResourceNotFoundError:
            with contextlib.suppress(ResourceExistsError):
                self.runtime.storage.blob(self.connection).create_container(HOSTS_CONTAINER)
            receipt.upload_blob(b"", overwrite=True, metadata={"InvocationId": invocation_id})

    def _poison(self, name: str, etag: str) -> None:
        from azure.core.exceptions import ResourceExistsError

        message = json.dumps({
            "Type": "BlobTrigger", "FunctionId": function_id(self.spec), "BlobType": "BlockBlob",
            "ContainerName": self.path.container, "BlobName": name, "ETag": etag,
        })  # fmt: skip
        if self.runtime.config.queues.message_encoding == "base64":
            message = base64.b64encode(message.encode()).decode()
        queue = self.runtime.storage.queue(self.connection).get_queue_client(POISON_QUEUE)
        with contextlib.suppress(ResourceExistsError):
            queue.create_queue()
        queue.send_message(message)
        logger.warning(
            "blob_poisoned function=%s blob=%s/%s queue=%s",
            self.spec.name, self.path.container, name, POISON_QUEUE,
        )  # fmt: skip
        # A receipt, so a poisoned version is not retried after every restart.
        self._write_receipt(name, etag, "poisoned")

    # --- admin ----------------------------------------------------------------------------
    def invoke_once(self, raw_input: str | None) -> None:
        """Admin call: `input` is `container/name` (or just the name) of the blob to run on."""
        target = (raw_input or "").strip("/")
        name = target.split("/", 1)[1] if target.startswith(self.path.container + "/") else target
        values = self.path.match(name) or {}
        invocation = self._invocation(name, values, 1)
        if invocation is None:
            logger.warning("admin_blob_not_found function=%s blob=%s", self.spec.name, target)
            return
        self.runtime.with_outputs(invocation, {**values, "blobTrigger": target})
        with contextlib.suppress(FunctionFailed):
            self.runtime.invoker.call(invocation)


def host_blob_properties(properties: BlobProperties) -> dict[str, Any]:
    """The trigger's blob properties in the shape the host sends them (the .NET SDK's
    BlobProperties names), so `InputStream.blob_properties` reads the same as on Azure."""
    settings = properties.content_settings
    return {
        "ETag": properties.etag,
        "LastModified": properties.last_modified.isoformat() if properties.last_modified else None,
        "Length": properties.size,
        "ContentType": settings.content_type if settings else None,
        "BlobType": str(properties.blob_type),
    }
