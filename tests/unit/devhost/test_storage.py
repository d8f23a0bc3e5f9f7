"""devhost's own storage clients read proxy settings per request only when a proxy is set, and
load a CA bundle once per session."""

from __future__ import annotations

from devhost.storage import _async_options, _transport_options


def test_no_proxy_means_no_per_request_environment_scan() -> None:
    options = _transport_options({"PATH": "/usr/bin"})
    assert options["use_env_settings"] is False
    assert "connection_verify" not in options


def test_a_proxy_in_any_case_keeps_the_environment_and_a_ca_bundle_is_passed_directly() -> None:
    options = _transport_options({"HTTPS_PROXY": "http://proxy:3128", "REQUESTS_CA_BUNDLE": "/ca"})
    assert options["use_env_settings"] is True
    assert options["connection_verify"] == "/ca"


def test_a_bundle_transport_takes_the_timeouts_and_the_client_keeps_the_retries() -> None:
    options = _async_options(
        _transport_options({"https_proxy": "http://p:3128", "REQUESTS_CA_BUNDLE": "/ca"})
    )
    transport = options.pop("transport")
    assert options == {
        "retry_total": 3,
        "initial_backoff": 0.8,
        "increment_base": 2,
        "use_env_settings": True,
    }
    config = transport.connection_config
    assert (config.timeout, config.read_timeout) == (5, 30)
    assert transport._use_env_settings is True
