"""The settings the platform and infra put in the app's environment when authentication is on,
set before the app is imported as the worker finds them on Azure.

App Service injects `WEBSITE_AUTH_ENABLED=True` while built-in authentication is on
(https://learn.microsoft.com/azure/app-service/reference-app-settings#authentication--authorization);
this app's infra sets `AUTH_REQUIRED=true` and the issuer, audiences and allowed clients the
app checks each token against. `--easy-auth` runs the app as deployed, both locks on, with
the local issuer in Entra ID's place, whatever local.settings.json says (its example turns
AUTH_REQUIRED off for runs without authentication). The one exception is
AUTH_ALLOWED_CLIENT_APPLICATIONS: a list set in local.settings.json is kept (and the gate uses
it too), as infra feeds one list to Easy Auth and to the app.

WEBSITE_AUTH_ENABLED opens nothing in the app (it verifies every token itself), so devhost no
longer refuses it without `--easy-auth`; tests run the app that way on purpose.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import MutableMapping

    from devhost.auth.issuer import LocalIssuer

__all__ = [
    "ALLOWED_CLIENTS",
    "PLATFORM_SWITCH",
    "allowed_clients",
    "as_deployed",
    "emulate_platform",
]

logger = logging.getLogger(__name__)

PLATFORM_SWITCH = "WEBSITE_AUTH_ENABLED"
ALLOWED_CLIENTS = "AUTH_ALLOWED_CLIENT_APPLICATIONS"


def as_deployed(issuer: LocalIssuer, configuration_url: str) -> dict[str, str]:
    """The authentication settings of the deployed app, for the local issuer."""
    return {
        PLATFORM_SWITCH: "True",
        "AUTH_REQUIRED": "true",
        "AUTH_ISSUER": issuer.issuer,
        "AUTH_OPENID_CONFIGURATION_URL": configuration_url,
        "AUTH_AUDIENCES": ",".join(issuer.audiences),
    }


def emulate_platform(
    environ: MutableMapping[str, str], issuer: LocalIssuer, configuration_url: str
) -> None:
    for name, value in as_deployed(issuer, configuration_url).items():
        previous = environ.get(name)
        environ[name] = value
        if previous is not None and previous != value:
            logger.info("easy_auth_setting name=%s value=%s replaced=%s", name, value, previous)
    if not environ.get(ALLOWED_CLIENTS, "").strip():
        environ[ALLOWED_CLIENTS] = issuer.client_app_id


def allowed_clients(environ: MutableMapping[str, str]) -> frozenset[str]:
    """The client ids the platform lets through (`allowedApplications`), from the same
    setting the app reads."""
    return frozenset(c.strip() for c in environ.get(ALLOWED_CLIENTS, "").split(",") if c.strip())
