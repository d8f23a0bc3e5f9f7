"""Microsoft's Python worker library (`azure-functions-runtime`, what Azure runs on Python 3.13+)
indexes and validates every function of the app, as it does before it reports functions to
the host; devhost must read the same metadata.

A function the library refuses (a parameter without a binding, an output not annotated
`func.Out`, an annotation that does not resolve at run time, ...) fails the worker's start-up on
Azure, which the portal shows as "0 functions found". Nothing else in the suite would notice:
devhost, like the tests, calls the functions directly. Runs in the Python 3.13 leg of
`make test` (`make test-3.13`); on older Pythons the library does not install.
"""

from __future__ import annotations

import json
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
SCRIPT = Path(__file__).with_name("describe_app.py")
APPS = {"app": ROOT, "sample_app": ROOT / "tests" / "e2e" / "sample_app"}
# azure.functions' DataType names, as the binding JSON spells them, and their protobuf values.
DATA_TYPES = {"UNDEFINED": 0, "STRING": 1, "BINARY": 2, "STREAM": 3}


def describe(mode: str, app_dir: Path) -> dict[str, Any]:
    """`describe_app.py` in a fresh interpreter, as a worker process starts."""
    done = subprocess.run(
        [sys.executable, str(SCRIPT), mode, str(app_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    document: dict[str, Any] = json.loads(done.stdout)
    return document


@pytest.fixture(scope="module", params=sorted(APPS))
def app(request: pytest.FixtureRequest) -> tuple[Path, dict[str, Any], dict[str, Any]]:
    app_dir = APPS[request.param]
    return app_dir, describe("worker", app_dir), describe("devhost", app_dir)


def by_name(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in document["functions"]}


def test_the_worker_indexes_every_function(
    app: tuple[Path, dict[str, Any], dict[str, Any]],
) -> None:
    app_dir, worker, devhost = app
    assert worker["status"] == "Success", worker["error"]
    assert worker["functions"]
    assert sorted(by_name(worker)) == sorted(by_name(devhost))
    for function in worker["functions"]:
        assert function["language"] == "python"
        assert function["directory"] == str(app_dir)
        assert function["script_file"] == "function_app.py"
        assert function["entry_point"] == function["name"]
        assert function["properties"] == {"worker_indexed": "True"}


def _trigger(bindings: list[dict[str, Any]]) -> dict[str, Any]:
    (trigger,) = [b for b in bindings if str(b["type"]).endswith("Trigger")]
    return trigger


def _facets(function: dict[str, Any], trigger: dict[str, Any]) -> dict[str, Any]:
    """What decides how a function is served: trigger, route, methods, source, signature."""
    is_http = trigger["type"] == "httpTrigger"
    return {
        "trigger_type": trigger["type"],
        "route": trigger.get("route", function["name"]) if is_http else None,
        "methods": trigger.get("methods"),
        "source": trigger.get("source"),
        "bindings": function["bindings"],
        "is_async": function["is_async"],
        "uses_context": function["uses_context"],
        "has_return": function["has_return"],
        "inputs": function["inputs"],
        "outputs": function["outputs"],
    }


def test_devhost_derives_the_metadata_the_worker_reports(
    app: tuple[Path, dict[str, Any], dict[str, Any]],
) -> None:
    app_dir, worker, devhost = app
    worker_functions = by_name(worker)
    for name, seen in by_name(devhost).items():
        reported = worker_functions[name]
        assert seen["directory"] == reported["directory"] == str(app_dir)
        assert _facets(seen, seen["trigger"]) == _facets(reported, _trigger(reported["bindings"]))
        assert reported["is_http"] == (seen["trigger"]["type"] == "httpTrigger")
        is_event_grid = str(seen["trigger"].get("source", "")).lower() == "eventgrid"
        assert seen["source_is_event_grid"] == is_event_grid
        # The typed BindingInfo the host gets agrees with the binding JSON devhost serves from.
        assert reported["binding_info"] == {
            b["name"]: {
                "type": b["type"],
                "direction": b["direction"].lower(),
                "data_type": DATA_TYPES.get(b.get("dataType")),
            }
            for b in seen["bindings"]
        }


HEALTHY = """
import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="healthy", methods=["GET"])
def healthy(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("ok")
"""

# Each is appended to HEALTHY: one bad function takes the whole app down on Azure.
BROKEN = {
    "parameter_without_binding": (
        """
        @app.route(route="a")
        def a(req: func.HttpRequest, extra: str) -> func.HttpResponse:
            return func.HttpResponse(extra)
        """,
        "cannot load the a function: the following parameters are declared in Python but not",
    ),
    "output_not_annotated_out": (
        """
        @app.queue_trigger(arg_name="msg", queue_name="work", connection="AzureWebJobsStorage")
        @app.queue_output(arg_name="done", queue_name="done", connection="AzureWebJobsStorage")
        def b(msg: func.QueueMessage, done: str) -> None:
            pass
        """,
        'cannot load the b function: binding done is declared to have the "out" direction',
    ),
    "trigger_annotation_of_another_binding": (
        """
        @app.blob_trigger(arg_name="blob", path="uploads/{name}", connection="AzureWebJobsStorage")
        def c(blob: func.HttpRequest) -> None:
            pass
        """,
        'cannot load the c function: binding type "\'blob\'" and dataType "blobTrigger"',
    ),
    "context_of_the_wrong_type": (
        """
        @app.route(route="d")
        def d(req: func.HttpRequest, context: str) -> func.HttpResponse:
            return func.HttpResponse("d")
        """,
        'cannot load the d function: the "context" parameter is expected to be of type',
    ),
    "annotation_imported_only_for_type_checkers": (
        """
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            from azure.functions import TimerRequest


        @app.timer_trigger(schedule="0 0 * * * *", arg_name="timer")
        def e(timer: "TimerRequest") -> None:
            pass
        """,
        "NameError: name 'TimerRequest' is not defined",
    ),
    "two_function_apps": (
        """
        other = func.FunctionApp()
        """,
        "More than one FunctionApp or other top level function app instances are defined",
    ),
}


def _write_app(tmp_path: Path, extra: str) -> Path:
    source = HEALTHY + textwrap.dedent(extra)
    (tmp_path / "function_app.py").write_text(source, encoding="utf-8")
    return tmp_path


def test_a_healthy_app_in_a_folder_of_its_own_indexes(tmp_path: Path) -> None:
    """The control for the cases below: the temporary app itself is fine."""
    worker = describe("worker", _write_app(tmp_path, ""))
    assert worker["status"] == "Success", worker["error"]
    assert [f["name"] for f in worker["functions"]] == ["healthy"]


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_function_azure_would_not_load_fails_indexing(tmp_path: Path, case: str) -> None:
    extra, reason = BROKEN[case]
    worker = describe("worker", _write_app(tmp_path, extra))
    assert worker["status"] == "Failure"
    assert reason in worker["error"]
    assert worker["functions"] == []
