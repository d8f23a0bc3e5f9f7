"""Entity-group transactions, written and read as the REST API documents them.

Why not `TableClient.submit_transaction`: the SDK builds the `multipart/mixed` request and parses
the response with azure-core's generic multipart support, which runs every part through the
standard library's `email` package. That cost about 9.8 ms of CPU per 3-row transaction on
this machine, against about 2.7 ms for this module (bench.table_transaction), and an order's
create is one such transaction: it was the largest share of the CPU per order
(docs/change-feed.md, "CPU per order").

The request is sent through the `TableClient`'s own pipeline, so authentication (shared key,
SAS, Entra ID), retries, tracing and the transport stay the SDK's. Only the body is ours, in
the documented format:
https://learn.microsoft.com/rest/api/storageservices/performing-entity-group-transactions
"""

from __future__ import annotations

import json
import re
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from azure.core.exceptions import HttpResponseError
from azure.core.rest import HttpRequest

from shared import telemetry

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from azure.data.tables.aio import TableClient

__all__ = ["Operation", "TransactionFailed", "submit_transaction"]

# (kind, entity, conditions): kind "create" (Insert Entity), "update" (Update Entity, which
# replaces the whole entity) or "delete"; conditions may hold the "etag" to match (If-Match),
# otherwise an update or delete matches any version ("*").
Operation = tuple[str, dict[str, Any], dict[str, Any]]

_METHODS = {"create": "POST", "update": "PUT", "delete": "DELETE"}
_INT32 = range(-(2**31), 2**31)
_STATUS_LINE = re.compile(rb"^HTTP/1\.[01] (\d{3})[^\r\n]*\r?\n((?:[^\r\n]+\r?\n)*)\r?\n", re.M)
_ETAG = re.compile(rb"^ETag:[ \t]*([^\r\n]*?)[ \t]*\r?$", re.M | re.I)
_INDEX = re.compile(r"^(\d+):")


class TransactionFailed(HttpResponseError):
    """One operation of a transaction was refused, so none of them was applied."""

    def __init__(self, index: int, status: int, error_code: str, message: str) -> None:
        super().__init__(message=message)
        self.index = index
        self.status_code = status
        self.error_code = error_code


async def submit_transaction(
    client: TableClient, operations: Sequence[Operation], **kwargs: Any
) -> list[dict[str, str]]:
    """Apply `operations` to `client`'s table atomically. Returns, per operation, its new
    `etag` (empty for a delete). `kwargs` go to the pipeline (e.g. `retry_on_methods`)."""
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
    if response.status_code != 202:
        raise HttpResponseError(response=response)
    return _results(response.content, len(operations))


def _account_url(url: str) -> str:
    """`TableClient.url` without a SAS query: the pipeline signs the outer request."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def _part(account: str, table: str, index: int, operation: Operation) -> str:
    kind, entity, conditions = operation
    method = _METHODS[kind]
    headers = ["Accept: application/json;odata=minimalmetadata", "DataServiceVersion: 3.0"]
    if kind == "create":
        target = f"{account}/{table}"
        headers.append("Prefer: return-no-content")
    else:
        keys = f"PartitionKey='{_key(entity['PartitionKey'])}',RowKey='{_key(entity['RowKey'])}'"
        target = f"{account}/{table}({keys})"
        headers.append(f"If-Match: {conditions.get('etag', '*')}")
    content = "" if kind == "delete" else json.dumps(_serialise(entity))
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
    """Each operation's ETag, or TransactionFailed from the one part that says what failed."""
    results: list[dict[str, str]] = []
    for match in _STATUS_LINE.finditer(content):
        status = int(match.group(1))
        if not 200 <= status < 300:
            raise _failure(status, content[match.end() :])
        etag = _ETAG.search(match.group(2))
        results.append({"etag": etag.group(1).decode()} if etag else {})
    if len(results) != expected:
        raise HttpResponseError(
            f"The transaction's response holds {len(results)} results, not {expected}."
        )
    return results


def _failure(status: int, rest: bytes) -> TransactionFailed:
    """The error body is `{"odata.error": {"code", "message": {"value": "<index>:<text>"}}}`:
    the index of the refused operation leads the message (0 when it does not)."""
    text = rest.split(b"\r\n--", 1)[0].decode(errors="replace")
    try:
        error = json.loads(text)["odata.error"]
        code, message = str(error.get("code", "")), str(error["message"]["value"])
    except (ValueError, KeyError, TypeError):
        code, message = "", text.strip()
    index = _INDEX.match(message)
    return TransactionFailed(int(index.group(1)) if index else 0, status, code, message)
