"""The worker's conversions, in-process: `Typed` values to azure.functions `Datum`s and through
the converters Microsoft's worker library uses (`azure.functions.get_binding_registry()`), and
back. Each step mirrors one of the library's (azure_functions_runtime/bindings/meta.py,
datumdef.py, generic.py), so a trigger reaches the function as it would on Azure.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

import azure.functions as func
from azure.functions.meta import Datum

from devhost.typeddata import Cookie, HttpResponseData, Kind, Typed

if TYPE_CHECKING:
    from collections.abc import Mapping
    from http.cookies import Morsel

__all__ = ["GENERIC", "decode", "encode", "has_implicit_output"]

GENERIC = "generic"  # the library's GenericBinding: values as they are
_SCALARS: tuple[Kind, ...] = ("string", "bytes", "json", "int", "double")
_SAME_SITE = {"lax": "Lax", "strict": "Strict", "none": "ExplicitNone"}


def _converter(binding: str) -> Any:
    return func.get_binding_registry().get(binding)


def has_implicit_output(binding: str) -> bool:
    converter = _converter(binding)
    if converter is None:  # the library's GenericBinding answers True but for durableClient
        return binding != "durableClient"
    # Output-only converters have no such method: the library reads it with a default too.
    return bool(getattr(converter, "has_implicit_output", lambda: False)())


def to_datum(typed: Typed | None) -> Datum | None:
    """`Datum.from_typed_data`: an HTTP request becomes a dict of Datums, an absent body b""."""
    if typed is None:
        return None
    if typed.kind != "http":
        return Datum(typed.value, typed.kind)
    http = typed.value
    return Datum(
        {
            "method": Datum(http.method, "string"),
            "url": Datum(http.url, "string"),
            "headers": _strings(http.headers),
            "body": to_datum(http.body) or Datum(b"", "bytes"),
            "params": _strings(http.params),
            "query": _strings(http.query),
        },
        "http",
    )


def _strings(values: Mapping[str, str]) -> dict[str, Datum]:
    return {key: Datum(value, "string") for key, value in values.items()}


def decode(param_binding: str, typed: Typed, metadata: Mapping[str, Typed]) -> Any:
    """`from_incoming_proto`: the trigger metadata goes to trigger converters only."""
    datum = to_datum(typed)
    if param_binding == GENERIC:
        if typed.kind not in ("string", "bytes", "json"):
            raise ValueError(
                f'unexpected type of data received for the "generic" binding {typed.kind!r}'
            )
        return typed.value
    converter = _converter(param_binding)
    trigger = (
        {k: to_datum(v) for k, v in metadata.items()} if converter.has_trigger_support() else {}
    )
    try:
        return converter.decode(datum, trigger_metadata=trigger)
    except NotImplementedError as exc:
        raise TypeError(
            "unable to decode incoming TypedData: unsupported combination of TypedData field "
            f"{typed.kind!r} and expected binding type {converter}"
        ) from exc


def _generic_datum(value: Any) -> Datum:
    """GenericBinding.encode, in its order (so a bool is an int)."""
    if isinstance(value, str):
        return Datum(value, "string")
    if isinstance(value, bytes | bytearray):
        return Datum(bytes(value), "bytes")
    if value is None:
        return Datum(None, None)
    for types, kind in ((dict, "dict"), (list, "list"), (int, "int"), (float, "double")):
        if isinstance(value, types):
            return Datum(value, kind)
    raise NotImplementedError


def encode(param_binding: str, value: Any, pytype: Any) -> Typed | None:
    """`get_datum` then `datum_as_proto`: a value the converter cannot take fails the call."""
    try:
        if param_binding == GENERIC or _converter(param_binding) is None:
            datum = _generic_datum(value)
        else:
            datum = _converter(param_binding).encode(value, expected_type=pytype)
    except NotImplementedError as exc:
        raise TypeError(
            f'unable to encode outgoing TypedData: unsupported type "{param_binding}" for '
            f'Python type "{type(value).__name__}"'
        ) from exc
    return _typed(datum)


def _typed(datum: Datum | None) -> Typed | None:
    if datum is None or datum.type is None:
        return None
    if datum.type in ("dict", "list"):
        return Typed("json", json.dumps(datum.value))
    if datum.type == "bool":
        return Typed("int", int(datum.value))
    if datum.type == "http":
        return Typed("http", _response(datum.value))
    for kind in _SCALARS:
        if datum.type == kind:
            return Typed(kind, datum.value)
    raise NotImplementedError(f"unexpected Datum type: {datum.type}")


def _response(value: Mapping[str, Any]) -> HttpResponseData:
    cookies = tuple(
        _cookie(name, morsel) for jar in value.get("cookies") or () for name, morsel in jar.items()
    )
    return HttpResponseData(
        status_code=str(value["status_code"].value),
        headers={k: str(v.value) for k, v in value["headers"].items()},
        body=_typed(value["body"]),
        cookies=cookies,
    )


def _cookie(name: str, morsel: Morsel[str]) -> Cookie:
    """`parse_to_rpc_http_cookie_list`: SimpleCookie attributes as the RpcHttpCookie fields."""
    expires = morsel["expires"]
    max_age = morsel["max-age"]
    return Cookie(
        name,
        morsel.value,
        domain=morsel["domain"],
        path=morsel["path"],
        expires=datetime.strptime(expires, "%a, %d %b %Y %H:%M:%S GMT") if expires else None,
        secure=bool(morsel["secure"]),
        http_only=bool(morsel["httponly"]),
        same_site=_SAME_SITE.get(str(morsel["samesite"]).lower(), "None"),
        max_age=float(max_age) if max_age not in ("", None) else None,
    )
