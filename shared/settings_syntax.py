"""How the settings that the app is indexed by are written, for their reader and their rules.

The settings reader (shared/config.py) and the settings check (shared.settings_rules) must
agree on what a value means, so each parse is here once: on/off switches, lists, whole
numbers, and the settings the blueprints read when the worker indexes the app (the number of
event queues, the order accounts, the uploads connection). The check itself loads with the
first read of the settings, not with the app (cold start, tests/unit/test_cold_start.py);
this module is what the import of the app needs of it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = [
    "EVENT_QUEUES_RULE",
    "EVENT_QUEUES_SETTING",
    "MAX_EVENT_QUEUES",
    "MAX_ORDER_ACCOUNTS",
    "ORDER_CONNECTIONS_SETTING",
    "STORAGE",
    "UPLOADS_CONNECTION",
    "event_queues_ok",
    "order_connection_names",
    "read_switch",
    "split_list",
    "uploads_connection_set",
    "whole_number",
]

STORAGE = "AzureWebJobsStorage"
# The account the internet writes to (upload SAS URLs) and the image feature's data lives in:
# uploads, thumbnails, image statuses. Apart from the host's, so that the host's account can
# be closed to public networks (docs/deploy.md, "What gets created").
UPLOADS_CONNECTION = "UploadsStorage"
EVENT_QUEUES_SETTING = "ORDER_EVENT_QUEUES"
# Each queue is a function polling while idle and a pair of queues to provision; 64 queues
# carry 128,000 messages/s at Azure's per-queue target (docs/capacity.md).
MAX_EVENT_QUEUES = 64
ORDER_CONNECTIONS_SETTING = "ORDER_STORAGE_CONNECTIONS"
MAX_ORDER_ACCOUNTS = 32
_SETTING_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}")

_TRUE = frozenset({"1", "true", "t", "yes", "y"})
_FALSE = frozenset({"0", "false", "f", "no", "n"})


def read_switch(raw: str) -> bool | None:
    """An on/off setting, read as the Python worker and the platform write theirs ("True",
    "1"); None when unset or neither."""
    value = raw.strip().lower()
    return True if value in _TRUE else False if value in _FALSE else None


def split_list(raw: str) -> tuple[str, ...]:
    """A comma-separated list setting's items, trimmed, empty ones dropped."""
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def whole_number(low: int, high: int) -> tuple[Callable[[str], bool], str]:
    """Whether a value is a whole number from `low` to `high`, and that rule in words."""

    def ok(raw: str) -> bool:
        return raw.isascii() and raw.isdigit() and low <= int(raw) <= high

    return ok, f"must be a whole number from {low} to {high}"


event_queues_ok, EVENT_QUEUES_RULE = whole_number(1, MAX_EVENT_QUEUES)


def order_connection_names(raw: str) -> tuple[str, ...] | None:
    """The connection names ORDER_STORAGE_CONNECTIONS lists, or None if the list breaks its
    rule. Unset means the one account of AzureWebJobsStorage."""
    if not raw.strip():
        return (STORAGE,)
    names = tuple(name.strip() for name in raw.split(","))
    fine = all(_SETTING_NAME.fullmatch(name) for name in names) and len(set(names)) == len(names)
    return names if fine and len(names) <= MAX_ORDER_ACCOUNTS else None


def uploads_connection_set(env: Mapping[str, str]) -> bool:
    """Whether UploadsStorage (or one of its `__` settings) is set. Unset, the app's image
    clients use AzureWebJobsStorage; the host still needs it for make_thumbnail's trigger."""
    prefix = f"{UPLOADS_CONNECTION}__"
    names = [n for n in env if n == UPLOADS_CONNECTION or n.startswith(prefix)]
    return any(env.get(name, "").strip() for name in names)
