"""The transaction body and the reading of its answer, in the forms Azure documents, including
what Azurite is lenient about (an unescaped quote in a key predicate) and what it never sends
(a 201 with the entity, when a service ignores `Prefer: return-no-content`)."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError

from shared.table_transactions import TransactionFailed, _key, _part, _results

ETAG = "W/\"datetime'2026-12-02T06%3A24%3A41.6284483Z'\""


def response(*parts: str) -> bytes:
    """A batch response as Azure frames it: one changeset inside the batch."""
    body = "".join(
        "--changesetresponse_c\r\nContent-Type: application/http\r\n"
        f"Content-Transfer-Encoding: binary\r\n\r\n{part}\r\n"
        for part in parts
    )
    return (
        "--batchresponse_b\r\nContent-Type: multipart/mixed; boundary=changesetresponse_c\r\n\r\n"
        f"{body}--changesetresponse_c--\r\n--batchresponse_b--\r\n"
    ).encode()


NO_CONTENT = f"HTTP/1.1 204 No Content\r\nDataServiceVersion: 3.0;\r\nETag: {ETAG}\r\n\r\n"
CREATED = (
    "HTTP/1.1 201 Created\r\nContent-Type: application/json;odata=minimalmetadata\r\n"
    f"ETag: {ETAG}\r\n\r\n" + '{"PartitionKey":"p","RowKey":"HTTP/1.1 500 x"}'
)
DELETED = "HTTP/1.1 204 No Content\r\nX-Content-Type-Options: nosniff\r\n\r\n"


def test_each_operation_gets_its_etag_in_order() -> None:
    assert _results(response(NO_CONTENT, CREATED, DELETED), 3) == [
        {"etag": ETAG},
        {"etag": ETAG},
        {},
    ]


def test_a_refused_operation_carries_its_index_code_and_status() -> None:
    error = (
        '{"odata.error":{"code":"EntityAlreadyExists","message":{"lang":"en-US",'
        '"value":"2:The specified entity already exists.\\nRequestId:r"}}}'
    )
    refused = f"HTTP/1.1 409 Conflict\r\nContent-ID: 3\r\n\r\n{error}"
    with pytest.raises(TransactionFailed) as failed:
        _results(response(refused), 3)
    assert (failed.value.index, failed.value.status_code) == (2, 409)
    assert failed.value.error_code == "EntityAlreadyExists"
    assert failed.value.message.startswith("2:The specified entity")


def test_an_error_without_an_index_is_the_first_operations() -> None:
    with pytest.raises(TransactionFailed) as failed:
        _results(response("HTTP/1.1 503 Server Busy\r\n\r\nnot json"), 2)
    assert (failed.value.index, failed.value.status_code, failed.value.message) == (
        0,
        503,
        "not json",
    )


@pytest.mark.parametrize("content", [response(NO_CONTENT), b"", b"<html>proxy error</html>"])
def test_an_answer_that_does_not_cover_every_operation_is_an_error(content: bytes) -> None:
    with pytest.raises(HttpResponseError, match="not 2"):
        _results(content, 2)


def test_key_predicates_double_quotes_then_percent_encode() -> None:
    # What azure-data-tables 12.7 sends for these keys; Azurite also accepts a single quote.
    assert _key("p'1") == "p%27%271"
    assert _key("o:1 é/") == "o%3A1%20%C3%A9%2F"


def test_parts_carry_the_condition_and_skip_the_echo() -> None:
    account = "https://acct.table.core.windows.net"
    insert = _part(account, "Orders", 0, ("create", {"PartitionKey": "p", "RowKey": "r"}, {}))
    assert insert.startswith("Content-Type: application/http\r\n")
    assert f"Content-ID: 0\r\n\r\nPOST {account}/Orders HTTP/1.1\r\n" in insert
    assert "Prefer: return-no-content\r\n" in insert
    assert insert.endswith('\r\n\r\n{"PartitionKey": "p", "RowKey": "r"}')
    update = _part(
        account, "Orders", 1, ("update", {"PartitionKey": "p", "RowKey": "r"}, {"etag": ETAG})
    )
    assert f"PUT {account}/Orders(PartitionKey='p',RowKey='r') HTTP/1.1\r\n" in update
    assert f"If-Match: {ETAG}\r\n" in update
    delete = _part(account, "Orders", 2, ("delete", {"PartitionKey": "p", "RowKey": "r"}, {}))
    assert "If-Match: *\r\n" in delete and delete.endswith("\r\n\r\n")
    assert "Content-Type: application/json" not in delete
