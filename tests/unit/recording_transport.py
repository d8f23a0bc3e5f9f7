"""An azure-core transport that keeps every request and answers it with a canned response, so
the SDK's `TableClient.submit_transaction` and shared.table_transactions run through the same
real pipeline (signing, headers, multipart preparation) without a network."""

from __future__ import annotations

import base64
from typing import Any

from azure.core.credentials import AzureNamedKeyCredential
from azure.core.pipeline.transport import AsyncHttpTransport
from azure.core.rest import HttpRequest
from azure.core.rest._http_response_impl_async import AsyncHttpResponseImpl
from azure.data.tables.aio import TableClient

ACCOUNT = "acct"
ENDPOINT = f"https://{ACCOUNT}.table.core.windows.net"
BATCH_ANSWER = "multipart/mixed; boundary=batchresponse_b"
ETAG = "W/\"datetime'2026-12-02T06%3A24%3A41.6284483Z'\""
NO_CONTENT = f"HTTP/1.1 204 No Content\r\nDataServiceVersion: 3.0;\r\nETag: {ETAG}\r\n\r\n"


def batch_response(*parts: str) -> bytes:
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


class _Connection:
    async def close(self) -> None:
        return None


class CannedResponse(AsyncHttpResponseImpl):
    """A response whose body is already read, as `send_request(stream=True)` then `read()`
    leave one."""

    def __init__(
        self, request: HttpRequest, status: int, headers: dict[str, str], body: bytes
    ) -> None:
        super().__init__(
            request=request,
            internal_response=_Connection(),
            status_code=status,
            reason="Canned",
            content_type=headers.get("Content-Type"),
            headers=headers,
            stream_download_generator=None,
        )
        self._content = body

    def _body(self) -> bytes:
        """What the deprecated `body()` returns, which the SDK reads the parts with; the
        aiohttp transport's response answers it the same way, from the bytes already read."""
        return self.content


class RecordingTransport(AsyncHttpTransport[HttpRequest, CannedResponse]):
    """Answers every request with (status, headers, body) and keeps the request."""

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.answer = (status, headers, body)
        self.requests: list[HttpRequest] = []

    async def send(self, request: HttpRequest, **kwargs: Any) -> CannedResponse:
        self.requests.append(request)
        return CannedResponse(request, *self.answer)

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def __aenter__(self) -> RecordingTransport:
        return self

    async def __aexit__(self, *args: object) -> None:
        return None


def accepted(*parts: str) -> RecordingTransport:
    """A transport that answers 202 with these changeset parts."""
    return RecordingTransport(202, {"Content-Type": BATCH_ANSWER}, batch_response(*parts))


def table_client(transport: RecordingTransport, table: str = "Orders") -> TableClient:
    """A shared-key client on `transport`, without retries (a canned 5xx is final)."""
    key = base64.b64encode(b"k" * 32).decode()
    return TableClient(
        ENDPOINT,
        table,
        credential=AzureNamedKeyCredential(ACCOUNT, key),
        transport=transport,
        retry_total=0,
    )
