"""Describe a function app as Microsoft's Python worker reports it, or as devhost reads it.

    python tests/worker/describe_app.py worker  APP_DIR   # Python 3.13+, azure-functions-runtime
    python tests/worker/describe_app.py devhost APP_DIR

Prints one JSON document. Each mode runs in a fresh process, as the worker does: the app's
`function_app` module, its `FunctionApp` and the worker's registry are process-wide state, and
`FunctionApp.get_functions()` refuses a second call.

`worker` drives the library exactly as the Functions host's proxy worker does on Python 3.13+
(`proxy_worker/dispatcher.py` in Azure/azure-functions-python-worker): a `WorkerInitRequest`
with the app directory (the library imports `function_app.py`, indexes every function with
`loader.index_function_app`, validates each with `Registry.add_indexed_function` and builds the
`RpcFunctionMetadata` the host receives), then a `FunctionsMetadataRequest` that returns that
metadata. A function the library refuses makes WorkerInitRequest fail: on Azure the host then
reports "0 functions found".
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


class _Message:
    """Stands for a generated protobuf message: the keyword fields become attributes."""

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)


class _BindingInfo(_Message):
    # FunctionRpc.proto (Azure/azure-functions-language-worker-protobuf), message BindingInfo:
    # enum Direction { in = 0; out = 1; inout = 2; }
    # enum DataType { undefined = 0; string = 1; binary = 2; stream = 3; }
    out = 1
    inout = 2
    undefined = 0


setattr(_BindingInfo, "in", 0)  # `in` is a Python keyword; protobuf exposes it the same way


class _StatusResult(_Message):
    # FunctionRpc.proto, message StatusResult: enum Status { Failure = 0; Success = 1; ... }
    Failure = 0
    Success = 1


# Only the messages the library builds while it initialises and indexes an app (see
# azure_functions_runtime/handle_event.py and loader.py); any other would fail loudly here.
PROTOS = SimpleNamespace(
    BindingInfo=_BindingInfo,
    StatusResult=_StatusResult,
    RpcException=_Message,
    RpcFunctionMetadata=_Message,
    RpcRetryOptions=_Message,
    WorkerInitResponse=_Message,
    WorkerMetadata=_Message,
    FunctionMetadataResponse=_Message,
)
DIRECTIONS = {0: "in", 1: "out", 2: "inout"}


@dataclass
class WorkerRequest:
    """The proxy worker's envelope around each host message (proxy_worker/dispatcher.py)."""

    name: str
    request: Any
    properties: dict[str, Any] | None = None


def _init_request(app_dir: Path) -> WorkerRequest:
    init = _Message(function_app_directory=str(app_dir), capabilities={}, host_version="4")
    return WorkerRequest(
        "WorkerInitRequest",
        _Message(worker_init_request=init),
        {"protos": PROTOS, "host": "127.0.0.1"},
    )


def _worker_function(metadata: Any, registry: Any) -> dict[str, Any]:
    info = registry.get_function(metadata.function_id)
    return {
        "name": metadata.name,
        "directory": metadata.directory,
        "script_file": metadata.script_file,
        "entry_point": metadata.entry_point,
        "language": metadata.language,
        "properties": dict(metadata.properties),
        "binding_info": {
            name: {"type": b.type, "direction": DIRECTIONS[b.direction], "data_type": b.data_type}
            for name, b in metadata.bindings.items()
        },
        "bindings": [json.loads(raw) for raw in metadata.raw_bindings],
        "retry": None if metadata.retry_options is None else vars(metadata.retry_options),
        "is_async": info.is_async,
        "is_http": info.is_http_func,
        "uses_context": info.requires_context,
        "has_return": info.has_return,
        "inputs": sorted(info.input_types),
        "outputs": sorted(info.output_types),
    }


def describe_with_worker(app_dir: Path) -> dict[str, Any]:
    # The proxy worker puts the app directory first on sys.path before it hands over
    # (proxy_worker/utils/dependency.py); the library then imports `function_app` by name.
    sys.path.insert(0, str(app_dir))
    import azure_functions_runtime as library
    from azure_functions_runtime import handle_event

    async def index() -> tuple[Any, Any]:
        init = await library.worker_init_request(_init_request(app_dir))
        metadata = await library.functions_metadata_request(WorkerRequest("Metadata", None))
        return init, metadata

    init, metadata = asyncio.run(index())
    if init.result.status != _StatusResult.Success:
        return {"status": "Failure", "error": init.result.exception.message, "functions": []}
    # The library's own registry (FunctionInfo per function id) is what it invokes with.
    registry = handle_event._functions
    functions = [_worker_function(m, registry) for m in metadata.function_metadata_results or []]
    return {"status": "Success", "error": None, "functions": functions}


def describe_with_devhost(app_dir: Path) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from devhost.functions import load_functions

    functions = []
    for spec in load_functions(app_dir):
        returns = spec.returns_to()
        functions.append(
            {
                "name": spec.name,
                "directory": str(spec.script_root),
                "trigger": spec.trigger,
                "bindings": list(spec.bindings),
                "is_async": spec.is_async,
                "uses_context": "context" in spec.parameters,
                "has_return": returns is not None,
                "inputs": sorted(str(b["name"]) for b in spec.bindings if _is_in(b)),
                "outputs": sorted(str(b["name"]) for b in spec.outputs() if b["name"] != "$return"),
                "source_is_event_grid": spec.source_is_event_grid,
            }
        )
    return {"status": "Success", "error": None, "functions": functions}


def _is_in(binding: dict[str, Any]) -> bool:
    return str(binding.get("direction", "")).upper() == "IN"


def main(argv: list[str]) -> int:
    mode, app_dir = argv[0], Path(argv[1]).resolve()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    os.chdir(app_dir)
    describe = {"worker": describe_with_worker, "devhost": describe_with_devhost}[mode]
    sys.stdout.write(json.dumps(describe(app_dir), default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
