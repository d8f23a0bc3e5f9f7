"""The transaction body and the reading of its answer, in the forms Azure documents, including
what Azurite is lenient about (an unescaped quote in a key predicate) and what it never sends
(a 201 with the entity, when a service ignores `Prefer: return-no-content`).

Refused transactions are answered the way Azure answers them (the framing of
tests/unit/recording_transport.py; bodies as the service writes them) and each is also given
to the SDK's own `submit_transaction`, so every decision is checked against the SDK's."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.data.tables import RequestTooLargeError, TableTransactionError

from shared.errors import StorageUnavailable
from shared.table_transactions import (
    Delete,
    Insert,
    Replace,
    TransactionFailed,
    TransactionTooLarge,
    _key,
    _part,
    _results,
    submit_transaction,
)
from shared.tables import storage_unavailable_on_failure
from tests.unit.recording_transport import (
    BATCH_ANSWER,
    ETAG,
    NO_CONTENT,
    RecordingTransport,
    batch_response,
    table_client,
)

CREATED = (
    "HTTP/1.1 201 Created\r\nContent-Type: application/json;odata=minimalmetadata\r\n"
    f"ETag: {ETAG}\r\n\r\n" + '{"PartitionKey":"p","RowKey":"HTTP/1.1 500 x"}'
)
DELETED = "HTTP/1.1 204 No Content\r\nX-Content-Type-Options: nosniff\r\n\r\n"
ODATA_JSON = "application/json;odata=minimalmetadata;streaming=true;charset=utf-8"
ROWS = [Insert({"PartitionKey": "p", "RowKey": "a"}), Insert({"PartitionKey": "p", "RowKey": "b"})]


def error_body(code: str, message: str) -> str:
    """An error body as the service writes it: the message, then the request id and time."""
    value = f"{message}\\nRequestId:9c7f0a52-0002-0017-2f1c-4f2bd4000000\\nTime:2026-12-02T06:24Z"
    return f'{{"odata.error":{{"code":"{code}","message":{{"lang":"en-US","value":"{value}"}}}}}}'


def refused_part(status: str, code: str, message: str) -> str:
    """A refused operation's part, headers as in Azure's answers."""
    return (
        f"HTTP/1.1 {status}\r\nX-Content-Type-Options: nosniff\r\nDataServiceVersion: 3.0;\r\n"
        f"Content-Type: {ODATA_JSON}\r\n\r\n{error_body(code, message)}"
    )


def in_changeset(status: str, code: str, message: str) -> RecordingTransport:
    return RecordingTransport(
        202, {"Content-Type": BATCH_ANSWER}, batch_response(refused_part(status, code, message))
    )


def whole_request(status: int, code: str, message: str) -> RecordingTransport:
    """An answer to the request as a whole: the code in a header and in the body."""
    headers = {"Content-Type": ODATA_JSON, "x-ms-error-code": code}
    return RecordingTransport(status, headers, error_body(code, message).encode())


def test_each_operation_gets_its_etag_in_order() -> None:
    assert _results(batch_response(NO_CONTENT, CREATED, DELETED), 3) == [
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
        _results(batch_response(refused), 3)
    assert (failed.value.index, failed.value.status_code) == (2, 409)
    assert failed.value.error_code == "EntityAlreadyExists"
    assert failed.value.message.startswith("2:The specified entity")


def test_an_error_without_an_index_names_no_operation() -> None:
    """Not operation 0: in the orders' transactions that is the order row, and a failure that
    names no operation must not read as the order's (the SDK falls back to 0)."""
    with pytest.raises(TransactionFailed) as failed:
        _results(batch_response("HTTP/1.1 503 Server Busy\r\n\r\nnot json"), 2)
    assert (failed.value.index, failed.value.status_code, failed.value.message) == (
        None,
        503,
        "not json",
    )


@pytest.mark.parametrize("content", [batch_response(NO_CONTENT), b"", b"<html>proxy error</html>"])
def test_an_answer_that_does_not_cover_every_operation_is_an_error(content: bytes) -> None:
    with pytest.raises(HttpResponseError, match="not 2"):
        _results(content, 2)


def test_key_predicates_double_quotes_then_percent_encode() -> None:
    # What azure-data-tables 12.7 sends for these keys; Azurite also accepts a single quote.
    assert _key("p'1") == "p%27%271"
    assert _key("o:1 é/") == "o%3A1%20%C3%A9%2F"


def test_parts_carry_the_condition_and_skip_the_echo() -> None:
    account = "https://acct.table.core.windows.net"
    keys = {"PartitionKey": "p", "RowKey": "r"}
    insert = _part(account, "Orders", 0, Insert(keys))
    assert insert.startswith("Content-Type: application/http\r\n")
    assert f"Content-ID: 0\r\n\r\nPOST {account}/Orders HTTP/1.1\r\n" in insert
    assert "Prefer: return-no-content\r\n" in insert
    assert insert.endswith('\r\n\r\n{"PartitionKey": "p", "RowKey": "r"}')
    update = _part(account, "Orders", 1, Replace(keys, etag=ETAG))
    assert f"PUT {account}/Orders(PartitionKey='p',RowKey='r') HTTP/1.1\r\n" in update
    assert f"If-Match: {ETAG}\r\n" in update
    delete = _part(account, "Orders", 2, Delete("p", "r"))
    assert "If-Match: *\r\n" in delete and delete.endswith("\r\n\r\n")
    assert "Content-Type: application/json" not in delete


async def test_two_partitions_are_refused_before_sending() -> None:
    """Azure refuses them; Azurite applies them, so only this check keeps tests honest."""
    transport = in_changeset("500 Internal Server Error", "InternalError", "never sent")
    async with table_client(transport) as client:
        with pytest.raises(ValueError, match="one partition"):
            await submit_transaction(client, [ROWS[0], Delete("q", "b")])
    assert transport.requests == []


