"""What a refused entity-group transaction raises, decided as azure-data-tables 12.7.0 decides
it, except where the SDK's decision would let the orders repository mistake a missing table
for a missing order.

Followed: `aio/_base_client_async.py` `_batch_send` (what the async
`TableClient.submit_transaction` calls), `_error.py` `_decode_error` and the two exception
types there, `TableTransactionError` and `RequestTooLargeError`.

- **413, for the whole request or inside the changeset, is `TransactionTooLarge`**, as
  `_batch_send` checks 413 first at both levels (`RequestTooLargeError`; for a refused part
  the SDK decodes the outer 202, this module the part, which holds the code). The app's
  requests are at most 64 KiB and each row is checked against 1 MiB before sending, so a
  transaction over the service's 4 MiB is the app's bug: it must not read as anything about
  an order.
- **Any other answer than 202 is decoded by its error code**, as `_decode_error` maps codes
  to types (`ResourceNotFoundError` for `TableNotFound`, `ResourceModifiedError`,
  `ResourceExistsError`, `ClientAuthenticationError`, else `HttpResponseError`), with the
  status kept: a 5xx left after the pipeline's retries stays a 5xx, which
  `shared.tables.storage_unavailable_on_failure` turns into StorageUnavailable.
- **A refused part is `TransactionFailed`** (the SDK's `TableTransactionError`) with the
  index the service puts before the message (`"1:The specified entity already exists."`),
  its status (a 5xx too) and code. Two decisions differ from the SDK's, on purpose:
  - *No index is None, not 0.* `TableTransactionError._extract_index` falls back to 0, so a
    failure that names no operation reads as the first operation's, which in every
    transaction of the orders repository is the order row. Azure and Azurite prefix "0:"
    today; should Azure ever leave it out for operation 0 (azure-sdk-for-net issue 20533
    said it once did), a stale order write would answer 500 instead of 412, which the smoke
    test's refused stale update against Azure would show (docs/deploy.md).
  - *A code that names the table is decoded as for the whole request.* Azure and Azurite
    report a missing table inside the changeset, as operation 0 (`404 TableNotFound`,
    `"0:The table specified does not exist."`: Azurite 3.37 here; Azure in azure-sdk-for-js,
    `sdk/tables/data-tables/recordings/node/batch_operations_sasconnectionstring/
    recording_should_handle_sub_request_error.js`). The SDK raises that as
    `TableTransactionError` with index 0 and status 404, exactly what a stale delete of a
    missing row looks like; here it is `ResourceNotFoundError`, as the SDK raises a
    `TableNotFound` that answers the whole request.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)

if TYPE_CHECKING:
    from azure.core.rest import AsyncHttpResponse

__all__ = [
    "TransactionError",
    "TransactionFailed",
    "TransactionTooLarge",
    "error_of_part",
    "error_of_response",
]

# `_decode_error`'s table of codes, as `TableErrorCode` spells them.
_TYPE_BY_CODE: dict[str, type[HttpResponseError]] = {
    "ConditionNotMet": ResourceModifiedError,
    "UpdateConditionNotSatisfied": ResourceModifiedError,
    "InvalidAuthenticationInfo": ClientAuthenticationError,
    "AuthenticationFailed": ClientAuthenticationError,
    "ResourceNotFound": ResourceNotFoundError,
    "TableNotFound": ResourceNotFoundError,
    "EntityNotFound": ResourceNotFoundError,
    "ResourceAlreadyExists": ResourceExistsError,
    "TableAlreadyExists": ResourceExistsError,
    "AccountAlreadyExists": ResourceExistsError,
    "EntityAlreadyExists": ResourceExistsError,
}
_TABLE_CODES = frozenset({"TableNotFound", "TableBeingDeleted"})
_INDEX = re.compile(r"^(\d+):")
_TOO_LARGE = 413


class TransactionError(HttpResponseError):
    """The service refused the transaction as a whole or in part; none of it was applied."""

    def __init__(self, status: int, error_code: str, message: str) -> None:
        super().__init__(message=message)
        self.status_code = status
        self.error_code = error_code


class TransactionFailed(TransactionError):
    """One operation was refused: `index` names it, or is None when the service named none."""

    def __init__(self, index: int | None, status: int, error_code: str, message: str) -> None:
        super().__init__(status, error_code, message)
        self.index = index


class TransactionTooLarge(TransactionError):
    """The request passed the service's limit (100 operations, 4 MiB): a bug of the caller."""


def error_of_response(response: AsyncHttpResponse) -> HttpResponseError:
    """The exception for an answer other than 202 (no part was read)."""
    code, message = _decode(response.text())
    code = code or response.headers.get("x-ms-error-code", "")
    message = message or f"{response.status_code} {response.reason}"
    if response.status_code == _TOO_LARGE:
        return TransactionTooLarge(_TOO_LARGE, code, _too_large(message))
    error = _TYPE_BY_CODE.get(code, HttpResponseError)(
        message=f"{message}\nErrorCode:{code}", response=response
    )
    return _with_code(error, code)


def error_of_part(status: int, body: str) -> HttpResponseError:
    """The exception for the changeset's refused part: `body` is that part's error body."""
    code, message = _decode(body)
    if status == _TOO_LARGE:
        return TransactionTooLarge(status, code, _too_large(message))
    index = _INDEX.match(message)
    if code in _TABLE_CODES:
        text = message[index.end() :] if index else message
        error = _TYPE_BY_CODE.get(code, HttpResponseError)(message=f"{text}\nErrorCode:{code}")
        error.status_code = status
        return _with_code(error, code)
    return TransactionFailed(int(index.group(1)) if index else None, status, code, message)


def _with_code(error: HttpResponseError, code: str) -> HttpResponseError:
    """`error_code`, which `_decode_error` sets on every type it raises (azure-core's types
    do not declare it)."""
    coded: Any = error
    coded.error_code = code
    return error


def _decode(body: str) -> tuple[str, str]:
    """(code, message) of `{"odata.error": {"code", "message": {"value"}}}`; a body in any
    other form is the message itself, with no code."""
    try:
        error: Any = json.loads(body)["odata.error"]
        return str(error.get("code", "")), str(error["message"]["value"])
    except (ValueError, KeyError, TypeError):
        return "", body.strip()


def _too_large(message: str) -> str:
    return (
        "The transaction is larger than Table Storage accepts (at most 100 operations and "
        f"4 MiB): {message}"
    )
