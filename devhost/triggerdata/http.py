"""An HTTP request as the host hands it to the Python worker.

The request itself (`RpcHttp`) follows `ToRpcHttp` in GrpcMessageConversionExtensions.cs
(Azure/azure-functions-host): URL `scheme://host/path?query`; header names lower-cased; a repeated
header or query key joined with `,` (StringValues.ToString); a query key whose value is empty
left out; route values as `params`; the body only when there is one, and, because the Python
worker declares `RawHttpBodyBytes` and `RpcHttpBodyOnly`, always as bytes. Identities go with it
only under Easy Auth, which devhost does not run.

The trigger metadata is the HTTP extension's binding data (`GetRequestBindingData` in
HttpTriggerAttributeBindingProvider.cs, Azure/azure-webjobs-sdk-extensions): a JSON body's
top-level properties (arrays left out), each query key (the last value, `code` excepted), each
route value, `Query` and `Headers` as JSON objects. The request objects themselves (`$request`,
the parameter) are not sent, as the worker declares `RpcHttpTriggerMetadataRemoved`
(ScriptInvocationContextExtensions.cs).

A body the extension cannot read gives no binding data at all, and the request goes on:
`Utility.ApplyBindingData` (Utility.cs, same repository) wraps `JObject.Parse` in a catch-all
("it's not an error if the incoming message isn't JSON"), and Newtonsoft.Json 13 (the host's)
refuses a document nested deeper than its reader's `MaxDepth`, 64. So devhost skips a body
that is not UTF-8 JSON, is nested deeper than 64, or that Python cannot read (a number of more
than 4300 digits, nesting past the interpreter's own limit), and the function still gets the
request; the app decides what to answer.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from devhost.typeddata import HttpRequestData, TriggerInput, Typed

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = ["MAX_JSON_DEPTH", "http_trigger"]

# Newtonsoft.Json's JsonReader.MaxDepth since 13.0.1: 64 nested containers read, the 65th throws.
MAX_JSON_DEPTH = 64
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _joined(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    joined: dict[str, str] = {}
    for key, value in pairs:
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    return joined


def _headers(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Kestrel's header dictionary: names without regard to case, the first spelling kept."""
    spelling: dict[str, str] = {}
    for key, _ in pairs:
        spelling.setdefault(key.lower(), key)
    return _joined((spelling[key.lower()], value) for key, value in pairs)


def _deeper_than(document: object, limit: int) -> bool:
    """Whether `document` nests more than `limit` containers deep (walked without recursion)."""
    level: list[tuple[object, int]] = [(document, 1)]
    while level:
        value, depth = level.pop()
        if not isinstance(value, dict | list):
            continue
        if depth > limit:
            return True
        children = value.values() if isinstance(value, dict) else value
        level.extend((child, depth + 1) for child in children)
    return False


def _readable(body: bytes) -> dict[str, Any] | None:
    """The body as a JSON object, or None where the extension would read no binding data."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None
    if not isinstance(document, dict) or _deeper_than(document, MAX_JSON_DEPTH):
        return None
    return document


def _wire(text: str) -> str:
    """The string as the worker receives it: the host's protobuf writes .NET strings with
    `Encoding.UTF8`, which turns a lone surrogate (JSON allows `\\ud800`) into U+FFFD."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def _body_properties(body: bytes) -> dict[str, Typed]:
    """`Utility.ApplyBindingData`: a JSON object's properties, objects as JSON and the rest as
    strings (.NET's string cast: true is `True`); anything that is not a JSON object, none."""
    document = _readable(body)
    if document is None:
        return {}
    found: dict[str, Typed] = {}
    for key, value in document.items():
        if isinstance(value, list) or value is None:
            continue
        if isinstance(value, dict):
            found[_wire(key)] = Typed("json", _wire(Typed.json(value).value))
        elif isinstance(value, bool):
            found[_wire(key)] = Typed.string(str(value))
        else:
            text = value if isinstance(value, str) else json.dumps(value)
            found[_wire(key)] = Typed.string(_wire(text))
    return found


def http_trigger(
    method: str,
    url: str,
    headers: Iterable[tuple[str, str]],
    query: Iterable[tuple[str, str]],
    route_params: Mapping[str, str],
    body: bytes,
) -> TriggerInput:
    by_name = _headers(headers)
    query = list(query)
    request = HttpRequestData(
        method=method,
        url=url,
        headers={name.lower(): value for name, value in by_name.items()},
        query={k: v for k, v in _joined(query).items() if v},
        params=dict(route_params),
        body=Typed.bytes_(body) if body else None,
    )
    last_values = dict(query)  # `GetQueryParameterDictionary`: the last value wins
    metadata: dict[str, Typed] = _body_properties(body) if body else {}
    metadata.update({k: Typed.string(v) for k, v in last_values.items() if k.lower() != "code"})
    metadata.update({k: Typed.string(v) for k, v in route_params.items()})
    document: dict[str, Any] = dict(last_values)
    metadata.setdefault("Query", Typed.json(document))
    metadata.setdefault("Headers", Typed.json(by_name))
    return TriggerInput(Typed("http", request), metadata)
