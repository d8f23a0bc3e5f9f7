"""The host's side of the wire: devhost's values (devhost.typeddata) as the protocol's messages
and back, as the .NET host builds an `InvocationRequest` (`ToRpcInvocationRequest`,
ScriptInvocationContextExtensions.cs) and reads an `InvocationResponse` (GrpcWorkerChannel.cs,
`ToObject` in GrpcMessageConversionExtensions.cs).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from devhost.execution import FunctionError
from devhost.typeddata import Cookie, HttpResponseData, InvocationResult, Typed

if TYPE_CHECKING:
    from devhost.typeddata import TriggerInput

__all__ = ["from_proto", "invocation_request", "invocation_result", "to_proto"]

_SCALARS = ("string", "json", "bytes", "int", "double")


def to_proto(protos: Any, typed: Typed) -> Any:
    if typed.kind in _SCALARS:
        return protos.TypedData(**{typed.kind: typed.value})
    if typed.kind == "http":
        http = typed.value
        return protos.TypedData(
            http=protos.RpcHttp(
                method=http.method,
                url=http.url,
                headers=http.headers,
                query=http.query,
                params=http.params,
                body=None if http.body is None else to_proto(protos, http.body),
            )
        )
    if typed.kind == "model_binding_data":
        data = typed.value
        reference = protos.ModelBindingData(
            version=data.version,
            source=data.source,
            content_type=data.content_type,
            content=data.content,
        )
        return protos.TypedData(model_binding_data=reference)
    raise ValueError(f"devhost sends no TypedData of kind {typed.kind!r}")


def _nullable(message: Any, field: str) -> Any:
    return getattr(message, field).value if message.HasField(field) else None


def _cookie(protos: Any, cookie: Any) -> Cookie:
    expires = cookie.expires.value.seconds if cookie.HasField("expires") else None
    return Cookie(
        cookie.name,
        cookie.value,
        domain=_nullable(cookie, "domain"),
        path=_nullable(cookie, "path"),
        expires=None if expires is None else datetime.fromtimestamp(expires, UTC),
        secure=_nullable(cookie, "secure"),
        http_only=_nullable(cookie, "http_only"),
        same_site=protos.RpcHttpCookie.SameSite.Name(cookie.same_site),
        max_age=_nullable(cookie, "max_age"),
    )


def from_proto(protos: Any, data: Any) -> Typed | None:
    kind = data.WhichOneof("data")
    if kind is None:
        return None
    if kind in _SCALARS:
        return Typed(kind, getattr(data, kind))
    if kind == "stream":
        return Typed("bytes", data.stream)
    if kind == "collection_string":
        return Typed("collection_string", list(data.collection_string.string))
    if kind == "http":
        http = data.http
        response = HttpResponseData(
            status_code=http.status_code,
            headers=dict(http.headers),
            body=from_proto(protos, http.body) if http.HasField("body") else None,
            cookies=tuple(_cookie(protos, cookie) for cookie in http.cookies),
        )
        return Typed("http", response)
    raise ValueError(f"the worker answered a TypedData devhost does not read: {kind}")


def invocation_request(
    protos: Any,
    *,
    invocation_id: str,
    function_id: str,
    parameter: str,
    trigger: TriggerInput,
    trace_parent: str,
    trace_state: str,
) -> Any:
    """The trigger as the one input binding (`parameter`). No retry context: the host sends
    one only under a retry policy."""
    binding = protos.ParameterBinding(name=parameter, data=to_proto(protos, trigger.data))
    return protos.InvocationRequest(
        invocation_id=invocation_id,
        function_id=function_id,
        input_data=[binding],
        trigger_metadata={k: to_proto(protos, v) for k, v in trigger.metadata.items()},
        trace_context=protos.RpcTraceContext(trace_parent=trace_parent, trace_state=trace_state),
    )


def invocation_result(protos: Any, response: Any) -> InvocationResult:
    """The answer, or FunctionError with the exception the worker reported."""
    result = response.result
    if result.status != protos.StatusResult.Success:
        raise FunctionError(result.exception.message, result.exception.stack_trace)
    returned = (
        from_proto(protos, response.return_value) if response.HasField("return_value") else None
    )
    outputs = {}
    for binding in response.output_data:
        value = from_proto(protos, binding.data)
        if value is not None:
            outputs[binding.name] = value
    return InvocationResult(returned, outputs)
