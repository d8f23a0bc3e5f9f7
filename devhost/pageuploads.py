"""Let pages devhost serves upload to its storage, when that storage is a local Azurite.

A page served by the app (the upload page, /api/upload) PUTs files straight to the blob
service with a SAS URL: a cross-origin request that the browser sends only if the blob service
has a CORS rule for the page's origin (docs/images.md, "Browser uploads and CORS"). `make run`
sets that rule before it starts the host; started any other way (`python -m devhost` from a
terminal or the editor, against the VS Code Azurite extension's emulator, say) nothing did, and
the page failed with a bare "Failed to fetch". So devhost adds its own origins to the rule
itself, at start, before it serves: only on a local emulator (an http blob endpoint on
loopback, or Azurite's development account), never on a real account, whose rules are
infrastructure's (infra/modules/storage.bicep). Rules already there are kept.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from devhost.azurite import BLOB_CORS, BLOB_CORS_MAX_AGE
from devhost.storage import ConnectionSettingError
from shared.azurite import ACCOUNT

if TYPE_CHECKING:
    from collections.abc import Iterable

    from azure.storage.blob.aio import BlobServiceClient

    from devhost.storage import StorageAccounts

__all__ = ["allow_page_uploads", "local_blob_endpoint", "page_origins"]

logger = logging.getLogger(__name__)
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
MAX_RULES = 5  # the blob service's limit (Set Blob Service Properties)
TIMEOUT_S = 3.0  # a local emulator answers in milliseconds; a stopped one must not hold the start


def local_blob_endpoint(connection_string: str) -> str | None:
    """The blob endpoint of a connection string that names a local emulator, else None."""
    parts = dict(p.split("=", 1) for p in connection_string.split(";") if "=" in p)
    endpoint = parts.get("BlobEndpoint", "")
    url = urlsplit(endpoint)
    if url.scheme != "http":  # every Azure endpoint is https
        return None
    if url.hostname in LOOPBACK or parts.get("AccountName") == ACCOUNT:
        return endpoint
    return None


def page_origins(port: int) -> list[str]:
    """The origins a browser gives pages devhost serves on `port` (both loopback names)."""
    return [f"http://localhost:{port}", f"http://127.0.0.1:{port}"]


def _words(value: str | list[str]) -> set[str]:
    items = value.split(",") if isinstance(value, str) else value
    return {item.strip().lower() for item in items if item.strip()}


def _admits(rule: Any, origin: str) -> bool:
    """Whether `rule` lets a page at `origin` send the upload's PUT (and its preflight)."""
    origins, headers = _words(rule.allowed_origins), _words(rule.allowed_headers)
    methods = {m.upper() for m in _words(rule.allowed_methods)}
    wanted = set(BLOB_CORS["allowed_headers"])
    return (
        bool(origins & {origin.lower(), "*"})
        and {"PUT", "OPTIONS"} <= methods
        and ("*" in headers or wanted <= headers)
    )


def _is_ours(rule: Any) -> bool:
    """A rule with exactly the upload rule's methods and headers: extend it, add no other."""
    return _words(rule.allowed_methods) == _words(BLOB_CORS["allowed_methods"]) and _words(
        rule.allowed_headers
    ) == _words(BLOB_CORS["allowed_headers"])


def _with_origins(rules: list[Any], missing: list[str]) -> list[Any] | None:
    """The rules with `missing` admitted: added to our rule, or a new one; None when the
    service already holds its 5 rules and none is ours."""
    from azure.storage.blob import CorsRule

    mine = next((rule for rule in rules if _is_ours(rule)), None)
    origins = sorted(_words(mine.allowed_origins)) if mine is not None else []
    if mine is None and len(rules) >= MAX_RULES:
        return None
    rule = CorsRule(
        [*origins, *missing],
        BLOB_CORS["allowed_methods"],
        allowed_headers=BLOB_CORS["allowed_headers"],
        exposed_headers=BLOB_CORS["exposed_headers"],
        max_age_in_seconds=BLOB_CORS_MAX_AGE,
    )
    return [r for r in rules if r is not mine] + [rule]


async def allow_page_uploads(
    storage: StorageAccounts, port: int, connections: Iterable[str | None] = (None,)
) -> None:
    """Admit this host's origins to the blob CORS rule of each connection's account (None:
    AzureWebJobsStorage) that is a local Azurite, where they are not admitted yet. Never
    fails the start: a warning says what to do."""
    if port == 0:
        return
    seen: set[str] = set()
    for connection in connections:
        try:
            endpoint = local_blob_endpoint(storage.connection_string(connection))
        except ConnectionSettingError:
            continue  # the host's own checks report it
        if endpoint is not None and endpoint not in seen:
            seen.add(endpoint)
            await _allow_on(storage, connection, endpoint, page_origins(port))


async def _allow_on(
    storage: StorageAccounts, connection: str | None, endpoint: str, origins: list[str]
) -> None:
    try:
        async with asyncio.timeout(TIMEOUT_S):
            added = await _admit(storage.blob(connection), origins)
    except Exception as exc:  # noqa: BLE001 - any failure leaves the page to say what failed
        added, reason = None, type(exc).__name__
    else:
        reason = "five_rules_already"
    if added is None:
        logger.warning(
            "blob_cors_not_set endpoint=%s reason=%s: browser uploads from %s need a CORS rule "
            "(docs/images.md, Browser uploads and CORS)",
            endpoint,
            reason,
            ", ".join(origins),
        )
    elif added:
        logger.info("blob_cors_set endpoint=%s origins=%s", endpoint, ",".join(added))


async def _admit(service: BlobServiceClient, origins: list[str]) -> list[str] | None:
    """The origins added to the rules ([] when all were admitted), None when none could be."""
    rules = list((await service.get_service_properties()).get("cors") or [])
    missing = [o for o in origins if not any(_admits(rule, o) for rule in rules)]
    if not missing:
        return []
    updated = _with_origins(rules, missing)
    if updated is None:
        return None
    await service.set_service_properties(cors=updated)
    return missing
