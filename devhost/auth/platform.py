"""The settings the platform puts in the app's environment when authentication is on, set
before the app is imported as the worker finds them on Azure.

App Service injects `WEBSITE_AUTH_ENABLED=True` while built-in authentication is on
(https://learn.microsoft.com/azure/app-service/reference-app-settings#authentication--authorization),
and this app's infra sets `AUTH_REQUIRED=true`: `--easy-auth` runs the app as deployed, both
locks on, whatever local.settings.json says (its example turns AUTH_REQUIRED off for runs
without authentication). Without `--easy-auth`, WEBSITE_AUTH_ENABLED must not be on: it tells
the app to trust `X-MS-CLIENT-PRINCIPAL`, and nothing would strip a forged one.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from devhost.auth.exceptions import PlatformClaimedWithoutEmulation

if TYPE_CHECKING:
    from collections.abc import MutableMapping

__all__ = ["AS_DEPLOYED", "PLATFORM_SWITCH", "check_platform_setting", "emulate_platform"]

logger = logging.getLogger(__name__)

PLATFORM_SWITCH = "WEBSITE_AUTH_ENABLED"
AS_DEPLOYED = {PLATFORM_SWITCH: "True", "AUTH_REQUIRED": "true"}
_OFF = frozenset({"", "false", "0", "no", "off"})


def emulate_platform(environ: MutableMapping[str, str]) -> None:
    for name, value in AS_DEPLOYED.items():
        previous = environ.get(name)
        environ[name] = value
        if previous is not None and previous != value:
            logger.info("easy_auth_setting name=%s value=%s replaced=%s", name, value, previous)


def check_platform_setting(environ: MutableMapping[str, str]) -> None:
    """Refuse a WEBSITE_AUTH_ENABLED that is on when devhost does not emulate the platform."""
    if environ.get(PLATFORM_SWITCH, "").strip().lower() not in _OFF:
        raise PlatformClaimedWithoutEmulation(
            f"{PLATFORM_SWITCH} is set, so the app would trust X-MS-CLIENT-PRINCIPAL headers, "
            "but without --easy-auth nothing strips forged ones: unset it, or run with "
            "--easy-auth"
        )
