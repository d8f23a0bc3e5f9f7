"""devhost's own storage clients read proxy settings per request only when a proxy is set."""

from __future__ import annotations

from devhost.storage import _transport_options


def test_no_proxy_means_no_per_request_environment_scan() -> None:
    options = _transport_options({"PATH": "/usr/bin"})
    assert options["use_env_settings"] is False
    assert "connection_verify" not in options


def test_a_proxy_in_any_case_keeps_the_environment_and_a_ca_bundle_is_passed_directly() -> None:
    options = _transport_options({"HTTPS_PROXY": "http://proxy:3128", "REQUESTS_CA_BUNDLE": "/ca"})
    assert options["use_env_settings"] is True
    assert options["connection_verify"] == "/ca"
