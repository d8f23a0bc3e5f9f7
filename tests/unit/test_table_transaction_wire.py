"""Our `$batch` request against the SDK's own for the same operations, offline.

The same operations go through azure-data-tables' `TableClient.submit_transaction` (async
client) and shared.table_transactions.submit_transaction, on one client whose transport
records each request and answers 202. Both bodies are parsed the same way and compared part
by part: method, URL (key predicates and their escaping), the part's MIME headers, its HTTP
headers, and its JSON body (parsed, with its `@odata.type` annotations).

Differences that are intended, and why (everything else must be equal):

- **No per-part `x-ms-version`, `x-ms-date`, `Date`.** The outer request carries the version
  and is the one that is signed; the SDK's generic request builder writes them into every
  part as well.
- **No per-part `Content-Length`.** Each part ends at the changeset's boundary; the SDK's
  generic serialiser writes one for every body. (Azurite reads parts without it; Azure is
  checked by scripts/smoke.py, docs/deploy.md "Not verified here", item 9.)
- **`Prefer: return-no-content` on inserts**, as the app's single inserts ask
  (shared.tables.RETURN_NO_CONTENT): the service does not send the row back.
- **`Accept: application/json;odata=minimalmetadata` on replaces** too (the SDK asks plain
  `application/json` there only): a refused part's body is then always the JSON `odata.error`
  that shared.table_transaction_errors reads.
- **No `"@odata.type": "Edm.String"` annotations.** A JSON string is an `Edm.String` when
  unannotated (the Table service's payload format); the app writes no other type that needs
  one (shared.table_transactions refuses what does), so any other annotation the SDK wrote
  would fail this test.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from azure.core import MatchConditions
from azure.data.tables import UpdateMode

from shared.table_transactions import (
    Delete,
    Insert,
    Operation,
    Replace,
    Upsert,
    submit_transaction,
)
from tests.unit.recording_transport import ENDPOINT, ETAG, NO_CONTENT, accepted, table_client

if TYPE_CHECKING:
    from azure.core.rest import HttpRequest

SDK_ONLY_HEADERS = {"x-ms-version", "x-ms-date", "date", "content-length"}
# Quotes, percent signs (also ones that look like escapes), colons, spaces and non-ASCII.
AWKWARD_KEYS = ["p'q", "100% %2F sure", "a:b:c", "with  spaces ", "é ü ☃ 日本", "'':%27 x"]
ENTITY = {"text": 'naïve ☃ "q"', "n": -(2**31), "big": 2**31 - 1, "yes": True, "no": False}


def operations(partition: str) -> list[Operation]:
    """Every kind, with and without an ETag, each on a row of its own in `partition`."""

    def row(name: str, **properties: Any) -> dict[str, Any]:
        return {"PartitionKey": partition, "RowKey": f"{name} {partition}", **properties}

    return [
        Insert(row("insert", **ENTITY, gone=None)),
        Replace(row("replace-if", **ENTITY), etag=ETAG),
        Replace(row("replace-any", n=1)),
        Upsert(row("upsert", **ENTITY)),
        Delete(partition, f"delete-if {partition}", etag=ETAG),
        Delete(partition, f"delete-any {partition}"),
    ]


def sdk_form(operation: Operation) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """The same operation in the SDK's words: a replace is an "update" in REPLACE mode, and an
    ETag is matched only when IfNotModified says so."""
    condition: dict[str, Any] = {}
    if isinstance(operation, Upsert):
        return "upsert", dict(operation.entity), {"mode": UpdateMode.REPLACE}
    if not isinstance(operation, Insert) and operation.etag:
        condition = {"etag": operation.etag, "match_condition": MatchConditions.IfNotModified}
    if isinstance(operation, Insert):
        return "create", dict(operation.entity), {}
    if isinstance(operation, Replace):
        return "update", dict(operation.entity), {"mode": UpdateMode.REPLACE, **condition}
    keys = {"PartitionKey": operation.partition_key, "RowKey": operation.row_key}
    return "delete", keys, condition


@dataclass
class Part:
    mime: dict[str, str]
    method: str
    url: str
    headers: dict[str, str]
    body: dict[str, Any] | None


def _headers(lines: list[str]) -> dict[str, str]:
    pairs = (line.split(":", 1) for line in lines)
    return {name.strip().lower(): value.strip() for name, value in pairs}


def _sections(text: str, boundary: str) -> list[str]:
    """The sections of a multipart body between its delimiters; the close delimiter ends it."""
    chunks = text.split(f"--{boundary}")
    assert chunks[-1].strip() == "--", chunks[-1]
    return [chunk.removeprefix("\r\n") for chunk in chunks[1:-1]]


def _boundary(content_type: str) -> str:
    found = re.fullmatch(r"multipart/mixed; ?boundary=(\S+)", content_type)
    assert found, content_type
    return found.group(1)


def parts_of(request: HttpRequest) -> list[Part]:
    """The changeset's requests, read with the multipart rules only (neither side's code)."""
    [batch] = _sections(request.content.decode(), _boundary(request.headers["Content-Type"]))
    head, changeset = batch.split("\r\n\r\n", 1)
    boundary = _boundary(_headers(head.split("\r\n"))["content-type"])
    parts = []
    for section in _sections(changeset, boundary):
        mime, http = section.split("\r\n\r\n", 1)
        request_head, body = http.split("\r\n\r\n", 1)
        request_line, *header_lines = request_head.split("\r\n")
        method, url, version = request_line.split(" ")
        assert version == "HTTP/1.1"
        parts.append(
            Part(
                _headers(mime.split("\r\n")),
                method,
                url,
                _headers(header_lines),
                json.loads(body) if body.strip() else None,
            )
        )
    return parts


async def both_requests(ops: list[Operation]) -> tuple[HttpRequest, HttpRequest]:
    transport = accepted(*[NO_CONTENT] * len(ops))
    async with table_client(transport) as client:
        theirs = await client.submit_transaction([sdk_form(op) for op in ops])
        ours = await submit_transaction(client, ops)
    assert [r["etag"] for r in theirs] == [r.get("etag") for r in ours] == [ETAG] * len(ops)
    sdk_request, our_request = transport.requests
    return sdk_request, our_request


def expected_headers(sdk: dict[str, str], operation: Operation) -> dict[str, str]:
    """The SDK's part headers with the intended differences (module docstring) applied."""
    expected = {name: value for name, value in sdk.items() if name not in SDK_ONLY_HEADERS}
    if isinstance(operation, Insert):
        expected["prefer"] = "return-no-content"
    if isinstance(operation, Replace | Upsert):
        expected["accept"] = "application/json;odata=minimalmetadata"
    return expected


