"""What the Functions host and the Python worker exchange for one invocation, without protobuf:
the host protocol's `TypedData` values, the HTTP request and response inside them, a trigger's
input with its trigger metadata, and the worker's answer.

Both invokers speak these: the worker invoker turns them into the protocol's messages for
Microsoft's worker library (devhost.worker), the in-process invoker decodes them with the same
azure.functions converters the library uses (devhost.inprocess). The listeners and the front
end, the host's side, only build and read these values, so a trigger is converted once, the
way the host converts it, whichever invoker runs the function.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

if TYPE_CHECKING:
    from datetime import datetime

__all__ = [
    "Cookie",
    "HttpRequestData",
    "HttpResponseData",
    "InvocationResult",
    "Kind",
    "ModelBindingData",
    "TriggerInput",
    "Typed",
]

# The TypedData oneof fields devhost sends or may receive (FunctionRpc.proto, TypedData).
Kind: TypeAlias = Literal[
    "string", "json", "bytes", "http", "int", "double", "model_binding_data", "collection_string"
]


@dataclass(frozen=True, slots=True)
class Typed:
    """One `TypedData`: which field of its oneof is set, and that field's value."""

    kind: Kind
    value: Any

    @classmethod
    def string(cls, value: str) -> Typed:
        return cls("string", value)

    @classmethod
    def bytes_(cls, value: bytes) -> Typed:
        return cls("bytes", value)

    @classmethod
    def json(cls, document: Any) -> Typed:
        """A value the host serialises with Newtonsoft.Json (`ToRpcDefault`): compact JSON,
        non-ASCII characters as they are."""
        return cls("json", json.dumps(document, separators=(",", ":"), ensure_ascii=False))

    def as_bytes(self) -> bytes:
        """The payload an output binding writes: text as UTF-8, bytes as they are."""
        if isinstance(self.value, bytes):
            return self.value
        return str(self.value).encode()


@dataclass(frozen=True, slots=True)
class ModelBindingData:
    """An SDK-type binding's reference (`ModelBindingData`): the extension's JSON about the
    resource (for blobs `{Connection, ContainerName, BlobName}`), not its content."""

    version: str
    source: str
    content_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class HttpRequestData:
    """The `RpcHttp` the host builds from a request (`ToRpcHttp`): header names lower-case,
    repeated headers and query keys joined with `,`, query keys without a value left out."""

    method: str
    url: str
    headers: dict[str, str]
    query: dict[str, str]
    params: dict[str, str]
    body: Typed | None


@dataclass(frozen=True, slots=True)
class Cookie:
    """An `RpcHttpCookie`: None where the worker left the nullable field unset."""

    name: str
    value: str
    domain: str | None = None
    path: str | None = None
    expires: datetime | None = None
    secure: bool | None = None
    http_only: bool | None = None
    same_site: str = "None"  # RpcHttpCookie.SameSite: None, Lax, Strict, ExplicitNone
    max_age: float | None = None


@dataclass(frozen=True, slots=True)
class HttpResponseData:
    """The `RpcHttp` a function answers with: the status code is a string."""

    status_code: str
    headers: dict[str, str]
    body: Typed | None
    cookies: tuple[Cookie, ...] = ()


@dataclass(frozen=True, slots=True)
class TriggerInput:
    """An invocation's trigger as the host sends it: the trigger parameter's value and the
    trigger metadata (the binding data the host forwards, by name)."""

    data: Typed
    metadata: dict[str, Typed] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class InvocationResult:
    """A successful `InvocationResponse`: the `$return` value and the output bindings set."""

    return_value: Typed | None = None
    outputs: dict[str, Typed] = field(default_factory=dict)

    def value_for(self, binding_name: str) -> Typed | None:
        if binding_name == "$return":
            return self.return_value
        return self.outputs.get(binding_name)

    @property
    def http_status(self) -> int | None:
        """The HTTP status answered, if the return value is an HTTP response."""
        response = self.return_value
        if response is not None and response.kind == "http":
            return int(response.value.status_code or 200)
        return None
