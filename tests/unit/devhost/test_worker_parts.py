"""The worker invoker's own parts that need no worker library: the index check, the refusal on
older Pythons, the RpcLog channel (devhost/worker)."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from devhost.functions import FunctionSpec
from devhost.worker import MetadataMismatch, WorkerUnavailable
from devhost.worker import library as worker_library
from devhost.worker.metadata import match_metadata
from devhost.worker.protos import load_protos
from devhost.worker.rpclog import CURRENT_INVOCATION, RpcLogHandler, print_rpc_log

TRIGGER = {"direction": "IN", "type": "queueTrigger", "name": "msg", "queueName": "q"}


def _spec(name: str, *bindings: dict[str, Any]) -> FunctionSpec:
    return FunctionSpec(name, bindings[0], bindings, print, Path("."))


def _metadata(name: str, *bindings: dict[str, Any]) -> Any:
    return load_protos().RpcFunctionMetadata(
        name=name,
        function_id=f"id-{name}",
        raw_bindings=[json.dumps(b) for b in bindings],
        properties={"worker_indexed": "True"},
    )


def test_the_index_and_the_metadata_agree() -> None:
    deferred = {**TRIGGER, "properties": {"SupportsDeferredBinding": "True"}}
    found = match_metadata(
        [_spec("a", TRIGGER), _spec("b", TRIGGER)],
        [_metadata("b", deferred), _metadata("a", TRIGGER)],
        subset=False,
    )
    assert {name: f.function_id for name, f in found.items()} == {"a": "id-a", "b": "id-b"}
    # The deferred-binding marker is the worker's: not a difference, but noted.
    assert found["b"].deferred_bindings == {"msg"} and not found["a"].deferred_bindings


def test_any_difference_refuses_the_app() -> None:
    other = {**TRIGGER, "queueName": "elsewhere"}
    with pytest.raises(MetadataMismatch) as refused:
        match_metadata(
            [_spec("a", TRIGGER), _spec("gone", TRIGGER)],
            [_metadata("a", other), _metadata("extra", TRIGGER)],
            subset=False,
        )
    message = str(refused.value)
    assert "a: bindings differ" in message and "elsewhere" in message
    assert "gone: devhost serves it, the worker did not index it" in message
    assert "extra: the worker indexed it, devhost does not serve it" in message
    # With --functions, functions left out are expected on devhost's side only.
    assert match_metadata(
        [_spec("a", TRIGGER)], [_metadata("a", TRIGGER), _metadata("x", TRIGGER)], subset=True
    )


def test_older_pythons_are_told_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "version_info", (3, 12, 7, "final", 0))
    with pytest.raises(WorkerUnavailable, match=r"Python 3\.13 or later.*this is 3\.12"):
        worker_library.load_library()


def _record(name: str, level: int, message: str) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, message, None, None)


def test_log_records_become_rpc_logs_of_their_invocation() -> None:
    protos = load_protos()
    sent: list[Any] = []
    library = SimpleNamespace(invocation_id_cv=contextvars.ContextVar("cv", default=None))
    handler = RpcLogHandler(protos, library, sent.append)

    def in_invocation() -> None:
        CURRENT_INVOCATION.set("inv-1")
        handler.handle(_record("sample_app", logging.WARNING, "careful"))
        handler.handle(_record("azure.functions", logging.INFO, "Function name: f"))
        handler.handle(_record("devhost.invocations", logging.INFO, "the host's own"))

    contextvars.Context().run(in_invocation)
    handler.handle(_record("sample_app", logging.ERROR, "outside"))
    assert [(log.category, log.message, log.invocation_id) for log in sent] == [
        ("sample_app", "careful", "inv-1"),
        ("azure.functions", "Function name: f", "inv-1"),
        ("sample_app", "outside", ""),
    ]
    assert [protos.RpcLog.Level.Name(log.level) for log in sent] == [
        "Warning",
        "Information",
        "Error",
    ]
    assert [protos.RpcLog.RpcLogCategory.Name(log.log_category) for log in sent] == [
        "User",
        "System",
        "User",
    ]


def test_the_host_prints_user_logs_at_their_level_and_system_ones_at_debug(
    caplog: pytest.LogCaptureFixture,
) -> None:
    protos = load_protos()
    user = protos.RpcLog(
        level=protos.RpcLog.Warning, message="careful", category="app", invocation_id="i"
    )
    system = protos.RpcLog(
        level=protos.RpcLog.Information,
        message="Function name: f",
        category="azure.functions",
        log_category=protos.RpcLog.RpcLogCategory.Value("System"),
    )
    with caplog.at_level(logging.DEBUG, logger="devhost.worker"):
        print_rpc_log(protos, user)
        print_rpc_log(protos, system)
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.WARNING, "rpc_log invocation_id=i category=app careful"),
        (logging.DEBUG, "rpc_log invocation_id=- category=azure.functions Function name: f"),
    ]
