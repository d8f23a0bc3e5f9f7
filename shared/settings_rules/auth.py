"""The rules of who may call (docs/security.md): each AUTH_* setting's form, and the rule that
fails closed, that on Azure callers are always authenticated and authentication has what it
needs."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from shared.settings_rules.base import Rule, SettingProblem, https_url
from shared.settings_syntax import read_switch, split_list

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "AUTH_RULES",
    "AUTH_SETTINGS",
    "AZURE_MARKERS",
    "auth_problems",
    "azure_marker",
    "issuer_url_ok",
]

_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


def issuer_url_ok(raw: str) -> bool:
    """Where signing keys may be fetched from: https, or plain http to this machine only (a
    local test issuer, such as devhost --easy-auth's): keys over the network in the clear
    could be swapped on the way."""
    try:
        url = urlsplit(raw)
        host = url.hostname
    except ValueError:
        return False
    if url.scheme == "https":
        return bool(host) and not url.fragment
    return url.scheme == "http" and host in _LOOPBACK and not url.fragment


def _token_list(raw: str) -> bool:
    items = split_list(raw)
    return bool(items) and all(len(i) <= 256 and not any(c.isspace() for c in i) for i in items)


# Optional settings: checked only when set. name -> (accepts, rule)
AUTH_RULES: dict[str, Rule] = {
    "AUTH_REQUIRED": (lambda raw: read_switch(raw) is not None, "must be true or false"),
    "AUTH_ISSUER": (
        https_url,
        "must be the https:// issuer (iss) of the tokens the app accepts, for example "
        "https://login.microsoftonline.com/<tenant id>/v2.0",
    ),
    "AUTH_OPENID_CONFIGURATION_URL": (
        issuer_url_ok,
        "must be the https:// URL of the issuer's OpenID configuration (http only to "
        "localhost, for a local test issuer); unset, it is AUTH_ISSUER's "
        "/.well-known/openid-configuration",
    ),
    "AUTH_AUDIENCES": (
        _token_list,
        "must be a comma-separated list of the audiences (aud) tokens may name, for example "
        "<client id>,api://<client id>",
    ),
    "AUTH_ALLOWED_CLIENT_APPLICATIONS": (
        _token_list,
        "must be a comma-separated list of the client ids (azp, or appid in a v1 token) "
        "allowed to call the API",
    ),
    "CUSTOMER_ID_CLAIM": (
        lambda raw: len(raw) <= 256 and not any(c.isspace() for c in raw),
        "must be a claim type: at most 256 characters, no spaces (for example oid, or a "
        "directory extension such as extension_<app id>_customerId)",
    ),
}

# Set by the platform on Azure, never by Core Tools or devhost: WEBSITE_SITE_NAME (the app's
# name) and WEBSITE_SKU on every App Service plan; WEBSITE_INSTANCE_ID on App Service, the
# dedicated and Windows plans; on Flex Consumption, WEBSITE_SKU=FlexConsumption, and
# LEGION_SERVICE_HOST with WEBSITE_POD_NAME (or CONTAINER_NAME) while WEBSITE_INSTANCE_ID is
# unset (the Functions host's own tests of IsFlexConsumptionSku). Not markers: CONTAINER_NAME
# alone (container tooling sets it on developers' machines and CI runners) and
# WEBSITE_HOSTNAME (Core Tools sets it to localhost:<port>). docs/security.md, "Settings that
# cannot open the door", cites each.
AZURE_MARKERS = (
    "WEBSITE_INSTANCE_ID",
    "WEBSITE_SITE_NAME",
    "WEBSITE_SKU",
    "LEGION_SERVICE_HOST",
    "WEBSITE_POD_NAME",
)
# Required while AUTH_REQUIRED is on (the default, and always on Azure).
AUTH_SETTINGS = ("AUTH_ISSUER", "AUTH_AUDIENCES", "AUTH_ALLOWED_CLIENT_APPLICATIONS")


def azure_marker(env: Mapping[str, str]) -> str | None:
    """The first platform variable that says the app runs on Azure; None locally."""
    return next((name for name in AZURE_MARKERS if env.get(name, "").strip()), None)


def auth_problems(env: Mapping[str, str]) -> list[SettingProblem]:
    """Fail closed: on Azure callers must always be authenticated, and authenticating needs
    the issuer, the audiences and the allowed clients (infra/ sets all three; locally,
    python -m devhost --easy-auth does)."""
    required = read_switch(env.get("AUTH_REQUIRED", "")) is not False
    marker = azure_marker(env)
    if not required and marker is not None:
        rule = (
            f"must not be false on Azure ({marker} is set by the platform): anonymous callers "
            "would act as a back-office user; remove the setting"
        )
        return [SettingProblem("AUTH_REQUIRED", rule)]
    if not required:
        return []
    return [
        SettingProblem(
            name,
            "must be set while AUTH_REQUIRED is true (the default): the app verifies each "
            "caller's token itself (infra/ sets it; locally, python -m devhost --easy-auth)",
        )
        for name in AUTH_SETTINGS
        if not env.get(name, "").strip()
    ]
