"""The deployment turns telemetry on the way docs/operations.md says: the host in
OpenTelemetry mode, the worker's Azure Monitor set-up, Entra ID auth, whole-trace sampling,
and the distro the worker imports among the packages Azure installs."""

from __future__ import annotations

import json
import re

from tests.deploy import infra
from tests.deploy.app_model import ROOT


def test_the_host_exports_opentelemetry() -> None:
    host = json.loads((ROOT / "host.json").read_text("utf-8"))
    assert host["telemetryMode"] == "OpenTelemetry"


def test_the_worker_configures_azure_monitor_with_entra_auth() -> None:
    settings = infra.deployed_settings()
    assert settings["PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY"] == "true"
    assert settings["APPLICATIONINSIGHTS_CONNECTION_STRING"].startswith("InstrumentationKey=")
    assert settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"].endswith(";Authorization=AAD")


def test_traces_are_sampled_whole_by_trace_id() -> None:
    settings = infra.deployed_settings()
    assert settings["OTEL_TRACES_SAMPLER"] == "microsoft.fixed_percentage"
    assert 0.0 < float(settings["OTEL_TRACES_SAMPLER_ARG"]) <= 1.0


def test_azure_installs_the_distro_the_worker_imports() -> None:
    requirements = (ROOT / "requirements.txt").read_text("utf-8")
    assert re.search(r"^azure-monitor-opentelemetry==\d+\.\d+\.\d+$", requirements, re.M)
