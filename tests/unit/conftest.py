"""Fixtures for every unit test package: `otel`, telemetry switched on for one test with the
in-memory OpenTelemetry SDK (tests/otel.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.otel import telemetry_on

if TYPE_CHECKING:
    from tests.otel import Sdk


@pytest.fixture
def otel(monkeypatch: pytest.MonkeyPatch) -> Sdk:
    return telemetry_on(monkeypatch)
