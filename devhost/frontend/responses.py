"""The one way every part of the front end answers: status, body and headers, without the
framing headers a function may have set (aiohttp writes its own), marked as devhost's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web
from multidict import CIMultiDict

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["JSON_TYPE", "Headers", "response"]

Headers = list[tuple[str, str]]
JSON_TYPE: Headers = [("Content-Type", "application/json; charset=utf-8")]
_FRAMING = frozenset({"content-length", "transfer-encoding", "connection"})


def response(
    status: int, body: bytes = b"", headers: Iterable[tuple[str, str]] = ()
) -> web.Response:
    kept = CIMultiDict((k, v) for k, v in headers if k.lower() not in _FRAMING)
    kept.setdefault("Server", "devhost")
    return web.Response(status=status, body=body, headers=kept)
