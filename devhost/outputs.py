"""Output bindings the app may declare: queue messages and blobs, written after success with
the asyncio storage clients, on the event loop, from the values the worker answered with
(devhost.typeddata), as the host writes them: text as UTF-8, a JSON array as one message per
item (the host's collector binding adds each element of a JArray), any other JSON as its text."""

from __future__ import annotations

import base64
import contextlib
import json
import logging
from functools import partial
from typing import TYPE_CHECKING, Any

from devhost.expressions import resolve_binding_data, resolve_settings

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

    from devhost.functions import FunctionSpec
    from devhost.storage import StorageAccounts
    from devhost.typeddata import InvocationResult, Typed

__all__ = ["SUPPORTED_OUTPUTS", "OutputWriter", "UnsupportedBinding", "create_on_missing"]

logger = logging.getLogger(__name__)
SUPPORTED_OUTPUTS = ("queue", "blob", "http")


class UnsupportedBinding(ValueError):
    """The function declares a binding type devhost does not implement."""


def _messages(value: Typed) -> list[bytes]:
    """The queue messages one output value makes."""
    if value.kind != "json":
        return [value.as_bytes()]
    document = json.loads(value.value)
    items = document if isinstance(document, list) else [document]
    return [_json_text(item).encode() for item in items]


def _json_text(item: Any) -> str:
    if isinstance(item, str):
        return item
    return json.dumps(item, separators=(",", ":"), ensure_ascii=False)


class OutputWriter:
    """Writes what the function set into its output bindings (and its `$return`)."""

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

    async def write(
        self, spec: FunctionSpec, result: InvocationResult, *, data: Mapping[str, str]
    ) -> None:
        for binding in spec.outputs():
            value = result.value_for(str(binding["name"]))
            if value is not None:
                await self._write_one(binding, value, data)

    async def _write_one(
        self, binding: Mapping[str, Any], value: Typed, data: Mapping[str, str]
    ) -> None:
        connection = binding.get("connection")
        if binding["type"] == "queue":
            queue_name = resolve_binding_data(
                resolve_settings(binding["queueName"], self._environ), data
            )
            client = self._storage.queue(connection).get_queue_client(queue_name.lower())
            for raw in _messages(value):
                encoded = base64.b64encode(raw) if self._encoding == "base64" else raw
                text = encoded.decode()
                await create_on_missing(partial(client.send_message, text), client.create_queue)
        elif binding["type"] == "blob":
            path = resolve_binding_data(resolve_settings(binding["path"], self._environ), data)
            container, _, blob_name = path.partition("/")
            service = self._storage.blob(connection)
            blob = service.get_blob_client(container, blob_name)
            await create_on_missing(
                partial(blob.upload_blob, value.as_bytes(), overwrite=True),
                service.get_container_client(container).create_container,
            )


async def create_on_missing(
    write: Callable[[], Awaitable[object]], create: Callable[[], Awaitable[object]]
) -> None:
    """`write`, creating its queue or container on first use, as the host creates what its
    output bindings and its own queues write to."""
    from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError

    try:
        await write()
    except ResourceNotFoundError:
        with contextlib.suppress(ResourceExistsError):
            await create()
        await write()
