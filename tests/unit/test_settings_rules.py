"""Every app setting is checked once, and a problem names the setting and its rule, never the
value (issue 11, finding 2)."""

from __future__ import annotations

import pytest

from shared.config import SettingsError, load_settings
from shared.settings_rules import check_settings

BASE = {"AUTH_REQUIRED": "false", "AzureWebJobsStorage": "UseDevelopmentStorage=true"}
KEY = "Zm9vYmFy"  # base64


@pytest.mark.parametrize(
    ("name", "value", "rule"),
    [
        ("ORDER_PENDING_TTL_HOURS", "0", "from 1 to 8760"),
        ("ORDER_PENDING_TTL_HOURS", "twelve", "from 1 to 8760"),
        ("ORDER_PENDING_TTL_HOURS", "٣", "from 1 to 8760"),  # a digit, but not ASCII
        ("THUMBNAIL_SIZE", "-5", "N or WxH"),
        ("THUMBNAIL_SIZE", "200x0", "N or WxH"),
        ("THUMBNAIL_SIZE", "1x2x3", "N or WxH"),
        ("THUMBNAIL_FIT", "squash", "contain or cover"),
        ("THUMBNAIL_QUALITY", "101", "from 1 to 100"),
        ("THUMBNAIL_MAX_BYTES", "lots", "whole number"),
        ("THUMBNAIL_MAX_PIXELS", "0", "whole number"),
        ("CORS_ALLOWED_ORIGINS", "not a url", "scheme://host[:port]"),
        ("CORS_ALLOWED_ORIGINS", "https://ok.example,ftp://files.example", "scheme://host"),
        ("CORS_ALLOWED_ORIGINS", "https://shop.example/path", "no path"),
        ("CORS_ALLOWED_ORIGINS", "*", "wildcard is not supported"),
        ("CORS_ALLOWED_ORIGINS", "http://localhost:99999", "scheme://host[:port]"),
        ("CORS_ALLOWED_ORIGINS", "http://user@shop.example", "scheme://host[:port]"),
        ("ORDER_SWEEP_SCHEDULE", "0 0 2 * * * 2025", "6 fields"),
        ("ORDER_SWEEP_SCHEDULE", "0 0 25 * * *", "NCRONTAB"),
        ("ORDER_SWEEP_SCHEDULE", "every night", "NCRONTAB"),
        ("PAGING_TOKEN_SECRET", "short-secret", "at least 32 characters"),
        ("AzureWebJobsStorage__accountName", "Not_An_Account", "3-24 lowercase"),
        ("AzureWebJobsStorage__tableServiceUri", "http://t.example", "https://"),
        ("AzureWebJobsStorage__credential", "workloadidentity", "managedidentity or unset"),
    ],
)
def test_a_bad_value_is_named_with_its_rule_and_never_echoed(
    name: str, value: str, rule: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(BASE | {name: value})
    [problem] = raised.value.problems
    assert (problem.name, rule in problem.rule) == (name, True)
    assert f"{name} " in raised.value.detail
    assert repr(value) not in raised.value.detail


@pytest.mark.parametrize(
    "connection",
    [
        "x=1",
        "AccountName=a;AccountKey=not base64!",
        "AccountName=a",
        "just text",
        "AccountName=a;AccountKey=" + KEY + ";BlobEndpoint=ftp://b.example",
        "SharedAccessSignature=sv=1&sig=x;BlobEndpoint=https://b.example",
    ],
)
def test_malformed_connection_strings_are_refused_without_echoing_them(connection: str) -> None:
    with pytest.raises(SettingsError, match="AzureWebJobsStorage must be") as raised:
        load_settings({"AUTH_REQUIRED": "false", "AzureWebJobsStorage": connection})
    assert connection not in raised.value.detail


@pytest.mark.parametrize(
    "env",
    [
        {"AUTH_REQUIRED": "false", "AzureWebJobsStorage": "UseDevelopmentStorage=true"},
        {
            "AUTH_REQUIRED": "false",
            "AzureWebJobsStorage": f"DefaultEndpointsProtocol=https;AccountName=a;AccountKey={KEY};"
            "EndpointSuffix=core.windows.net",
        },
        {
            "AUTH_REQUIRED": "false",
            "AzureWebJobsStorage": "SharedAccessSignature=sv=1&sig=x;AccountName=a",
        },
        {
            "AUTH_REQUIRED": "false",
            "AzureWebJobsStorage": "SharedAccessSignature=sv=1&sig=x;BlobEndpoint=https://b.example;"
            "QueueEndpoint=https://q.example;TableEndpoint=https://t.example",
        },
        {
            "AUTH_REQUIRED": "false",
            "AzureWebJobsStorage__accountName": "prodorders",
            "PAGING_TOKEN_SECRET": "k" * 32,
        },
        BASE | {"CORS_ALLOWED_ORIGINS": " https://a.example/ ,http://localhost:3000,, "},
        BASE | {"ORDER_SWEEP_SCHEDULE": "0 0 2 * * *", "ORDER_PENDING_TTL_HOURS": "8760"},
        BASE | {"THUMBNAIL_SIZE": " 64X48 ", "THUMBNAIL_FIT": "Cover"},
        BASE | {"PAGING_TOKEN_SECRET": "x" * 32},
    ],
)
def test_good_settings_pass(env: dict[str, str]) -> None:
    assert check_settings(env) == []


def test_every_bad_setting_is_reported_at_once() -> None:
    env = BASE | {"THUMBNAIL_FIT": "squash", "ORDER_PENDING_TTL_HOURS": "0", "THUMBNAIL_SIZE": "-5"}
    names = [problem.name for problem in check_settings(env)]
    assert sorted(names) == ["ORDER_PENDING_TTL_HOURS", "THUMBNAIL_FIT", "THUMBNAIL_SIZE"]


def test_missing_storage_names_both_ways_to_connect() -> None:
    only_blob = {
        "AUTH_REQUIRED": "false",
        "AzureWebJobsStorage__blobServiceUri": "https://b.example",
    }
    [problem] = check_settings(only_blob | {"PAGING_TOKEN_SECRET": "k" * 32})
    assert problem.name == "AzureWebJobsStorage"
    assert "AzureWebJobsStorage__accountName" in problem.rule


def test_an_identity_connection_needs_a_paging_secret() -> None:
    [problem] = check_settings(
        {"AUTH_REQUIRED": "false", "AzureWebJobsStorage__accountName": "prodorders"}
    )
    assert (problem.name, "must be set" in problem.rule) == ("PAGING_TOKEN_SECRET", True)


def test_secrets_never_reach_the_message() -> None:
    secret = "s3cr3t-but-too-short"
    connection = "AccountName=prod;AccountKey=this-is-not-base64!"
    with pytest.raises(SettingsError) as raised:
        load_settings(
            {
                "AUTH_REQUIRED": "false",
                "AzureWebJobsStorage": connection,
                "PAGING_TOKEN_SECRET": secret,
            }
        )
    assert [p.name for p in raised.value.problems] == ["AzureWebJobsStorage", "PAGING_TOKEN_SECRET"]
    for value in (secret, "this-is-not-base64", "prod"):
        assert value not in raised.value.detail
