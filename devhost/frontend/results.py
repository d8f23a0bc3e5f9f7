"""The HTTP response the host writes from what the function answered (its HTTP output binding's
value), after `HttpBinding.CreateResult` and `RawScriptResult` in Azure/azure-functions-host
(src/WebJobs.Script/Binding/Http) and `RpcHttpCookieConverter` (GrpcMessageExtensionUtilities.cs).

An `RpcHttp` answer: its status code, headers (`content-type` becomes the response's content
type), cookies as `Set-Cookie` (ASP.NET Core's format; a cookie without a path gets `path=/`,
CookieOptions' default) and body. A string answer: 200 with the text as `text/plain;
charset=utf-8` (the host's string formatter).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from devhost.frontend.responses import Headers
    from devhost.typeddata import Cookie, Typed

__all__ = ["http_result", "set_cookie"]

TEXT = "text/plain; charset=utf-8"
_SAME_SITE = {"Lax": "lax", "Strict": "strict", "ExplicitNone": "none"}


def set_cookie(cookie: Cookie) -> str:
    """`SetCookieHeaderValue`'s rendering, attributes in its order. Empty strings count as
    unset (the worker sends SimpleCookie's empty defaults)."""
    parts = [f"{cookie.name}={cookie.value}"]
    if cookie.expires is not None:
        parts.append(f"expires={cookie.expires.strftime('%a, %d %b %Y %H:%M:%S GMT')}")
    if cookie.max_age is not None:
        parts.append(f"max-age={int(cookie.max_age)}")
    if cookie.domain:
        parts.append(f"domain={cookie.domain}")
    parts.append(f"path={cookie.path or '/'}")
    if cookie.secure:
        parts.append("secure")
    if cookie.same_site in _SAME_SITE:
        parts.append(f"samesite={_SAME_SITE[cookie.same_site]}")
    if cookie.http_only:
        parts.append("httponly")
    return "; ".join(parts)


def _body(body: Typed | None) -> bytes:
    return b"" if body is None else body.as_bytes()


def http_result(answer: Typed | None) -> tuple[int, Headers, bytes]:
    """Status, headers and body for the client; no answer at all is a 204."""
    if answer is None:
        return 204, [], b""
    if answer.kind == "http":
        response = answer.value
        headers = [(str(k), str(v)) for k, v in response.headers.items()]
        headers += [("Set-Cookie", set_cookie(cookie)) for cookie in response.cookies]
        typed = any(k.lower() == "content-type" for k, _ in headers)
        if response.body is not None and response.body.kind == "string" and not typed:
            headers.append(("Content-Type", TEXT))
        return int(response.status_code or 200), headers, _body(response.body)
    return 200, [("Content-Type", TEXT)], _body(answer)
