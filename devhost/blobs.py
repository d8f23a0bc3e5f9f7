"""Blob triggers by polling, with blob receipts so each blob version is processed once.

Every second the container is listed; a blob whose (name, ETag) has no receipt in
`azure-webjobs-hosts/blobreceipts/...` is processed. A receipt is written only after the
function succeeded (or the blob was poisoned), so work interrupted by a shutdown runs again
after a restart. A blob is tried up to `extensions.blobs.poisonBlobThreshold` times,
`visibilityTimeout` apart; then the host's poison message goes to `webjobs-blobtrigger-poison`.
This is the default source (`LogsAndContainerScan`); `source="EventGrid"` triggers are served by
`devhost.blobqueue` instead.

The scan and the blobs it starts are tasks on the host's event loop, with the asyncio blob
client; at most `extensions.blobs.maxDegreeOfParallelism` blobs are processed at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from devhost.blobinput import POISON_QUEUE, BlobTriggerMessage, blob_invocation
from devhost.expressions import resolve_settings
from devhost.invocation import FunctionFailed
from devhost.runtime import HOSTS_CONTAINER, function_id
from devhost.tasks import finish, wait_for_event

if TYPE_CHECKING:
    from azure.storage.blob.aio import BlobClient

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
        self._slots = asyncio.Semaphore(runtime.config.blobs.max_degree_of_parallelism)
        self._seen: set[tuple[str, str]] = set()
        self._scanning: asyncio.Task[None] | None = None
        self._processing: set[asyncio.Task[None]] = set()

    def describe(self) -> str:
        return f"blobTrigger ({self.path.container}/{self.path.prefix}...)"

    # --- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        self._scanning = asyncio.create_task(self._run(), name=f"blob-{self.spec.name}")

    async def stop(self, grace: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        if self._scanning is not None:
            await finish([self._scanning], grace)
        # Blobs not started yet see `stopping` and return: no receipt, the next start runs them.
        await finish(set(self._processing), deadline - loop.time())

    async def _run(self) -> None:
        while not self.runtime.stopping.is_set():
            try:
                await self.scan()
            except Exception:
                logger.exception("blob_scan_failed function=%s", self.spec.name)
            await wait_for_event(self.runtime.stopping, POLL_SECONDS)

    # --- scanning -------------------------------------------------------------------------
    def _receipt(self, name: str, etag: str) -> BlobClient:
        path = (
            f"blobreceipts/{self.runtime.host_id}/{function_id(self.spec)}/{etag.strip(chr(34))}/"
            f"{self.path.container}/{name}"
        )
        return self.runtime.storage.blob(self.connection).get_blob_client(HOSTS_CONTAINER, path)

    async def scan(self) -> None:
        from azure.core.exceptions import ResourceNotFoundError

        container = self.runtime.storage.blob(self.connection).get_container_client(
            self.path.container
        )
        listed: set[tuple[str, str]] = set()
        try:
            async for blob in container.list_blobs(name_starts_with=self.path.prefix or None):
                if self.runtime.stopping.is_set():
                    return
                listed.add((blob.name, str(blob.etag)))
                await self._consider(blob.name, str(blob.etag))
        except ResourceNotFoundError:
            pass  # the container does not exist yet: nothing to process
        # Forget versions no longer there (deleted or overwritten), so that what is
        # remembered stays the size of the container, not of its whole history.
        self._seen &= listed

    async def _consider(self, name: str, etag: str) -> None:
        values = self.path.match(name)
        key = (name, etag)
        if values is None or key in self._seen:
            return
        self._seen.add(key)
        if await self._receipt(name, etag).exists():
            return
        self._dispatch(name, etag, values)

    def _dispatch(self, name: str, etag: str, values: dict[str, str]) -> None:
        task = asyncio.create_task(
            self._process_guarded(name, etag, values), name=f"blob-{self.spec.name}"
        )
        self._processing.add(task)
        task.add_done_callback(self._processing.discard)

    async def _process_guarded(self, name: str, etag: str, values: dict[str, str]) -> None:
        async with self._slots:
            try:
                await self._process(name, etag, values)
            except Exception:
                # A storage fault, not a function failure: forget the blob so a later scan
                # retries it.
                logger.exception("blob_processing_error function=%s blob=%s", self.spec.name, name)
                self._seen.discard((name, etag))

    # --- processing -----------------------------------------------------------------------
    async def _invocation(
        self, name: str, attempt: int, values: dict[str, str]
    ) -> Invocation | None:
        return await blob_invocation(
            self.spec, self.runtime, self.path.container, name, attempt=attempt, path_values=values
        )

    async def _process(self, name: str, etag: str, values: dict[str, str]) -> None:
        stopping = self.runtime.stopping
        max_count = self.runtime.config.blobs.poison_blob_threshold
        binding_data = {**values, "blobTrigger": f"{self.path.container}/{name}"}
        for attempt in range(1, max_count + 1):
            if stopping.is_set():
                return  # unfinished: no receipt, so the next start processes it
            invocation = await self._invocation(name, attempt, values)
            if invocation is None:
                return
            self.runtime.with_outputs(invocation, binding_data)
            try:
                await self.runtime.invoker.run(invocation)
            except FunctionFailed:
                if attempt < max_count:
                    await wait_for_event(stopping, self.runtime.config.queues.visibility_timeout)
                continue
            await self._write_receipt(name, etag, invocation.invocation_id)
            return
        if not stopping.is_set():
            await self._poison(name, etag)

    async def _write_receipt(self, name: str, etag: str, invocation_id: str) -> None:
        from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError

        receipt = self._receipt(name, etag)
        metadata = {"InvocationId": invocation_id}
        try:
            await receipt.upload_blob(b"", overwrite=True, metadata=metadata)
        except ResourceNotFoundError:
            with contextlib.suppress(ResourceExistsError):
                await self.runtime.storage.blob(self.connection).create_container(HOSTS_CONTAINER)
            await receipt.upload_blob(b"", overwrite=True, metadata=metadata)

    async def _poison(self, name: str, etag: str) -> None:
        from azure.core.exceptions import ResourceExistsError

        message = BlobTriggerMessage(function_id(self.spec), self.path.container, name, etag)
        queue = self.runtime.storage.queue(self.connection).get_queue_client(POISON_QUEUE)
        with contextlib.suppress(ResourceExistsError):
            await queue.create_queue()
        await queue.send_message(message.encode(self.runtime.config.queues.message_encoding))
        logger.warning(
            "blob_poisoned function=%s blob=%s/%s queue=%s",
            self.spec.name,
            self.path.container,
            name,
            POISON_QUEUE,
        )
        # A receipt, so a poisoned version is not retried after every restart.
        await self._write_receipt(name, etag, "poisoned")

    # --- admin ----------------------------------------------------------------------------
    async def invoke_once(self, raw_input: str | None) -> None:
        await invoke_blob_once(self.spec, self.runtime, self.path, raw_input)


async def invoke_blob_once(
    spec: FunctionSpec, runtime: Runtime, path: BlobPath, raw_input: str | None
) -> None:
    """Admin call: `input` is `container/name` (or just the name) of the blob to run on."""
    target = (raw_input or "").strip("/")
    name = target.split("/", 1)[1] if target.startswith(path.container + "/") else target
    values = path.match(name) or {}
    invocation = await blob_invocation(
        spec,
        runtime,
        path.container,
        name,
        attempt=1,
        path_values=values,
        detail=" reason=admin",
    )
    if invocation is None:
        logger.warning("admin_blob_not_found function=%s blob=%s", spec.name, target)
        return
    runtime.with_outputs(invocation, {**values, "blobTrigger": f"{path.container}/{name}"})
    with contextlib.suppress(FunctionFailed):
        await runtime.invoker.run(invocation)
