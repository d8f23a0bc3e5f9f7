"""Rules every Table Storage write obeys, and the translation of SDK failures.

Azurite does not enforce Azure's entity limits, so they are checked here before every write:
otherwise code that passes locally would fail in production.
See https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model
"""

from __future__ import annotations

import contextlib
import logging
import re
from typing import TYPE_CHECKING, Any

from shared.errors import InvalidInput, StorageUnavailable

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from azure.data.tables import TableEntity
    from azure.data.tables.aio import TableClient

__all__ = [
    "RETRY_WRITES",
    "RETURN_NO_CONTENT",
    "EntityRejected",
    "check_entity",
    "check_key",
    "query_page",
    "storage_unavailable_on_failure",
]

logger = logging.getLogger(__name__)

MAX_ENTITY_BYTES = 1024 * 1024
MAX_CUSTOM_PROPERTIES = 252  # 255 minus PartitionKey, RowKey and Timestamp
MAX_KEY_CHARS = 1024
MAX_STRING_CHARS = 32 * 1024  # 64 KiB of UTF-16
_FORBIDDEN_KEY_CHARS = re.compile(r"[/\\#?\x00-\x1f\x7f-\x9f]")
# For `create_entity`: by default Insert Entity answers with the whole entity, which the SDK
# then parses; nothing here reads it (the ETag is a header): docs/change-feed.md, "CPU per order".
# https://learn.microsoft.com/rest/api/storageservices/insert-entity#request-headers
RETURN_NO_CONTENT: dict[str, Any] = {"headers": {"Prefer": "return-no-content"}}
# azure-core retries only idempotent verbs, and Table inserts, merges and transactions are POST
# and MERGE. Every write in this app is safe to repeat (ETags, versions, a write recognising
# its own earlier success), so writes pass this to be retried after a connection failure too.
RETRY_WRITES: dict[str, Any] = {
    "retry_on_methods": frozenset({"GET", "HEAD", "PUT", "DELETE", "POST", "PATCH", "MERGE"})
}


class EntityRejected(InvalidInput):
    """An entity would break a Table Storage limit that Azure enforces."""

    code = "entity-rejected"


def check_key(key: str, name: str = "key") -> str:
    if not key or len(key) > MAX_KEY_CHARS or _FORBIDDEN_KEY_CHARS.search(key):
        raise EntityRejected(f"The {name} is not a valid Table Storage key.")
    return key


def _value_bytes(value: Any) -> int:
    if isinstance(value, str):
        if len(value) > MAX_STRING_CHARS:
            raise EntityRejected("A string property exceeds 64 KiB.")
        return 4 + len(value) * 2
    if isinstance(value, bytes):
        return 4 + len(value)
    return 8


def check_entity(entity: Mapping[str, Any]) -> Mapping[str, Any]:
    """Raise EntityRejected unless Azure would accept `entity` (keys, count, sizes)."""
    partition, row = str(entity["PartitionKey"]), str(entity["RowKey"])
    check_key(partition, "PartitionKey")
    check_key(row, "RowKey")
    custom = {k: v for k, v in entity.items() if k not in ("PartitionKey", "RowKey")}
    if len(custom) > MAX_CUSTOM_PROPERTIES:
        raise EntityRejected(f"An entity holds at most {MAX_CUSTOM_PROPERTIES} properties.")
    size = 4 + (len(partition) + len(row)) * 2
    size += sum(8 + len(name) * 2 + _value_bytes(value) for name, value in custom.items())
    if size > MAX_ENTITY_BYTES:
        raise EntityRejected("The entity exceeds Table Storage's 1 MiB limit.")
    return entity


@contextlib.contextmanager
def storage_unavailable_on_failure(operation: str) -> Iterator[None]:
    """Turn transport failures and server-side 5xx/timeouts into StorageUnavailable."""
    from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError

    try:
        yield
    except (ServiceRequestError, ServiceResponseError) as exc:
        logger.warning("storage unreachable operation=%s error=%s", operation, type(exc).__name__)
        raise StorageUnavailable("Storage is unavailable; retry shortly.") from exc
    except HttpResponseError as exc:
        if exc.status_code is None or exc.status_code >= 500 or exc.status_code == 408:
            logger.warning("storage failed operation=%s status=%s", operation, exc.status_code)
            raise StorageUnavailable("Storage is unavailable; retry shortly.") from exc
        raise


async def query_page(
    client: TableClient,
    query: str,
    parameters: dict[str, Any],
    *,
    limit: int,
    continuation: dict[str, str] | None,
    select: list[str] | None = None,
) -> tuple[list[TableEntity], dict[str, str] | None]:
    """Up to `limit` entities from `continuation` on, and where the next page starts: one
    request to storage, never more, so what a caller costs is bounded before it is paid.

    A Table Storage page can come back short or even empty while more rows follow (at
    partition boundaries, after 5 seconds or 1,000 rows scanned, when a filter skips rows:
    https://learn.microsoft.com/rest/api/storageservices/query-timeout-and-pagination), so a
    short page with a position is no end: the caller gets what was found and the position,
    and asks again if it wants more."""
    pages: Any = client.query_entities(
        query, parameters=parameters, results_per_page=limit, select=select
    ).by_page(continuation_token=continuation)  # type: ignore[arg-type]  # the SDK takes a dict
    entities = [entity async for entity in await anext(pages)]
    position = pages.continuation_token or {}
    next_position = {key: value for key, value in position.items() if value is not None}
    return entities, next_position or None
