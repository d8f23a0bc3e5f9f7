"""Settings come from app settings once, into one typed object."""

from __future__ import annotations

import pytest

from shared.config import DEV_STORAGE_CONNECTION, SettingsError, load_settings

KEYED = "AccountName=a;AccountKey=azE="


def test_development_storage_expands_to_azurite_defaults() -> None:
    settings = load_settings({"AzureWebJobsStorage": "UseDevelopmentStorage=true"})
    assert settings.storage.connection_string == DEV_STORAGE_CONNECTION
    assert "TableEndpoint=http://127.0.0.1:10002/devstoreaccount1" in DEV_STORAGE_CONNECTION


def test_identity_based_connection_uses_service_uris() -> None:
    settings = load_settings({"AzureWebJobsStorage__accountName": "prodorders"})
    assert settings.storage.connection_string is None
    assert settings.storage.table_uri == "https://prodorders.table.core.windows.net"
    explicit = load_settings({
        "AzureWebJobsStorage__blobServiceUri": "https://b.example",
        "AzureWebJobsStorage__queueServiceUri": "https://q.example",
        "AzureWebJobsStorage__tableServiceUri": "https://t.example",
    })  # fmt: skip
    assert explicit.storage.blob_uri == "https://b.example"


def test_missing_storage_is_a_clear_error() -> None:
    with pytest.raises(SettingsError, match="AzureWebJobsStorage"):
        load_settings({})


def test_cors_origins_are_trimmed() -> None:
    settings = load_settings({
        "AzureWebJobsStorage": "UseDevelopmentStorage=true",
        "CORS_ALLOWED_ORIGINS": " https://a.example/ ,http://localhost:3000,, ",
    })  # fmt: skip
    assert settings.cors_allowed_origins == ("https://a.example", "http://localhost:3000")


def test_paging_secret_differs_per_storage_and_prefers_explicit_secret() -> None:
    one = load_settings({"AzureWebJobsStorage": "AccountName=a;AccountKey=azE="})
    two = load_settings({"AzureWebJobsStorage": "AccountName=a;AccountKey=azI="})
    assert one.paging_secret != two.paging_secret
    explicit = load_settings({"AzureWebJobsStorage": KEYED, "PAGING_TOKEN_SECRET": "s" * 32})
    assert explicit.paging_secret != load_settings({"AzureWebJobsStorage": KEYED}).paging_secret


def test_transport_reads_proxy_environment_only_when_a_proxy_is_configured() -> None:
    plain = load_settings({"AzureWebJobsStorage": "UseDevelopmentStorage=true", "PATH": "/bin"})
    assert plain.storage.use_env_settings is False
    for name in ("HTTPS_PROXY", "http_proxy", "NO_PROXY"):
        proxied = load_settings({"AzureWebJobsStorage": KEYED, name: "http://proxy:3128"})
        assert proxied.storage.use_env_settings is True, name
    identity = load_settings({"AzureWebJobsStorage__accountName": "acct", "ALL_PROXY": "socks5://p"})
    assert identity.storage.use_env_settings is True


def test_custom_ca_bundle_is_kept_without_reading_the_environment_per_request() -> None:
    settings = load_settings({"AzureWebJobsStorage": KEYED, "REQUESTS_CA_BUNDLE": "/etc/ca.pem"})
    assert settings.storage.use_env_settings is False
    assert settings.storage.ca_bundle == "/etc/ca.pem"
