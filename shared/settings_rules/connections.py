"""The rules of storage connections: connection strings, identity-based connections, the
order accounts (ORDER_STORAGE_CONNECTIONS) and the uploads connection, each checked as the
Functions host reads its own (AzureWebJobsStorage)."""

from __future__ import annotations

import base64
import binascii
import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from shared.settings_rules.base import Rule, SettingProblem, https_url
from shared.settings_syntax import (
    ORDER_CONNECTIONS_SETTING,
    STORAGE,
    UPLOADS_CONNECTION,
    order_connection_names,
    uploads_connection_set,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["HOST_IDENTITY_RULES", "MIN_PAGING_SECRET", "connection_problems"]

_CONNECTIONS_RULE = (
    "must be a comma-separated list of 1 to 32 connection setting names, each listed once "
    f"(for example {STORAGE},OrdersStorage1,OrdersStorage2), each of them a connection set "
    f"as {STORAGE} is: a connection string, or <name>__accountName or <name>__blobServiceUri, "
    "__queueServiceUri and __tableServiceUri for an identity-based connection"
)
MIN_PAGING_SECRET = 32  # characters; infra generates a longer one
_SERVICES = ("blob", "queue", "table")
_ACCOUNT_NAME = re.compile(r"[a-z0-9]{3,24}")
_STORAGE_RULE = (
    "must be UseDevelopmentStorage=true or a storage connection string (Name=Value pairs "
    "separated by ';' with AccountName and a base64 AccountKey, or a SharedAccessSignature "
    "with AccountName or with BlobEndpoint, QueueEndpoint and TableEndpoint); or leave it "
    f"empty and set {STORAGE}__accountName for an identity-based connection"
)

# The identity settings of a connection (AzureWebJobsStorage, and each order account's).
_IDENTITY_RULES: dict[str, Rule] = {
    "__credential": (
        lambda raw: raw.lower() == "managedidentity",
        "must be managedidentity or unset (the host's one documented value; another would "
        "silently pick another identity)",
    ),
    "__accountName": (
        lambda raw: _ACCOUNT_NAME.fullmatch(raw) is not None,
        "must be a storage account name: 3-24 lowercase letters and digits",
    ),
    **{f"__{service}ServiceUri": (https_url, "must be an https:// URL") for service in _SERVICES},
}
# AzureWebJobsStorage's: optional settings, checked with the others when set.
HOST_IDENTITY_RULES = {f"{STORAGE}{suffix}": rule for suffix, rule in _IDENTITY_RULES.items()}


def _is_base64(text: str) -> bool:
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return False
    return bool(text)


def _connection_string_ok(raw: str) -> bool:
    if raw.replace(" ", "").lower() == "usedevelopmentstorage=true":
        return True
    pairs = [part.split("=", 1) for part in raw.rstrip(";").split(";")]
    if any(len(pair) != 2 or not pair[0].strip() for pair in pairs):
        return False
    found = {name.strip().lower(): value.strip() for name, value in pairs}
    endpoints = [found.get(f"{service}endpoint", "") for service in _SERVICES]
    if not all(urlsplit(url).scheme in ("http", "https") for url in endpoints if url):
        return False
    if found.get("accountname") and _is_base64(found.get("accountkey", "")):
        return True
    return bool(found.get("sharedaccesssignature")) and (
        bool(found.get("accountname")) or all(endpoints)
    )


_PAGING_SECRET_NEEDED = SettingProblem(
    "PAGING_TOKEN_SECRET",
    f"must be set (at least {MIN_PAGING_SECRET} random characters) with an identity-based "
    f"{STORAGE} connection: it holds no secret to sign continuation tokens with (azd up "
    "generates one)",
)


def _storage_problems(env: Mapping[str, str], name: str = STORAGE) -> list[SettingProblem]:
    connection = env.get(name, "").strip()
    rule = _STORAGE_RULE.replace(STORAGE, name)
    if connection:
        return [] if _connection_string_ok(connection) else [SettingProblem(name, rule)]
    if name == STORAGE and not env.get("PAGING_TOKEN_SECRET", "").strip():
        # Deriving the key from an identity connection's public URIs would let anyone forge.
        return [_PAGING_SECRET_NEEDED]
    if env.get(f"{name}__accountName", "").strip():
        return []
    missing = [
        f"{name}__{service}ServiceUri"
        for service in _SERVICES
        if not env.get(f"{name}__{service}ServiceUri", "").strip()
    ]
    return [SettingProblem(name, rule)] if missing else []


def _order_account_problems(env: Mapping[str, str]) -> list[SettingProblem]:
    """Each listed connection must be a connection, under the same rules as the host's own."""
    names = order_connection_names(env.get(ORDER_CONNECTIONS_SETTING, ""))
    if names is None:
        return [SettingProblem(ORDER_CONNECTIONS_SETTING, _CONNECTIONS_RULE)]
    problems: list[SettingProblem] = []
    for name in names:
        if name != STORAGE:  # the host's own is checked with its settings
            problems += _connection_problems(env, name)
    return problems


def _connection_problems(env: Mapping[str, str], name: str) -> list[SettingProblem]:
    """Connection `name` under the same rules as the host's own."""
    problems = _storage_problems(env, name)
    for suffix, (accepts, rule) in _IDENTITY_RULES.items():
        raw = env.get(f"{name}{suffix}", "").strip()
        if raw and not accepts(raw):
            problems.append(SettingProblem(f"{name}{suffix}", rule))
    return problems


def _uploads_problems(env: Mapping[str, str]) -> list[SettingProblem]:
    """UploadsStorage, under the host's connection rules, when it is set."""
    return _connection_problems(env, UPLOADS_CONNECTION) if uploads_connection_set(env) else []


def connection_problems(env: Mapping[str, str]) -> list[SettingProblem]:
    """Every storage connection's problems: the host's own (AzureWebJobsStorage; its identity
    settings are among the optional ones, HOST_IDENTITY_RULES), then each order account's,
    then the uploads connection's."""
    return _storage_problems(env) + _order_account_problems(env) + _uploads_problems(env)
