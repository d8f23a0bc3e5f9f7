"""Settings come from app settings once, into one typed object."""

from __future__ import annotations

import pytest

from shared.azurite import DEVELOPMENT_CONNECTION
from shared.config import SettingsError, load_settings

KEYED = "AccountName=a;AccountKey=azE="
# What `azd up` sets (infra/modules/function-app.bicep): identity settings and a generated key.
SECRET = "k" * 48
IDENTITY = {
    "AUTH_REQUIRED": "false",
    "AzureWebJobsStorage__accountName": "prodorders",
    "AzureWebJobsStorage__credential": "managedidentity",
    "AzureWebJobsStorage__clientId": "00000000-0000-0000-0000-000000000001",
    "PAGING_TOKEN_SECRET": SECRET,
}


def test_development_storage_expands_to_azurite_defaults() -> None:
    settings = load_settings(
        {"AUTH_REQUIRED": "false", "AzureWebJobsStorage": "UseDevelopmentStorage=true"}
    )
    assert settings.storage.connection_string == DEVELOPMENT_CONNECTION
    assert "TableEndpoint=http://127.0.0.1:10002/devstoreaccount1" in DEVELOPMENT_CONNECTION


def test_identity_based_connection_uses_service_uris() -> None:
    settings = load_settings(IDENTITY)
    assert settings.storage.connection_string is None
    assert settings.storage.table_uri == "https://prodorders.table.core.windows.net"
    explicit = load_settings(
        {
            "AUTH_REQUIRED": "false",
            "AzureWebJobsStorage__blobServiceUri": "https://b.example",
            "AzureWebJobsStorage__queueServiceUri": "https://q.example",
            "AzureWebJobsStorage__tableServiceUri": "https://t.example",
            "PAGING_TOKEN_SECRET": SECRET,
        }
    )
    assert explicit.storage.blob_uri == "https://b.example"


def test_identity_settings_are_read_as_the_host_reads_them() -> None:
    mixed_case = IDENTITY | {
        "AUTH_REQUIRED": "false",
        "AzureWebJobsStorage__credential": " ManagedIdentity ",
    }
    storage = load_settings(mixed_case).storage
    assert storage.credential == "managedidentity"
    assert storage.client_id == "00000000-0000-0000-0000-000000000001"
    assert (storage.tenant_id, storage.client_secret) == (None, None)
    local = load_settings(
        {
            "AUTH_REQUIRED": "false",
            "AzureWebJobsStorage__accountName": "acct",
            "PAGING_TOKEN_SECRET": SECRET,
            "AzureWebJobsStorage__tenantId": "t",
            "AzureWebJobsStorage__clientId": "c",
            "AzureWebJobsStorage__clientSecret": "hush",
        }
    ).storage
    assert (local.credential, local.tenant_id, local.client_id) == (None, "t", "c")
    assert local.client_secret == "hush"
    assert "hush" not in repr(local)


def test_identity_settings_do_not_apply_to_a_connection_string() -> None:
    storage = load_settings(
        {
            "AUTH_REQUIRED": "false",
            "AzureWebJobsStorage": "UseDevelopmentStorage=true",
            "AzureWebJobsStorage__credential": "managedidentity",
            "AzureWebJobsStorage__clientId": "ignored",
        }
    ).storage
    assert (storage.credential, storage.client_id) == (None, None)


def test_unknown_credential_kind_is_a_clear_error() -> None:
    with pytest.raises(SettingsError, match="AzureWebJobsStorage__credential"):
        load_settings(
            IDENTITY
            | {"AUTH_REQUIRED": "false", "AzureWebJobsStorage__credential": "workloadidentity"}
        )


def test_missing_storage_is_a_clear_error() -> None:
    with pytest.raises(SettingsError, match="AzureWebJobsStorage"):
        load_settings({})


def test_cors_origins_are_trimmed() -> None:
    settings = load_settings(
        {
            "AUTH_REQUIRED": "false",
            "AzureWebJobsStorage": "UseDevelopmentStorage=true",
            "CORS_ALLOWED_ORIGINS": " https://a.example/ ,http://localhost:3000,, ",
        }
    )
    assert settings.cors_allowed_origins == ("https://a.example", "http://localhost:3000")


def test_paging_secret_differs_per_storage_and_prefers_explicit_secret() -> None:
    one = load_settings(
        {"AUTH_REQUIRED": "false", "AzureWebJobsStorage": "AccountName=a;AccountKey=azE="}
    )
    two = load_settings(
        {"AUTH_REQUIRED": "false", "AzureWebJobsStorage": "AccountName=a;AccountKey=azI="}
    )
    assert one.paging_secret != two.paging_secret
    explicit = load_settings(
        {"AUTH_REQUIRED": "false", "AzureWebJobsStorage": KEYED, "PAGING_TOKEN_SECRET": SECRET}
    )
    assert (
        explicit.paging_secret
        != load_settings({"AUTH_REQUIRED": "false", "AzureWebJobsStorage": KEYED}).paging_secret
    )


def test_identity_based_connection_requires_a_paging_secret() -> None:
    """No fallback to the public table URI: anyone could compute that key and forge tokens."""
    without = {name: value for name, value in IDENTITY.items() if name != "PAGING_TOKEN_SECRET"}
    for env in (without, without | {"PAGING_TOKEN_SECRET": "   "}):
        with pytest.raises(SettingsError, match="PAGING_TOKEN_SECRET must be set"):
            load_settings(env)
    one = load_settings(IDENTITY).paging_secret
    assert one != load_settings(IDENTITY | {"PAGING_TOKEN_SECRET": "j" * 48}).paging_secret
    other = IDENTITY | {
        "AUTH_REQUIRED": "false",
        "AzureWebJobsStorage__accountName": "otheraccount",
    }
    assert one == load_settings(other).paging_secret


def test_short_paging_secret_is_refused() -> None:
    with pytest.raises(SettingsError, match="at least 32 characters"):
        load_settings(IDENTITY | {"PAGING_TOKEN_SECRET": "s" * 31})
    assert load_settings(IDENTITY | {"PAGING_TOKEN_SECRET": "s" * 32}).paging_secret


def test_transport_reads_proxy_environment_only_when_a_proxy_is_configured() -> None:
    plain = load_settings(
        {
            "AUTH_REQUIRED": "false",
            "AzureWebJobsStorage": "UseDevelopmentStorage=true",
            "PATH": "/bin",
        }
    )
    assert plain.storage.use_env_settings is False
    for name in ("HTTPS_PROXY", "http_proxy", "NO_PROXY"):
        proxied = load_settings(
            {"AUTH_REQUIRED": "false", "AzureWebJobsStorage": KEYED, name: "http://proxy:3128"}
        )
        assert proxied.storage.use_env_settings is True, name
    identity = load_settings(IDENTITY | {"ALL_PROXY": "socks5://p"})
    assert identity.storage.use_env_settings is True


def test_custom_ca_bundle_is_kept_without_reading_the_environment_per_request() -> None:
    settings = load_settings(
        {
            "AUTH_REQUIRED": "false",
            "AzureWebJobsStorage": KEYED,
            "REQUESTS_CA_BUNDLE": "/etc/ca.pem",
        }
    )
    assert settings.storage.use_env_settings is False
    assert settings.storage.ca_bundle == "/etc/ca.pem"