async def outcomes(transport: RecordingTransport) -> tuple[HttpResponseError, HttpResponseError]:
    """What the SDK's submit_transaction and ours raise for the same canned answer."""
    raised: list[HttpResponseError] = []
    async with table_client(transport) as client:
        for submit in (sdk_submit, submit_transaction):
            with pytest.raises(HttpResponseError) as caught:
                await submit(client, ROWS)
            raised.append(caught.value)
    return raised[0], raised[1]


async def sdk_submit(client: Any, operations: list[Insert]) -> Any:
    return await client.submit_transaction([("create", op.entity) for op in operations])


TABLE_MISSING = "The table specified does not exist."


async def test_a_missing_table_for_the_whole_request_is_resource_not_found() -> None:
    theirs, ours = await outcomes(whole_request(404, "TableNotFound", TABLE_MISSING))
    assert type(theirs) is type(ours) is ResourceNotFoundError
    assert (ours.status_code, ours.error_code) == (404, "TableNotFound")  # type: ignore[attr-defined]
    assert (theirs.status_code, theirs.error_code) == (404, "TableNotFound")  # type: ignore[attr-defined]


@pytest.mark.parametrize("message", [f"0:{TABLE_MISSING}", TABLE_MISSING])
async def test_a_missing_table_inside_the_changeset_is_not_an_operations_failure(
    message: str,
) -> None:
    """How Azure and Azurite really answer a transaction on a missing table: operation 0,
    404. The SDK keeps it a TableTransactionError at index 0 (a stale delete's shape); ours is
    the SDK's answer for a missing table, ResourceNotFoundError."""
    theirs, ours = await outcomes(in_changeset("404 Not Found", "TableNotFound", message))
    assert isinstance(theirs, TableTransactionError) and theirs.index == 0
    assert type(ours) is ResourceNotFoundError and not isinstance(ours, TransactionFailed)
    assert (ours.status_code, ours.error_code) == (404, "TableNotFound")  # type: ignore[attr-defined]
    assert ours.message.startswith(TABLE_MISSING)


TOO_LARGE = "The request body is too large and exceeds the maximum permissible limit."


async def test_413_for_the_whole_request_is_too_large() -> None:
    theirs, ours = await outcomes(whole_request(413, "RequestBodyTooLarge", TOO_LARGE))
    assert isinstance(theirs, RequestTooLargeError)
    assert isinstance(ours, TransactionTooLarge) and not isinstance(ours, TransactionFailed)
    assert (ours.status_code, ours.error_code) == (413, "RequestBodyTooLarge")
    assert "at most 100 operations and 4 MiB" in ours.message and TOO_LARGE in ours.message


async def test_413_inside_the_changeset_is_too_large() -> None:
    """The SDK decodes the outer 202 here (its status_code is 202); ours keeps the part's."""
    transport = in_changeset("413 Request Entity Too Large", "RequestBodyTooLarge", TOO_LARGE)
    theirs, ours = await outcomes(transport)
    assert isinstance(theirs, RequestTooLargeError)
    assert isinstance(ours, TransactionTooLarge)
    assert (ours.status_code, ours.error_code) == (413, "RequestBodyTooLarge")


@pytest.mark.parametrize(
    ("status", "code", "message", "index"),
    [
        (
            "412 Precondition Failed",
            "UpdateConditionNotSatisfied",
            "1:The update condition specified in the request was not satisfied.",
            1,
        ),
        ("404 Not Found", "ResourceNotFound", "0:The specified resource does not exist.", 0),
        ("409 Conflict", "EntityAlreadyExists", "1:The specified entity already exists.", 1),
    ],
)
async def test_a_refused_operation_is_named_as_the_sdk_names_it(
    status: str, code: str, message: str, index: int
) -> None:
    theirs, ours = await outcomes(in_changeset(status, code, message))
    assert isinstance(theirs, TableTransactionError) and isinstance(ours, TransactionFailed)
    assert ours.index == theirs.index == index
    assert ours.status_code == theirs.status_code == int(status[:3])
    # The SDK sets `error_code` on the exception at run time; its class does not declare it.
    assert ours.error_code == theirs.error_code == code  # type: ignore[attr-defined]


async def test_an_unindexed_refusal_names_no_operation_where_the_sdk_says_0() -> None:
    transport = in_changeset("409 Conflict", "EntityAlreadyExists", "The entity exists.")
    theirs, ours = await outcomes(transport)
    assert isinstance(theirs, TableTransactionError) and theirs.index == 0
    assert isinstance(ours, TransactionFailed) and ours.index is None


@pytest.mark.parametrize(
    "transport",
    [
        in_changeset("500 Internal Server Error", "InternalError", "0:The server failed."),
        whole_request(503, "ServerBusy", "The server is currently unable to respond."),
    ],
    ids=["operation", "whole request"],
)
async def test_a_server_error_stays_one_and_becomes_storage_unavailable(
    transport: RecordingTransport,
) -> None:
    theirs, ours = await outcomes(transport)
    assert ours.status_code == theirs.status_code
    assert ours.status_code is not None and ours.status_code >= 500
    with pytest.raises(StorageUnavailable), storage_unavailable_on_failure("write_order"):
        raise ours


async def test_a_refusal_of_the_request_keeps_the_sdks_error_type() -> None:
    transport = whole_request(403, "AuthenticationFailed", "Server failed to authenticate.")
    theirs, ours = await outcomes(transport)
    assert type(ours) is type(theirs)
    assert ours.error_code == theirs.error_code == "AuthenticationFailed"  # type: ignore[attr-defined]
