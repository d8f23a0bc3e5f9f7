"""Entity-group transactions, written and read as the REST API documents them.

Why not `TableClient.submit_transaction`: the SDK builds the `multipart/mixed` request and parses
the response with azure-core's generic multipart support, which runs every part through the
standard library's `email` package. An order's create is one such transaction, and that code
was the largest share of the CPU per order (docs/change-feed.md, "CPU per order"; the figures
are in docs/benchmarks.md, "Table transaction").

The request is sent through the `TableClient`'s own pipeline, so authentication (shared key,
SAS, Entra ID), retries, tracing and the transport stay the SDK's. Only the body is ours, in
the documented format, and tests/unit/test_table_transaction_wire.py holds it against the
SDK's own request for the same operations:
https://learn.microsoft.com/rest/api/storageservices/performing-entity-group-transactions
What a refused transaction raises follows the SDK too (shared.table_transaction_errors).

Operations are typed because the SDK's words and the REST API's disagree: the SDK's "update"
is a merge unless told otherwise, the REST API's Update Entity replaces the whole entity. Only
what the app writes is offered: insert, replace, upsert, delete.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import KW_ONLY, dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from azure.core.exceptions import HttpResponseError
from azure.core.rest import HttpRequest

from shared import telemetry
from shared.table_transaction_errors import (
    TransactionError,
    TransactionFailed,
    TransactionTooLarge,
    error_of_part,
    error_of_response,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from azure.data.tables.aio import TableClient

__all__ = [
    "Delete",
    "Insert",
    "Operation",
    "Replace",
    "TransactionError",
    "TransactionFailed",
    "TransactionTooLarge",
    "Upsert",
    "submit_transaction",
]


@dataclass(frozen=True, slots=True)
class Insert:
    """Insert Entity: refused with 409 when the row exists."""

    entity: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Replace:
    """Update Entity, which replaces every property (the SDK's `UpdateMode.REPLACE`): refused
    with 404 when the row is missing, 412 when `etag` no longer matches (no `etag`: any)."""

    entity: Mapping[str, Any]
    _: KW_ONLY
    etag: str | None = None


@dataclass(frozen=True, slots=True)
class Upsert:
    """Insert Or Replace Entity: Update Entity without If-Match (the SDK's `upsert_entity` in
    `UpdateMode.REPLACE`), never refused for a missing or an existing row."""

    entity: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Delete:
    """Delete Entity: refused with 404 when the row is missing, 412 as Replace."""

    partition_key: str
    row_key: str
    _: KW_ONLY
    etag: str | None = None


Operation = Insert | Replace | Upsert | Delete

_INT32 = range(-(2**31), 2**31)
_STATUS_LINE = re.compile(rb"^HTTP/1\.[01] (\d{3})[^\r\n]*\r?\n((?:[^\r\n]+\r?\n)*)\r?\n", re.M)
_ETAG = re.compile(rb"^ETag:[ \t]*([^\r\n]*?)[ \t]*\r?$", re.M | re.I)
_ACCEPTED = 202


async def submit_transaction(
    client: TableClient, operations: Sequence[Operation], **kwargs: Any
) -> list[dict[str, str]]:
    """Apply `operations` to `client`'s table atomically. Returns, per operation, its new
    `etag` (empty for a delete). `kwargs` go to the pipeline (e.g. `retry_on_methods`)."""
    _check_one_partition(operations)
    account = _account_url(client.url)
    changeset, batch = f"changeset_{uuid.uuid4()}", f"batch_{uuid.uuid4()}"
    parts = "".join(
        f"--{changeset}\r\n{_part(account, client.table_name, index, operation)}\r\n"
        for index, operation in enumerate(operations)
    )
    body = (
        f"--{batch}\r\nContent-Type: multipart/mixed; boundary={changeset}\r\n\r\n"
        f"{parts}--{changeset}--\r\n--{batch}--\r\n"
    )
    request = HttpRequest(
        "POST",
        f"{account}/$batch",
        content=body.encode(),
        headers={
            "x-ms-version": client.api_version,
            "DataServiceVersion": "3.0",
            "MaxDataServiceVersion": "3.0;NetFx",
            "Accept": "application/json",
            "Content-Type": f"multipart/mixed; boundary={batch}",
        },
    )
    # The SDK has no public way to send a prepared request; its own submit_transaction sends
    # through this same generated client (azure-data-tables is pinned in requirements.txt).
    # The span stands where the SDK method's would: the $batch call becomes its dependency.
    size: dict[str, str | int] = {"table.name": client.table_name, "rows": len(operations)}
    with telemetry.span("table transaction", attributes=size):
        response = await client._client.send_request(request, stream=True, **kwargs)
        await response.read()
    if response.status_code != _ACCEPTED:
        raise error_of_response(response)
    return _results(response.content, len(operations))


def _check_one_partition(operations: Sequence[Operation]) -> None:
    """Azure refuses a transaction over two partitions and Azurite 3.37 applies it, so the
    mistake is caught here, as the SDK's `_verify_partition_key` catches it, not in Azure."""
    partitions = {_keys(operation)[0] for operation in operations}
    if len(partitions) > 1:
        raise ValueError(f"A transaction writes one partition, not {sorted(partitions)}.")


def _account_url(url: str) -> str:
    """`TableClient.url` without a SAS query: the pipeline signs the outer request."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def _keys(operation: Operation) -> tuple[str, str]:
    if isinstance(operation, Delete):
        return operation.partition_key, operation.row_key
    return str(operation.entity["PartitionKey"]), str(operation.entity["RowKey"])


def _part(account: str, table: str, index: int, operation: Operation) -> str:
    headers = ["Accept: application/json;odata=minimalmetadata", "DataServiceVersion: 3.0"]
    if isinstance(operation, Insert):
        method, target = "POST", f"{account}/{table}"
        headers.append("Prefer: return-no-content")
    else:
        partition, row = _keys(operation)
        method = "DELETE" if isinstance(operation, Delete) else "PUT"
        target = f"{account}/{table}(PartitionKey='{_key(partition)}',RowKey='{_key(row)}')"
        if not isinstance(operation, Upsert):  # without If-Match a PUT inserts or replaces
            headers.append(f"If-Match: {operation.etag or '*'}")
    content = "" if isinstance(operation, Delete) else json.dumps(_serialise(operation.entity))
    if content:
        headers.append("Content-Type: application/json")
    request = f"{method} {target} HTTP/1.1\r\n" + "".join(f"{h}\r\n" for h in headers)
    return (
        "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n"
        f"Content-ID: {index}\r\n\r\n{request}\r\n{content}"
    )


def _key(value: str) -> str:
    """A key inside an OData key predicate: quotes doubled, then percent-encoded."""
    return quote(value.replace("'", "''"), safe="")


def _serialise(entity: Mapping[str, Any]) -> dict[str, Any]:
    """JSON whose types Table Storage infers as the SDK would write them. Only the types the
    app stores are accepted (strings, booleans, 32-bit integers); anything else is an error
    here rather than a silently different column type."""
    body: dict[str, Any] = {}
    for name, value in entity.items():
        if value is None:
            continue
        if isinstance(value, int) and not isinstance(value, bool) and value not in _INT32:
            raise TypeError(f"{name}: {value} does not fit Edm.Int32")
        if not isinstance(value, str | bool | int):
            raise TypeError(f"{name}: {type(value).__name__} is not stored by this module")
        body[name] = value
    return body


def _results(content: bytes, expected: int) -> list[dict[str, str]]:
    """Each operation's ETag, or the error of the first part that was refused."""
    results: list[dict[str, str]] = []
    for match in _STATUS_LINE.finditer(content):
        status = int(match.group(1))
        if not 200 <= status < 300:
            rest = content[match.end() :].split(b"\r\n--", 1)[0]
            raise error_of_part(status, rest.decode(errors="replace"))
        etag = _ETAG.search(match.group(2))
        results.append({"etag": etag.group(1).decode()} if etag else {})
    if len(results) != expected:
        raise HttpResponseError(
            f"The transaction's response holds {len(results)} results, not {expected}."
        )
    return results