def without_string_annotations(body: dict[str, Any] | None) -> dict[str, Any] | None:
    if body is None:
        return None
    return {
        name: value
        for name, value in body.items()
        if not (name.endswith("@odata.type") and value == "Edm.String")
    }


@pytest.mark.parametrize("partition", AWKWARD_KEYS)
async def test_each_part_is_the_sdks_part(partition: str) -> None:
    ops = operations(partition)
    sdk_request, our_request = await both_requests(ops)
    theirs, ours = parts_of(sdk_request), parts_of(our_request)
    assert len(theirs) == len(ours) == len(ops)
    for index, (operation, sdk, our) in enumerate(zip(ops, theirs, ours, strict=True)):
        assert (
            our.mime
            == sdk.mime
            == {
                "content-type": "application/http",
                "content-transfer-encoding": "binary",
                "content-id": str(index),
            }
        )
        assert (our.method, our.url) == (sdk.method, sdk.url)
        assert our.headers == expected_headers(sdk.headers, operation), type(operation)
        assert our.body == without_string_annotations(sdk.body)


async def test_the_conditions_are_the_sdks() -> None:
    """Spelled out once, so a change on both sides at once cannot pass unseen."""
    _, our_request = await both_requests(operations("p"))
    conditions = [part.headers.get("if-match") for part in parts_of(our_request)]
    assert conditions == [None, ETAG, "*", None, ETAG, "*"]


async def test_key_predicates_are_escaped_as_the_sdk_escapes_them() -> None:
    """The SDK doubles quotes, then percent-encodes everything but unreserved characters."""
    sdk_request, _ = await both_requests([Delete("p'q", "100% é:x /")])
    [part] = parts_of(sdk_request)
    assert part.url == (
        f"{ENDPOINT}/Orders(PartitionKey='p%27%27q',RowKey='100%25%20%C3%A9%3Ax%20%2F')"
    )


async def test_the_outer_request_is_the_sdks() -> None:
    sdk_request, our_request = await both_requests(operations("p"))
    assert (our_request.method, our_request.url) == (sdk_request.method, sdk_request.url)
    assert our_request.url == f"{ENDPOINT}/$batch"
    for name in ("x-ms-version", "DataServiceVersion", "MaxDataServiceVersion", "Accept"):
        assert our_request.headers[name] == sdk_request.headers[name], name
    for request in (sdk_request, our_request):
        assert _boundary(request.headers["Content-Type"]).startswith("batch_")
        assert request.headers["Authorization"].startswith("SharedKey acct:")  # signed
