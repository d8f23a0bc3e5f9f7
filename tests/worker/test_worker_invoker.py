"""devhost's two invokers answer alike: the same triggers through devhost's in-process
conversion and through Microsoft's worker library (`--invoker worker`) give the same return
values, outputs and failures (tests/worker/parity.py, in a fresh process). A difference here is
a bug in the in-process conversion: the library is what Azure runs. Also: `--invoker worker`
refuses an app the library refuses. Python 3.13+ (make test's 3.13 leg)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.skipif(
    sys.version_info < (3, 13),
    reason="azure-functions-runtime supports Python 3.13+: runs in make test's 3.13 leg",
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def answers() -> dict[str, dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("parity.py"))],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        cwd=ROOT / "tests" / "e2e" / "sample_app",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    document: dict[str, dict[str, Any]] = json.loads(done.stdout)
    return document


def _comparable(answer: Any) -> Any:
    """JSON bodies compared as documents: a map field's order is not kept by protobuf."""
    if isinstance(answer, dict):
        if answer.get("kind") in ("string", "bytes") and isinstance(answer.get("value"), str):
            try:
                return {"kind": answer["kind"], "json": json.loads(answer["value"])}
            except ValueError:
                return answer
        if "failure" in answer:
            return {"failure": answer["failure"]}  # the library words its own checks its way
        return {key: _comparable(value) for key, value in answer.items()}
    return answer


CASES = [
    "http_async_with_context",
    "http_sync",
    "http_raises",
    "queue_with_output",
    "queue_fails",
    "timer_with_output",
    "timer_returns_a_value",
    "blob_polling",
    "blob_event_grid",
]


@pytest.mark.parametrize("case", CASES)
def test_both_invokers_answer_alike(answers: dict[str, dict[str, Any]], case: str) -> None:
    answer = answers[case]
    assert _comparable(answer["inprocess"]) == _comparable(answer["worker"])


def test_the_worker_ran_the_functions(answers: dict[str, dict[str, Any]]) -> None:
    """What the library answered, on its own: the parity above could hold for two wrong
    answers."""
    echo = answers["http_async_with_context"]["worker"]["return"]["value"]
    body = json.loads(echo["body"]["value"])
    assert echo["status"] == "200" and echo["headers"]["content-type"] == "application/json"
    assert body["route"] == {"id": "42", "rest": "a/b c"} and body["query"] == {"x": "1,2"}
    assert body["invocation_id"] == "00000000-0000-0000-0000-000000000000"
    assert answers["http_raises"]["worker"]["message"] == (
        "RuntimeError: secret detail that must not reach the client"
    )
    done = answers["queue_with_output"]["worker"]["outputs"]["done"]
    assert json.loads(done["value"]) == {"body": "payload", "dequeue_count": 3}
    ticks = answers["timer_with_output"]["worker"]["outputs"]["ticks"]
    assert json.loads(ticks["value"]) == {"past_due": True}
    result = answers["blob_polling"]["worker"]["outputs"]["result"]
    assert json.loads(result["value"]) == {
        "name": "e2e-uploads/nested/a.txt",
        "length": 5,
        "size": 5,
    }
    assert answers["timer_returns_a_value"]["worker"]["failure"] == "RuntimeError"


def test_devhost_refuses_an_app_the_worker_library_refuses(tmp_path: Path) -> None:
    """On Azure the worker's validation fails the whole app ("0 functions found"); devhost
    with the worker invoker stops at start-up with the library's reason."""
    (tmp_path / "host.json").write_text('{"version": "2.0"}')
    (tmp_path / "function_app.py").write_text(
        textwrap.dedent(
            """
            import azure.functions as func

            app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

            @app.route(route="x")
            def unbound(req: func.HttpRequest, extra: str) -> func.HttpResponse:
                return func.HttpResponse("never")
            """
        )
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "AzureWebJobsStorage": "UseDevelopmentStorage=true",
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "devhost",
            "--invoker",
            "worker",
            "--script-root",
            str(tmp_path),
            "--port",
            "0",
            "--no-event-source",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
        env=env,
    )
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    assert "devhost_start_failed" in done.stdout
    assert "WorkerInitRequest" in done.stdout and "extra" in done.stdout
