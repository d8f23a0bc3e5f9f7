"""The host protocol's messages devhost builds (devhost/worker/protos.py): on the wire they must
be FunctionRpc.proto's, field number for field number, or the worker library would read
something else. Runs on every Python: it needs protobuf, not the library."""

from __future__ import annotations

import importlib.util
import re
from datetime import timedelta
from pathlib import Path

import pytest

from devhost.worker.protos import load_protos
from devhost.worker.schema import MESSAGES

ROOT = Path(__file__).resolve().parents[3]


def _library_dir() -> Path | None:
    """The installed worker library: this Python's, or the 3.13 venv's (make test sets it up)."""
    spec = importlib.util.find_spec("azure_functions_runtime")
    if spec is not None and spec.origin:
        return Path(spec.origin).parent
    found = sorted(ROOT.glob(".venvs/*/lib/python*/site-packages/azure_functions_runtime"))
    return found[-1] if found else None


def _tag(field: int, wire_type: int) -> bytes:
    return bytes([(field << 3) | wire_type])


@pytest.mark.parametrize(
    ("message", "fields", "number"),
    [
        ("RpcHttp", {"status_code": "200"}, 12),
        ("RpcHttp", {"query": {"a": "b"}}, 15),
        ("RpcHttp", {"params": {"a": "b"}}, 10),
        ("TypedData", {"json": "{}"}, 2),
        ("TypedData", {"string": "x"}, 1),
        ("InvocationRequest", {"function_id": "f"}, 2),
        ("InvocationRequest", {"trigger_metadata": {"Id": {"string": "1"}}}, 4),
        ("InvocationResponse", {"return_value": {"string": "x"}}, 4),
        ("RpcFunctionMetadata", {"name": "f"}, 4),
        ("RpcFunctionMetadata", {"raw_bindings": ["{}"]}, 10),
        ("StreamingMessage", {"invocation_request": {"invocation_id": "i"}}, 4),
        ("StreamingMessage", {"rpc_log": {"message": "m"}}, 2),
        ("ParameterBinding", {"data": {"bytes": b"x"}}, 2),
        ("RpcException", {"message": "m"}, 2),
    ],
)
def test_a_length_delimited_field_goes_out_under_its_contract_number(
    message: str, fields: dict[str, object], number: int
) -> None:
    encoded = getattr(load_protos(), message)(**fields).SerializeToString()
    assert encoded.startswith(_tag(number, 2)), encoded


def test_scalars_and_enums_keep_their_numbers_and_types() -> None:
    protos = load_protos()
    assert protos.StatusResult(status=protos.StatusResult.Success).SerializeToString() == (
        _tag(4, 0) + b"\x01"
    )
    # sint64 is zig-zag encoded: -1 is 1 on the wire, where int64 would take ten bytes.
    assert protos.TypedData(int=-1).SerializeToString() == _tag(6, 0) + b"\x01"
    assert protos.TypedData(model_binding_data={"source": "s"}).SerializeToString()[:1] == (
        _tag(12, 2)
    )
    assert getattr(protos.BindingInfo, "in") == 0 and protos.BindingInfo.out == 1
    assert protos.RpcLog.Information == 2 and getattr(protos.RpcLog, "None") == 6
    assert protos.RpcLog.RpcLogCategory.Value("System") == 1
    assert protos.RpcHttpCookie.SameSite.ExplicitNone == 3


def test_a_message_survives_the_wire() -> None:
    protos = load_protos()
    sent = protos.StreamingMessage(
        request_id="r",
        invocation_request=protos.InvocationRequest(
            invocation_id="i",
            input_data=[
                protos.ParameterBinding(
                    name="req",
                    data=protos.TypedData(
                        http=protos.RpcHttp(method="GET", body=protos.TypedData(bytes=b"\x00"))
                    ),
                )
            ],
            trace_context=protos.RpcTraceContext(trace_parent="00-a-b-01"),
        ),
    )
    received = protos.StreamingMessage.FromString(sent.SerializeToString())
    assert received == sent
    assert received.WhichOneof("content") == "invocation_request"
    retry = protos.RpcRetryOptions(delay_interval=timedelta(seconds=3))
    assert retry.delay_interval.ToTimedelta() == timedelta(seconds=3)
    assert protos.NullableTimestamp(value=protos.Timestamp(seconds=5)).value.seconds == 5


def test_every_message_the_worker_library_names_is_built() -> None:
    """The library reaches its messages as `protos.Name`: each one must exist here."""
    package = _library_dir()
    if package is None:
        pytest.skip("azure-functions-runtime is not installed here (make test's 3.13 venv has it)")
    named = set()
    for source in package.rglob("*.py"):
        named |= set(re.findall(r"\bprotos\.([A-Z]\w+)", source.read_text(encoding="utf-8")))
    assert named, "the library no longer names protos.X: check how it builds messages"
    assert named <= {*MESSAGES, "Timestamp", "RpcDataType"}, named - set(MESSAGES)
