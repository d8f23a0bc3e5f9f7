"""Output bindings the app may declare: queue messages and blobs, written after success with
the asyncio storage clients, on the event loop."""

from __future__ import annotations

import base64
import contextlib
import json
import logging
from functools import partial
from typing import TYPE_CHECKING, Any

from devhost.context import OutValue
from devhost.expressions import resolve_binding_data, resolve_settings

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

    from devhost.functions import FunctionSpec
    from devhost.storage import StorageAccounts

__all__ = ["SUPPORTED_OUTPUTS", "OutputWriter", "UnsupportedBinding"]

logger = logging.getLogger(__name__)
SUPPORTED_OUTPUTS = ("queue", "blob", "http")


class UnsupportedBinding(ValueError):
    """The function declares a binding type devhost does not implement."""


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    return json.dumps(value).encode()


class OutputWriter:
    """Creates the `func.Out` arguments and writes what the function set into them."""

    def __init__(
        self, storage: StorageAccounts, environ: Mapping[str, str], *, encoding: str
    ) -> None:
        self._storage = storage
        self._environ = environ
        self._encoding = encoding

    @staticmethod
    def check(spec: FunctionSpec) -> None:
        for binding in spec.bindings:
            if binding is spec.trigger:
                continue
            if binding.get("type") not in SUPPORTED_OUTPUTS:
                raise UnsupportedBinding(
                    f"{spec.name}: binding type {binding.get('type')!r} is not supported by devhost"
                )

    def arguments(self, spec: FunctionSpec) -> dict[str, OutValue[Any]]:
        return {b["name"]: OutValue() for b in spec.outputs() if b["name"] != "$return"}

    async def write(
        self,
        spec: FunctionSpec,
        outs: Mapping[str, OutValue[Any]],
        result: Any,
        *,
        data: Mapping[str, str],
    ) -> None:
        for binding in spec.outputs():
            name = binding["name"]
            if name == "$return":
                value = result
            elif outs[name].is_set:
                value = outs[name].get()
            else:
                continue
            if value is not None:
                await self._write_one(binding, value, data)

    async def _write_one(
        self, binding: Mapping[str, Any], value: Any, data: Mapping[str, str]
    ) -> None:
        connection = binding.get("connection")
        if binding["type"] == "queue":
            queue_name = resolve_binding_data(
                resolve_settings(binding["queueName"], self._environ), data
            )
            client = self._storage.queue(connection).get_queue_client(queue_name.lower())
            for item in value if isinstance(value, list) else [value]:
                raw = _as_bytes(item)
                encoded = base64.b64encode(raw) if self._encoding == "base64" else raw
                text = encoded.decode()
                await _create_on_missing(partial(client.send_message, text), client.create_queue)
        elif binding["type"] == "blob":
            path = resolve_binding_data(resolve_settings(binding["path"], self._environ), data)
            container, _, blob_name = path.partition("/")
            service = self._storage.blob(connection)
            blob = service.get_blob_client(container, blob_name)
            await _create_on_missing(
                partial(blob.upload_blob, _as_bytes(value), overwrite=True),
                service.get_container_client(container).create_container,
            )


async def _create_on_missing(
    write: Callable[[], Awaitable[object]], create: Callable[[], Awaitable[object]]
) -> None:
    """Output bindings create their queue or container on first use, as the host's do."""
    from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError

    try:
        await write()
    except ResourceNotFoundError:
        with contextlib.suppress(ResourceExistsError):
            await create()
        await write()
