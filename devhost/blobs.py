"""Blob triggers by polling, with blob receipts so each blob version is processed once.

Every second the container is listed; a blob whose (name, ETag) has no receipt in
`azure-webjobs-hosts/blobreceipts/...` is processed. A receipt is written only after the
function succeeded (or the blob was poisoned), so work interrupted by a shutdown runs again
after a restart. A blob is tried up to `extensions.blobs.poisonBlobThreshold` times,
`visibilityTimeout` apart; then the host's poison message goes to `webjobs-blobtrigger-poison`.
This is the default source (`LogsAndContainerScan`); `source="EventGrid"` triggers are served by
`devhost.blobqueue` instead.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from devhost.blobinput import POISON_QUEUE, BlobTriggerMessage, blob_invocation
from devhost.expressions import resolve_settings
from devhost.invocation import FunctionFailed
from devhost.runtime import HOSTS_CONTAINER, function_id

if TYPE_CHECKING:
    from devhost.functions import FunctionSpec
    from devhost.invocation import Invocation
    from devhost.runtime import Runtime

__all__ = ["BlobPath", "BlobTriggerListener", "invoke_blob_once"]

logger = logging.getLogger(__name__)
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
        listed: set[tuple[str, str]] = set()
        try:
            for blob in container.list_blobs(name_starts_with=self.path.prefix or None):
                if self.runtime.stopping.is_set():
                    return
                listed.add((blob.name, str(blob.etag)))
                self._consider(blob.name, str(blob.etag))
        except ResourceNotFoundError:
            pass  # the container does not exist yet: nothing to process
        # Forget versions no longer there (deleted or overwritten), so that what is
        # remembered stays the size of the container, not of its whole history.
        with self._lock:
            self._seen &= listed

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
    def _invocation(self, name: str, attempt: int) -> Invocation | None:
        return blob_invocation(
            self.spec,
            self.runtime,
            self.path.container,
            name,
            attempt=attempt,
            max_attempts=self.runtime.config.blobs.poison_blob_threshold,
        )

    def _process(self, name: str, etag: str, values: dict[str, str]) -> None:
        max_count = self.runtime.config.blobs.poison_blob_threshold
        binding_data = {**values, "blobTrigger": f"{self.path.container}/{name}"}
        for attempt in range(1, max_count + 1):
            if self.runtime.stopping.is_set():
                return  # unfinished: no receipt, so the next start processes it
            invocation = self._invocation(name, attempt)
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

        message = BlobTriggerMessage(function_id(self.spec), self.path.container, name, etag)
        queue = self.runtime.storage.queue(self.connection).get_queue_client(POISON_QUEUE)
        with contextlib.suppress(ResourceExistsError):
            queue.create_queue()
        queue.send_message(message.encode(self.runtime.config.queues.message_encoding))
        logger.warning(
            "blob_poisoned function=%s blob=%s/%s queue=%s",
            self.spec.name,
            self.path.container,
            name,
            POISON_QUEUE,
        )
        # A receipt, so a poisoned version is not retried after every restart.
        self._write_receipt(name, etag, "poisoned")

    # --- admin ----------------------------------------------------------------------------
    def invoke_once(self, raw_input: str | None) -> None:
        invoke_blob_once(self.spec, self.runtime, self.path, raw_input)


def invoke_blob_once(
    spec: FunctionSpec, runtime: Runtime, path: BlobPath, raw_input: str | None
) -> None:
    """Admin call: `input` is `container/name` (or just the name) of the blob to run on."""
    target = (raw_input or "").strip("/")
    name = target.split("/", 1)[1] if target.startswith(path.container + "/") else target
    values = path.match(name) or {}
    invocation = blob_invocation(
        spec,
        runtime,
        path.container,
        name,
        attempt=1,
        max_attempts=runtime.config.blobs.poison_blob_threshold,
        detail=" reason=admin",
    )
    if invocation is None:
        logger.warning("admin_blob_not_found function=%s blob=%s", spec.name, target)
        return
    runtime.with_outputs(invocation, {**values, "blobTrigger": f"{path.container}/{name}"})
    with contextlib.suppress(FunctionFailed):
        runtime.invoker.call(invocation)
