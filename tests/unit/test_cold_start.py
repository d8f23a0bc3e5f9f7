"""Importing the app must not load storage SDKs, their HTTP transport (aiohttp),
azure-identity, PyJWT and its cryptography, Pillow or OpenTelemetry (cold start); with
telemetry off, running a function must not load OpenTelemetry either."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = (
    "azure.data.tables",
    "azure.storage",
    "azure.identity",
    "PIL",
    "azure.core.pipeline",
    "aiohttp",
    "requests",
    "opentelemetry",
    "azure.monitor",
    "jwt",
    "cryptography",
)
TELEMETRY = ("opentelemetry", "azure.monitor", "azure.core.tracing.ext")


def _loaded(code: str, prefixes: tuple[str, ...], **env: str) -> list[str]:
    probe = (
        f"import json, sys; {code}; "
        f"print(json.dumps(sorted(m for m in sys.modules if m.startswith({prefixes!r}))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **env},
    )
    return list(json.loads(result.stdout.splitlines()[-1]))


def test_importing_function_app_loads_no_heavy_modules() -> None:
    assert _loaded("import function_app", HEAVY) == []


def test_with_telemetry_off_running_functions_loads_no_opentelemetry() -> None:
    code = (
        "import asyncio; from tests.support import call_http; "
        "assert asyncio.run(call_http('openapi', 'GET')).status_code == 200; "
        "assert asyncio.run(call_http('create_order', 'POST', raw_body=b'x')).status_code == 415"
    )
    off = {
        "AzureWebJobsStorage": "UseDevelopmentStorage=true",
        "AUTH_REQUIRED": "false",
        "PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY": "false",
    }
    assert _loaded(code, TELEMETRY, **off) == []


def test_importing_function_app_loads_only_the_core_its_decorators_need() -> None:
    # Settings (queue count, connections) and the HTTP error table; everything else, the
    # composition root, authorization, the settings check (shared.settings_rules) and the
    # schedule parser included, loads on first use
    # (docs/benchmarks.md#cold-start: each module here is paid by every instance start).
    assert _loaded("import function_app", ("shared",)) == [
        "shared",
        "shared.config",
        "shared.errors",
        "shared.etags",
        "shared.jsoncodec",
        "shared.settings_syntax",
        "shared.sharding",
    ]
