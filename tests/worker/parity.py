"""Run the same triggers through both of devhost's invokers and print what each answered.

    python tests/worker/parity.py   # Python 3.13+, azure-functions-runtime

One fresh process (the app and the library's registry are process-wide): devhost indexes
tests/e2e/sample_app, the in-process runner and the worker runner (Microsoft's library, as
`--invoker worker` drives it) each get every case, and the answers are printed as one JSON
document, `{case: {"inprocess": ..., "worker": ...}}`, for test_worker_invoker.py to compare.
No storage is touched: outputs are the values the host would write.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "tests" / "e2e" / "sample_app"
sys.path.insert(0, str(ROOT))

from devhost.execution import FunctionError  # noqa: E402
from devhost.functions import load_functions  # noqa: E402
from devhost.inprocess import InProcessRunner  # noqa: E402
from devhost.invocation import Invocation  # noqa: E402
from devhost.telemetry import InvocationTrace  # noqa: E402
from devhost.triggerdata import (  # noqa: E402
    ScheduleStatus,
    blob_trigger,
    http_trigger,
    queue_trigger,
    timer_trigger,
)
from devhost.worker import WorkerRunner  # noqa: E402

NOW = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)


def _blob_properties() -> Any:
    settings = SimpleNamespace(
        content_type="text/plain",
        content_md5=b"\x01\x02",
        content_encoding=None,
        content_disposition=None,
        content_language=None,
        cache_control=None,
    )
    return SimpleNamespace(
        last_modified=NOW,
        creation_time=NOW,
        metadata={"k": "v"},
        blob_type="BlockBlob",
        size=5,
        content_settings=settings,
        etag='"0x1"',
        lease=None,
        server_encrypted=False,
        version_id=None,
    )


def _blob(container: str, name: str) -> Any:
    return blob_trigger(
        container,
        name,
        url=f"http://127.0.0.1:10000/devstoreaccount1/{container}/{name}",
        content=b"12345",
        properties=_blob_properties(),
        path_values={"name": name},
    )


CASES: dict[str, tuple[str, Any]] = {
    "http_async_with_context": (
        "echo",
        http_trigger(
            "POST",
            "http://localhost/api/echo/42/a/b%20c?x=1&x=2&y=",
            [("X-Probe", "p"), ("Content-Type", "text/plain")],
            [("x", "1"), ("x", "2"), ("y", "")],
            {"id": "42", "rest": "a/b c"},
            b"hello",
        ),
    ),
    "http_sync": ("item", http_trigger("GET", "http://h/api/items/1", [], [], {"id": "1"}, b"")),
    "http_raises": ("boom", http_trigger("GET", "http://h/api/boom", [], [], {}, b"")),
    "queue_with_output": (
        "on_message",
        queue_trigger(
            "m-1",
            b"payload",
            dequeue_count=3,
            inserted_on=NOW,
            expires_on=NOW + timedelta(days=7),
            next_visible_on=NOW + timedelta(seconds=30),
            pop_receipt="pr",
        ),
    ),
    "queue_fails": ("on_message", queue_trigger("m-2", b"fail", dequeue_count=1)),
    "timer_with_output": (
        "tick",
        timer_trigger(
            past_due=True,
            status=ScheduleStatus(NOW - timedelta(days=1), NOW, NOW - timedelta(days=1)),
            adjust_for_dst=True,
        ),
    ),
    "timer_returns_a_value": (
        "returns_value",
        timer_trigger(past_due=False, status=None, adjust_for_dst=True),
    ),
    "blob_polling": ("on_upload", _blob("e2e-uploads", "nested/a.txt")),
    "blob_event_grid": ("on_event", _blob("e2e-events", "b.txt")),
}


def _answer(outcome: Any) -> Any:
    """A result or a failure, as comparable JSON (the failure by its exception type and the
    first line of its message: the library words some of its own messages differently)."""
    if isinstance(outcome, FunctionError):
        return {"failure": outcome.message.split(":")[0], "message": outcome.message}
    return {
        "return": None if outcome.return_value is None else _typed(outcome.return_value),
        "outputs": {k: _typed(v) for k, v in sorted(outcome.outputs.items())},
    }


def _typed(typed: Any) -> Any:
    value = typed.value
    if typed.kind == "http":
        value = {
            "status": value.status_code,
            "headers": value.headers,
            "body": None if value.body is None else _typed(value.body),
            "cookies": [vars(c) if hasattr(c, "__dict__") else repr(c) for c in value.cookies],
        }
    elif isinstance(value, bytes):
        value = value.decode(errors="replace")
    return {"kind": typed.kind, "value": value}


async def _run(runner: Any, spec: Any, trigger: Any, invocation_id: str) -> Any:
    invocation = Invocation(spec, trigger, invocation_id=invocation_id)
    try:
        return _answer(await runner.run(invocation, InvocationTrace(None, None, "")))
    except FunctionError as failure:
        return _answer(failure)


async def main() -> dict[str, Any]:
    functions = {spec.name: spec for spec in load_functions(APP)}
    inprocess = InProcessRunner()
    worker = WorkerRunner(APP, host="127.0.0.1", telemetry_configured=False, subset=False)
    await inprocess.start(list(functions.values()))
    await worker.start(list(functions.values()))
    answers: dict[str, Any] = {}
    for case, (name, trigger) in CASES.items():
        invocation_id = f"00000000-0000-0000-0000-{len(answers):012d}"
        answers[case] = {
            "inprocess": await _run(inprocess, functions[name], trigger, invocation_id),
            "worker": await _run(worker, functions[name], trigger, invocation_id),
        }
    inprocess.close()
    worker.close()
    return answers


if __name__ == "__main__":
    sys.stdout.write(json.dumps(asyncio.run(main()), default=str) + "\n")
