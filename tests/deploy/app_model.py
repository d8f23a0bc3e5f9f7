"""What the app needs from its environment, derived from the code rather than listed by hand:
the registered functions' binding JSON, the settings `shared.config` reads, the storage names
the core declares, and the storage SDKs it imports."""

from __future__ import annotations

import ast
import dataclasses
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from shared.config import Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
APP_SOURCES = ("function_app.py", "blueprints", "shared")
SETTING_REFERENCE = re.compile(r"%([^%]+)%")
# Names the Functions host itself uses in AzureWebJobsStorage (documented host behaviour:
# docs/deploy.md cites the pages). `*` is the host id.
HOST_CONTAINERS = frozenset({"azure-webjobs-hosts", "azure-webjobs-secrets"})
BLOB_TRIGGER_QUEUES = frozenset({"azure-webjobs-blobtrigger-*", "webjobs-blobtrigger-poison"})
POISON_SUFFIX = "-poison"
# Calls whose first argument names a blob container.
CONTAINER_CALLS = frozenset(
    {
        "get_blob_client",
        "get_container_client",
        "create_container",
        "delete_container",
        "_ensure_container",
    }
)
SDK_SERVICES = {
    "azure.storage.blob": "blob",
    "azure.storage.queue": "queue",
    "azure.data.tables": "table",
}
HOST_JSON = ROOT / "host.json"
# The routes of the app's HTTP functions that serve callers without a token. Its one source:
# anonymous_routes() below reads it, and checks that each is a registered route.
# Where Event Grid delivers to blob triggers whose source is EventGrid. The Functions host
# serves it (not the app), behind the blobs_extension system key.
BLOBS_WEBHOOK = "/runtime/webhooks/blobs"
_OPTIONAL_LAST_PARAMETER = re.compile(r"/\{\w+\?\}$")


@cache
def bindings() -> tuple[tuple[str, tuple[dict[str, Any], ...]], ...]:
    """(function name, its bindings) for every function the app registers."""
    from tests.support import registered_functions

    return tuple(
        (name, tuple(json.loads(function.get_function_json())["bindings"]))
        for name, function in registered_functions().items()
    )


def all_bindings() -> list[dict[str, Any]]:
    return [binding for _, function_bindings in bindings() for binding in function_bindings]


def binding_setting_references() -> set[str]:
    """Settings named as %NAME% in any binding: the host refuses to start without them."""
    return {
        name
        for binding in all_bindings()
        for value in binding.values()
        if isinstance(value, str)
        for name in SETTING_REFERENCE.findall(value)
    }


def timer_schedules() -> set[str]:
    """The timer triggers' schedules, as written in the bindings (`%NAME%` or NCRONTAB)."""
    return {binding["schedule"] for binding in all_bindings() if binding["type"] == "timerTrigger"}


def connections() -> dict[str, set[str]]:
    """Connection setting -> the binding types that use it."""
    found: dict[str, set[str]] = {}
    for binding in all_bindings():
        if binding["type"] in ("blobTrigger", "queueTrigger", "blob", "queue", "table"):
            found.setdefault(binding.get("connection") or "AzureWebJobsStorage", set()).add(
                binding["type"]
            )
    return found


def blob_triggers() -> dict[str, dict[str, Any]]:
    """Function name -> its blob trigger binding."""
    return {
        name: binding
        for name, function_bindings in bindings()
        for binding in function_bindings
        if binding["type"] == "blobTrigger"
    }


def http_routes() -> set[str]:
    """The routes of the app's HTTP functions, as registered."""
    return {binding["route"] for binding in all_bindings() if binding["type"] == "httpTrigger"}


def anonymous_routes() -> set[str]:
    """The routes of the app that serve callers without a token: the endpoints declared
    `anonymous=True` (blueprints.endpoint marks them)."""
    from blueprints.endpoint import ANONYMOUS_MARK
    from tests.support import registered_functions

    return {
        str(function.get_trigger().route)
        for function in registered_functions().values()
        if getattr(function.get_user_function(), ANONYMOUS_MARK, False)
    }


def route_prefix() -> str:
    """`/api`, or whatever host.json's extensions.http.routePrefix says."""
    host = json.loads(HOST_JSON.read_text("utf-8"))
    return "/" + str(host.get("extensions", {}).get("http", {}).get("routePrefix", "api"))


def _parameter_values(route: str) -> list[str]:
    """The values an anonymous route's optional last parameter takes: the upload page's files
    ("" is the page itself). Easy Auth matches excluded paths exactly, so each one is listed."""
    from blueprints.upload_page import WEB_FILES

    assert route.startswith("upload/"), f"{route}: say which values its parameter takes"
    return list(WEB_FILES)


