"""Tables, queues and containers are made by infra/, so the app assumes they exist and makes no
existence call on the way to storage (no `create_table_if_not_exists` per table and process).

Where storage answers that one is missing (Azurite with nothing created, or an account infra
has not finished), the app does what that answer asks and nothing more:

- a **write** refused with TableNotFound, QueueNotFound or ContainerNotFound creates the table,
  queue or container and is sent once more (`creating_on_missing`): a write that met a
  missing resource did not happen, so sending it again is safe;
- a **read** of a missing table finds nothing (`missing_table_reads_empty`), which is the
  answer the read would get after creating it, so it creates nothing: two requests fewer.
  Point reads need no help: the adapters already answer "not found" to any 404.

docs/storage-design.md ("Tables, queues and containers") says why, and what it costs.
"""

from __future__ import annotations

import contextlib
import json
import logging
from typing import TYPE_CHECKING, Any, TypeVar

from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterator

    from azure.data.tables.aio import TableClient
    from azure.storage.blob.aio import BlobServiceClient
    from azure.storage.queue.aio import QueueClient

__all__ = [
    "CONTAINER_NOT_FOUND",
    "QUEUE_NOT_FOUND",
    "TABLE_NOT_FOUND",
    "creating_container",
    "creating_on_missing",
    "creating_queue",
    "creating_table",
    "error_code",
    "missing_table_reads_empty",
]

logger = logging.getLogger(__name__)

# The storage services' error codes for a resource that does not exist (the REST references'
# "Table service error codes", "Queue service error codes", "Blob service error codes").
TABLE_NOT_FOUND = "TableNotFound"
QUEUE_NOT_FOUND = "QueueNotFound"
CONTAINER_NOT_FOUND = "ContainerNotFound"
T = TypeVar("T")


def error_code(error: HttpResponseError) -> str | None:
    """The service's error code: the SDK's decoding when it made one, else the response's
    `x-ms-error-code` header, else the OData body's `code` (Tables' `create_entity` raises its
    404 undecoded, as azure-data-tables 12.7.0 does)."""
    code = getattr(error, "error_code", None)
    if code:
        return str(code.value if hasattr(code, "value") else code)
    response = error.response
    if response is None:
        return None
    code = (getattr(response, "headers", None) or {}).get("x-ms-error-code")
    if code:
        return str(code)
    with contextlib.suppress(Exception):  # any body that is not the OData error: no code
        return str(json.loads(response.text())["odata.error"]["code"])
    return None


def _missing(error: ResourceNotFoundError, code: str) -> bool:
    return error_code(error) == code


async def creating_on_missing(
    write: Callable[[], Awaitable[T]],
    *,
    code: str,
    create: Callable[[], Awaitable[object]],
    name: str,
) -> T:
    """Run `write`; if storage answers `code` (the resource is missing), `create` it (another
    writer making it at the same time is fine) and run `write` once more."""
    try:
        return await write()
    except ResourceNotFoundError as error:
        if not _missing(error, code):
            raise
    logger.warning("storage_resource_missing code=%s name=%s action=create", code, name)
    with contextlib.suppress(ResourceExistsError):
        await create()
    return await write()


async def creating_table(client: TableClient, write: Callable[[], Awaitable[T]]) -> T:
    """`creating_on_missing` for a write to `client`'s table."""
    return await creating_on_missing(
        write, code=TABLE_NOT_FOUND, create=client.create_table, name=client.table_name
    )


async def creating_queue(
    client: QueueClient, write: Callable[[], Awaitable[T]], **create_options: Any
) -> T:
    """`creating_on_missing` for a write to `client`'s queue; `create_options` (a timeout, a
    retry policy) go to its `create_queue`."""
    return await creating_on_missing(
        write,
        code=QUEUE_NOT_FOUND,
        create=lambda: client.create_queue(**create_options),
        name=client.queue_name,
    )


async def creating_container(
    blobs: BlobServiceClient, name: str, write: Callable[[], Awaitable[T]]
) -> T:
    """`creating_on_missing` for a write to (or a read of) the container `name`."""
    return await creating_on_missing(
        write, code=CONTAINER_NOT_FOUND, create=lambda: blobs.create_container(name), name=name
    )


@contextlib.contextmanager
def missing_table_reads_empty() -> Iterator[None]:
    """Around a query: a missing table ends it as if it had found no row."""
    try:
        yield
    except ResourceNotFoundError as error:
        if not _missing(error, TABLE_NOT_FOUND):
            raise
