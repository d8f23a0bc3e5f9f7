"""The proxy worker's part, in devhost's process: what `proxy_worker/dispatcher.py` of
Azure/azure-functions-python-worker does between the host's gRPC stream and the library, minus
the stream. Each host message is wrapped in a `StreamingMessage` and handed to the library's
handler in the proxy's envelope (`WorkerRequest`: name, the message, and for init the
`properties` with `protos` and `host`); the library answers with the response message.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devhost.worker.exceptions import WorkerStartFailed

if TYPE_CHECKING:
    from collections.abc import Iterator, MutableMapping

__all__ = ["WorkerChannel", "WorkerRequest"]

# The host's version devhost stands in for (Functions runtime 4.x); the library does not read it.
HOST_VERSION = "4.0"
_APPINSIGHTS = "PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY"
_OPENTELEMETRY = "PYTHON_ENABLE_OPENTELEMETRY"


@dataclass
class WorkerRequest:
    """The proxy worker's envelope around a host message (its `WorkerRequest`)."""

    name: str
    request: Any
    properties: dict[str, Any] | None = None


@contextlib.contextmanager
def _telemetry_configured(environ: MutableMapping[str, str], configured: bool) -> Iterator[None]:
    """devhost has already configured Azure Monitor before importing the app, as the library
    would in WorkerInitRequest. So the library is told only that OpenTelemetry is there
    (PYTHON_ENABLE_OPENTELEMETRY, the app setting for apps that configure it themselves): it
    then attaches each invocation's trace context without configuring the distro again."""
    if not configured:
        yield
        return
    saved = {name: environ.get(name) for name in (_APPINSIGHTS, _OPENTELEMETRY)}
    environ.pop(_APPINSIGHTS, None)
    environ[_OPENTELEMETRY] = "true"
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                environ.pop(name, None)
            else:
                environ[name] = value


class WorkerChannel:
    def __init__(self, library: Any, protos: Any, *, app_dir: Path, host: str) -> None:
        self._library, self.protos = library, protos
        self._app_dir, self._host = app_dir, host
        self._request_id = str(uuid.uuid4())  # one stream, one request id, as the proxy's

    def _message(self, **content: Any) -> Any:
        return self.protos.StreamingMessage(request_id=self._request_id, **content)

    def _check(self, what: str, result: Any) -> None:
        if result.status != self.protos.StatusResult.Success:
            raise WorkerStartFailed(f"{what}: {result.exception.message}")

    async def init(self, *, telemetry_configured: bool) -> dict[str, str]:
        """Start the library's thread pool, then WorkerInitRequest: the library imports the app
        and indexes it. Returns the worker's capabilities."""
        self._library.start_threadpool_executor()
        init = self.protos.WorkerInitRequest(
            host_version=HOST_VERSION,
            function_app_directory=str(self._app_dir),
            worker_directory=str(Path(self._library.__file__).parent),
        )
        envelope = WorkerRequest(
            "WorkerInitRequest",
            self._message(worker_init_request=init),
            {"protos": self.protos, "host": self._host},
        )
        with _telemetry_configured(os.environ, telemetry_configured):
            response = await self._library.worker_init_request(envelope)
        self._check("WorkerInitRequest", response.result)
        return dict(response.capabilities)

    async def metadata(self) -> list[Any]:
        """FunctionsMetadataRequest: the RpcFunctionMetadata of every function indexed."""
        request = self.protos.FunctionsMetadataRequest(function_app_directory=str(self._app_dir))
        envelope = WorkerRequest(
            "WorkerMetadataRequest", self._message(functions_metadata_request=request)
        )
        response = await self._library.functions_metadata_request(envelope)
        self._check("FunctionsMetadataRequest", response.result)
        return list(response.function_metadata_results or ())

    async def load(self, metadata: Any) -> None:
        """FunctionLoadRequest with the metadata as the worker reported it, its properties
        (`worker_indexed`) included, as the host sends it back."""
        request = self.protos.FunctionLoadRequest(
            function_id=metadata.function_id, metadata=metadata
        )
        envelope = WorkerRequest(
            "FunctionLoadRequest", self._message(function_load_request=request)
        )
        response = await self._library.function_load_request(envelope)
        self._check(f"FunctionLoadRequest {metadata.name}", response.result)

    async def invoke(self, request: Any) -> Any:
        """InvocationRequest in, InvocationResponse out."""
        envelope = WorkerRequest(
            "FunctionInvocationRequest", self._message(invocation_request=request)
        )
        return await self._library.invocation_request(envelope)

    def close(self, *, idle: bool) -> None:
        """Stop the library's thread pool: waiting for it only when nothing runs, so a function
        still running after the drain cannot hold the host's exit."""
        if idle:
            self._library.stop_threadpool_executor()
            return
        pool = self._library.get_threadpool_executor()
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