def anonymous_paths() -> set[str]:
    """The URL paths of the anonymous routes, one per path a caller can use."""
    prefix = route_prefix()
    paths: set[str] = set()
    for route in anonymous_routes():
        optional = _OPTIONAL_LAST_PARAMETER.search(route)
        if optional is None:
            assert "{" not in route, f"{route}: a parameter cannot be excluded path by path"
            paths.add(f"{prefix}/{route}")
            continue
        base = f"{prefix}/{route[: optional.start()]}"
        paths |= {f"{base}/{value}" if value else base for value in _parameter_values(route)}
    return paths


def webhook_paths() -> set[str]:
    """Host endpoints that callers without a token reach: the blobs extension webhook, when a
    blob trigger takes its events from Event Grid."""
    sources = {binding.get("source") for binding in blob_triggers().values()}
    return {BLOBS_WEBHOOK} if "EventGrid" in sources else set()


class RecordingEnv(dict[str, str]):
    """App settings that remember which names the code looked up."""

    def __init__(self, values: dict[str, str]) -> None:
        super().__init__(values)
        self.read: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> str:
        self.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self.read.add(key)
        return super().__contains__(key)


def settings_read(env: dict[str, str]) -> tuple[set[str], Settings]:
    """The settings `shared.config` reads from `env`, and what it made of them."""
    recording = RecordingEnv(env)
    return recording.read, load_settings(recording)


def _python_files() -> list[Path]:
    files: list[Path] = []
    for source in APP_SOURCES:
        path = ROOT / source
        files.extend([path] if path.is_file() else sorted(path.rglob("*.py")))
    return files


@cache
def _trees() -> tuple[tuple[Path, ast.Module], ...]:
    return tuple((path, ast.parse(path.read_text("utf-8"))) for path in _python_files())


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level NAME = "literal" assignments."""
    return {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def constants_ending(suffix: str) -> set[str]:
    """Values of module-level constants of the app named *<suffix> (ORDER_EVENTS_QUEUE...)."""
    return {
        value
        for _, tree in _trees()
        for name, value in _constants(tree).items()
        if name.endswith(suffix)
    }


def settings_tables() -> set[str]:
    """The tables of the settings, but a `legacy_` one: the app only reads it where an older
    version made it, and a deployment without it is the expected case (no table to read)."""
    return {
        str(field.default)
        for field in dataclasses.fields(Settings)
        if field.name.endswith("_table") and not field.name.startswith("legacy_")
    }


def code_containers() -> set[str]:
    """Containers named by module constants passed to the blob SDK's container calls."""
    found: set[str] = set()
    for _, tree in _trees():
        constants = _constants(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", None))
            first = node.args[0]
            if name in CONTAINER_CALLS and isinstance(first, ast.Name) and first.id in constants:
                found.add(constants[first.id])
    return found


def storage_services() -> set[str]:
    """Storage services the app's code talks to (by the SDKs it imports) or its bindings use."""
    found: set[str] = set()
    for _, tree in _trees():
        for node in ast.walk(tree):
            modules = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for module in modules:
                found.update(
                    service
                    for prefix, service in SDK_SERVICES.items()
                    if module == prefix or module.startswith(prefix + ".")
                )
    types = {binding["type"] for binding in all_bindings()}
    if "blobTrigger" in types:  # reads blobs; the host queues work items and poisons
        found |= {"blob", "queue"}
    if "queueTrigger" in types:
        found.add("queue")
    return found | {"blob"}  # the host's keys and locks


def required_storage() -> dict[str, set[str]]:
    """Every table, queue and container the app and its host use."""
    queues = {
        binding["queueName"] for binding in all_bindings() if binding["type"] == "queueTrigger"
    } | constants_ending("_QUEUE")
    queues |= {queue + POISON_SUFFIX for queue in queues}
    containers = code_containers() | set(HOST_CONTAINERS)
    containers |= {binding["path"].split("/")[0] for binding in blob_triggers().values()}
    if blob_triggers():
        queues |= BLOB_TRIGGER_QUEUES
    return {
        "tables": settings_tables() | constants_ending("_TABLE"),
        "queues": queues,
        "containers": containers,
    }


def environment_readers() -> list[str]:
    """Places outside shared/config.py that read the environment directly."""
    found = []
    for path, tree in _trees():
        if path == ROOT / "shared" / "config.py":
            continue
        for node in ast.walk(tree):
            attribute = getattr(node, "attr", None)
            if attribute in ("environ", "getenv", "environb"):
                found.append(f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}")
    return found
