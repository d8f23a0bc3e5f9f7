"""Every app setting's rule, checked once when settings are loaded: `check_settings`.

A bad setting must stop the app with a message that names it and says what is allowed, not
surface as a 500 on some request much later. Problems name the setting and its rule only,
never its value: connection strings and secrets must not reach a log line or a response.
The reading of the settings (shared/config.py) may then trust what it reads.

The storage connections' rules are in `connections`, who may call in `auth`; the rest, each
a rule of one optional setting, are here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from shared.settings_rules.auth import AUTH_RULES, auth_problems
from shared.settings_rules.base import Rule, SettingProblem
from shared.settings_rules.connections import (
    HOST_IDENTITY_RULES,
    MIN_PAGING_SECRET,
    connection_problems,
)
from shared.settings_syntax import (
    EVENT_QUEUES_RULE,
    EVENT_QUEUES_SETTING,
    event_queues_ok,
    whole_number,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["check_settings"]


def _thumbnail_size(raw: str) -> bool:
    sides = raw.lower().split("x")
    return len(sides) <= 2 and all(whole_number(1, 4096)[0](side) for side in sides)


def _is_origin(raw: str) -> bool:
    try:
        url = urlsplit(raw.rstrip("/"))
        port_ok = url.port is None or 0 < url.port < 65536
    except ValueError:  # a port that is not a number
        return False
    bare = not (url.path or url.query or url.fragment or url.username or "@" in url.netloc)
    return url.scheme in ("http", "https") and bool(url.hostname) and bare and port_ok


def _origins(raw: str) -> bool:
    return all(_is_origin(item.strip()) for item in raw.split(",") if item.strip())


def _ncrontab(raw: str) -> bool:
    # The one parser (devhost's timers use it too), imported on the first check rather than
    # with the app: its schedule class is a cost every cold start would pay for nothing.
    from shared.ncrontab import ncrontab_problem

    return ncrontab_problem(raw) is None


# Settings that are optional: checked only when set, in this order. name -> (accepts, rule)
_RULES: dict[str, Rule] = {
    "ORDER_PENDING_TTL_HOURS": whole_number(1, 24 * 365),
    EVENT_QUEUES_SETTING: (event_queues_ok, EVENT_QUEUES_RULE),
    "ORDER_SWEEP_SCHEDULE": (
        _ncrontab,
        "must be an NCRONTAB expression of 6 fields, second minute hour day month day-of-week "
        "(for example 0 0 2 * * * for 2 AM UTC every day), or of 5 fields without the second",
    ),
    "CORS_ALLOWED_ORIGINS": (
        _origins,
        "must be a comma-separated list of origins, each scheme://host[:port] with scheme "
        "http or https and no path (for example https://shop.example,http://localhost:3000); "
        "a wildcard is not supported",
    ),
    "PAGING_TOKEN_SECRET": (
        lambda raw: len(raw) >= MIN_PAGING_SECRET,
        f"must be at least {MIN_PAGING_SECRET} characters (for example the output of "
        "openssl rand -base64 32)",
    ),
    "THUMBNAIL_SIZE": (_thumbnail_size, "must be N or WxH, each a whole number from 1 to 4096"),
    "THUMBNAIL_FIT": (lambda raw: raw.lower() in ("contain", "cover"), "must be contain or cover"),
    **AUTH_RULES,
    "THUMBNAIL_QUALITY": whole_number(1, 100),
    "THUMBNAIL_MAX_BYTES": whole_number(1, 2**40),
    "THUMBNAIL_MAX_PIXELS": whole_number(1, 2**40),
    # At most an hour: the storage account's SAS expiration policy (infra/) logs longer ones.
    "THUMBNAIL_URL_TTL_SECONDS": whole_number(1, 60 * 60),
    **HOST_IDENTITY_RULES,
}


def check_settings(env: Mapping[str, str]) -> list[SettingProblem]:
    """Every problem with the app settings in `env`, in a stable order; empty when all is well."""
    problems = connection_problems(env)
    for name, (accepts, rule) in _RULES.items():
        raw = env.get(name, "").strip()
        if raw and not accepts(raw):
            problems.append(SettingProblem(name, rule))
    if not any(problem.name == "AUTH_REQUIRED" for problem in problems):
        problems += auth_problems(env)
    return problems
