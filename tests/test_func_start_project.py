"""The project is valid for `func start` (Core Tools) and for publishing, checked statically:
host.json, local.settings.json.example, .funcignore, and every function's generated binding
JSON (what the Python worker's indexing hands the host), including what the Event Grid source
of the blob trigger needs (Flex Consumption runs no other)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from devhost.blobs import BlobPath
from devhost.routes import parse_template
from devhost.schedules import parse_schedule
from devhost.timespan import parse_timespan

ROOT = Path(__file__).resolve().parents[1]
KNOWN_TRIGGERS = {"httpTrigger", "blobTrigger", "queueTrigger", "timerTrigger", "warmupTrigger"}
STORAGE_BINDINGS = {"blobTrigger", "queueTrigger", "blob", "queue", "table"}
BLOB_SOURCES = {"EventGrid", "LogsAndContainerScan"}
FUNCTION_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,127}$")


def _load(name: str) -> dict[str, Any]:
    document = json.loads((ROOT / name).read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


@pytest.fixture(scope="module")
def example_values() -> dict[str, str]:
    values = _load("local.settings.json.example")["Values"]
    assert isinstance(values, dict)
    return values


@pytest.fixture(scope="module")
def functions() -> list[tuple[str, list[dict[str, Any]]]]:
    # get_functions() may be called once per app; tests.support caches that one call.
    from tests.support import registered_functions

    return [
        (name, json.loads(f.get_function_json())["bindings"])
        for name, f in registered_functions().items()
    ]


def test_host_json_is_a_v2_host_with_the_extension_bundle() -> None:
    host = _load("host.json")
    assert host["version"] == "2.0"
    assert host["extensionBundle"] == {
        "id": "Microsoft.Azure.Functions.ExtensionBundle",
        "version": "[4.*, 5.0.0)",
    }
    assert host["extensions"]["http"]["routePrefix"] == "api"
    # Consumption allows 1 s .. 10 min.
    assert 1 <= parse_timespan(host["functionTimeout"]) <= 600
    queues = host["extensions"].get("queues", {})
    assert 1 <= queues.get("batchSize", 16) <= 32
    assert queues.get("messageEncoding", "base64") in ("base64", "none")
    for key in ("maxPollingInterval", "visibilityTimeout"):
        if key in queues:
            parse_timespan(queues[key])


def test_local_settings_example_runs_the_python_worker_on_azurite(
    example_values: dict[str, str],
) -> None:
    document = _load("local.settings.json.example")
    assert document["IsEncrypted"] is False
    assert example_values["FUNCTIONS_WORKER_RUNTIME"] == "python"
    assert example_values["AzureWebJobsStorage"] == "UseDevelopmentStorage=true"
    assert all(isinstance(value, str) for value in example_values.values())
    assert isinstance(document.get("Host", {}).get("LocalHttpPort", 7071), int)


def test_funcignore_keeps_local_only_files_out_of_the_package() -> None:
    ignored = set((ROOT / ".funcignore").read_text(encoding="utf-8").split())
    # .devhost holds devhost --easy-auth's test issuer, a private key: never published.
    assert {"devhost", ".devhost", "tests", "local.settings.json", ".venv"} <= ignored
    assert "node_modules" in ignored


def test_every_function_has_one_known_trigger_and_a_valid_name(
    functions: list[tuple[str, list[dict[str, Any]]]],
) -> None:
    assert functions
    names = [name for name, _ in functions]
    assert len(names) == len(set(n.lower() for n in names))
    for name, bindings in functions:
        assert FUNCTION_NAME.match(name), name
        triggers = [b["type"] for b in bindings if b["type"].endswith("Trigger")]
        assert len(triggers) == 1, name
        assert triggers[0] in KNOWN_TRIGGERS, (name, triggers[0])


def test_every_connection_and_setting_reference_exists(
    functions: list[tuple[str, list[dict[str, Any]]]], example_values: dict[str, str]
) -> None:
    for name, bindings in functions:
        for binding in bindings:
            if binding["type"] in STORAGE_BINDINGS:
                connection = binding.get("connection") or "AzureWebJobsStorage"
                assert connection in example_values, (name, connection)
            for value in binding.values():
                for setting in re.findall(r"%([^%]+)%", value if isinstance(value, str) else ""):
                    assert setting in example_values, (name, setting)


def test_http_routes_are_valid_and_not_duplicated(
    functions: list[tuple[str, list[dict[str, Any]]]],
) -> None:
    seen: set[tuple[str, str]] = set()
    for name, bindings in functions:
        trigger = next(b for b in bindings if b["type"].endswith("Trigger"))
        if trigger["type"] != "httpTrigger":
            continue
        route = trigger.get("route") or name
        template = parse_template(route)
        shape = re.sub(r"\{[^}]*\}", "{}", route.lower())
        for method in trigger.get("methods") or ["*"]:
            assert (method, shape) not in seen, (name, method, route)
            seen.add((method, shape))
        assert template.template == route
        assert any(b["type"] == "http" and b["direction"] == "OUT" for b in bindings), name


# What the README promises of each timer, as its next three runs after midnight UTC.
_MIDNIGHT = datetime(2026, 3, 1, tzinfo=UTC)
_TIMER_RUNS = {
    "nightly_sweep": [_MIDNIGHT + timedelta(days=d, hours=2) for d in range(3)],  # 2 AM UTC
    "relay_outbox": [_MIDNIGHT + timedelta(minutes=m) for m in (1, 2, 3)],  # every minute
}


def test_timer_schedules_parse_to_the_documented_runs(
    functions: list[tuple[str, list[dict[str, Any]]]], example_values: dict[str, str]
) -> None:
    runs: dict[str, list[datetime]] = {}
    for name, bindings in functions:
        for binding in bindings:
            if binding["type"] == "timerTrigger":
                schedule = parse_schedule(binding["schedule"], example_values)
                runs[name] = [schedule.next_after(_MIDNIGHT)]
                while len(runs[name]) < 3:
                    runs[name].append(schedule.next_after(runs[name][-1]))
    assert set(_TIMER_RUNS) <= set(runs), runs
    assert {name: runs[name] for name in _TIMER_RUNS} == _TIMER_RUNS


def _bundle_floor(version_range: str) -> tuple[int, ...]:
    """The lowest version an extension bundle range allows: `[4.*, 5.0.0)` -> (4,)."""
    low = version_range.strip().lstrip("[(").split(",")[0].strip()
    return tuple(int(part) for part in low.replace("*", "").split(".") if part)


@pytest.mark.parametrize(
    ("text", "floor"),
    [("[4.*, 5.0.0)", (4,)), ("[4.0.0, 5.0.0)", (4, 0, 0)), ("[3.3.0, 4)", (3, 3, 0))],
)
def test_bundle_ranges_are_read_by_their_floor(text: str, floor: tuple[int, ...]) -> None:
    assert _bundle_floor(text) == floor


Bindings = list[tuple[str, list[dict[str, Any]]]]


def _blob_triggers(functions: Bindings) -> list[tuple[str, dict[str, Any]]]:
    return [(name, b) for name, bs in functions for b in bs if b["type"] == "blobTrigger"]


def test_the_app_runs_on_flex_consumption_so_blob_triggers_use_event_grid(
    functions: list[tuple[str, list[dict[str, Any]]]],
) -> None:
    triggers = _blob_triggers(functions)
    assert triggers, "make_thumbnail is a blob trigger"
    for name, trigger in triggers:
        assert trigger.get("source") in BLOB_SOURCES, (name, trigger.get("source"))
        assert trigger["source"] == "EventGrid", f"{name}: Flex Consumption runs no polling source"


def test_event_grid_blob_triggers_have_the_bundle_connection_and_path_they_need(
    functions: list[tuple[str, list[dict[str, Any]]]], example_values: dict[str, str]
) -> None:
    # The Event Grid source needs Storage extension 5.x: extension bundle 4.x or later.
    assert _bundle_floor(_load("host.json")["extensionBundle"]["version"]) >= (4,)
    for name, trigger in _blob_triggers(functions):
        if trigger.get("source") != "EventGrid":
            continue
        # The webhook is /runtime/webhooks/blobs?functionName=Host.Functions.<name>.
        assert re.fullmatch(r"[A-Za-z0-9_-]+", name), name
        # A fixed container (the Event Grid subscription filters on it) and a valid pattern.
        path = BlobPath.parse(
            re.sub(r"%([^%]+)%", lambda m: example_values[m.group(1)], trigger["path"])
        )
        assert re.fullmatch(r"[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}", path.container), name
        # Locally the connection is Azurite, which the local event source lists and watches.
        value = example_values[trigger.get("connection") or "AzureWebJobsStorage"]
        assert value == "UseDevelopmentStorage=true" or "AccountName=" in value, name
