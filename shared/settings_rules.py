"""Every app setting's rule, checked once when settings are loaded.

A bad setting must stop the app with a message that names it and says what is allowed, not
surface as a 500 on some request much later. Problems name the setting and its rule only,
never its value: connection strings and secrets must not reach a log line or a response.
The reading of the settings (shared/config.py) may then trust what it reads.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = [
    "AUTH_SETTINGS",
    "AZURE_MARKERS",
    "EVENT_QUEUES_SETTING",
    "MAX_EVENT_QUEUES",
    "MAX_ORDER_ACCOUNTS",
    "MIN_PAGING_SECRET",
    "ORDER_CONNECTIONS_SETTING",
    "UPLOADS_CONNECTION",
    "SettingProblem",
    "azure_marker",
    "check_settings",
    "event_queues_ok",
    "issuer_url_ok",
    "order_connection_names",
    "read_switch",
    "split_list",
    "uploads_connection_set",
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


_TRUE = frozenset({"1", "true", "t", "yes", "y"})
_FALSE = frozenset({"0", "false", "f", "no", "n"})


def read_switch(raw: str) -> bool | None:
    """An on/off setting, read as the Python worker and the platform write theirs ("True",
    "1"); None when unset or neither."""
    value = raw.strip().lower()
    return True if value in _TRUE else False if value in _FALSE else None


@dataclass(frozen=True, slots=True)
class SettingProblem:
    """One app setting that breaks its rule: its name, and the rule (never the value)."""

    name: str
    rule: str

    def __str__(self) -> str:
        return f"{self.name} {self.rule}"


def _whole_number(low: int, high: int) -> tuple[Callable[[str], bool], str]:
    def ok(raw: str) -> bool:
        return raw.isascii() and raw.isdigit() and low <= int(raw) <= high

    return ok, f"must be a whole number from {low} to {high}"


def _thumbnail_size(raw: str) -> bool:
    sides = raw.lower().split("x")
    return len(sides) <= 2 and all(_whole_number(1, 4096)[0](side) for side in sides)


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


def _https_url(raw: str) -> bool:
    url = urlsplit(raw)
    return url.scheme == "https" and bool(url.netloc) and not (url.query or url.fragment)


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


def split_list(raw: str) -> tuple[str, ...]:
    """A comma-separated list setting's items, trimmed, empty ones dropped."""
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def _token_list(raw: str) -> bool:
    items = split_list(raw)
    return bool(items) and all(len(i) <= 256 and not any(c.isspace() for c in i) for i in items)


event_queues_ok, _EVENT_QUEUES_RULE = _whole_number(1, MAX_EVENT_QUEUES)

# The identity settings of a connection (AzureWebJobsStorage, and each order account's).
_CONNECTION_RULES: dict[str, tuple[Callable[[str], bool], str]] = {
    "__credential": (
        lambda raw: raw.lower() == "managedidentity",
        "must be managedidentity or unset (the host's one documented value; another would "
        "silently pick another identity)",
    ),
    "__accountName": (
        lambda raw: _ACCOUNT_NAME.fullmatch(raw) is not None,
        "must be a storage account name: 3-24 lowercase letters and digits",
    ),
    **{f"__{service}ServiceUri": (_https_url, "must be an https:// URL") for service in _SERVICES},
}

# Settings that are optional: checked only when set. name -> (accepts, rule)
_RULES: dict[str, tuple[Callable[[str], bool], str]] = {
    "ORDER_PENDING_TTL_HOURS": _whole_number(1, 24 * 365),
    EVENT_QUEUES_SETTING: (event_queues_ok, _EVENT_QUEUES_RULE),
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
    "AUTH_REQUIRED": (lambda raw: read_switch(raw) is not None, "must be true or false"),
    "AUTH_ISSUER": (
        _https_url,
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
    "THUMBNAIL_QUALITY": _whole_number(1, 100),
    "THUMBNAIL_MAX_BYTES": _whole_number(1, 2**40),
    "THUMBNAIL_MAX_PIXELS": _whole_number(1, 2**40),
    # At most an hour: the storage account's SAS expiration policy (infra/) logs longer ones.
    "THUMBNAIL_URL_TTL_SECONDS": _whole_number(1, 60 * 60),
    **{f"{STORAGE}{suffix}": rule for suffix, rule in _CONNECTION_RULES.items()},
}


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


def order_connection_names(raw: str) -> tuple[str, ...] | None:
    """The connection names ORDER_STORAGE_CONNECTIONS lists, or None if the list breaks its
    rule. Unset means the one account of AzureWebJobsStorage."""
    if not raw.strip():
        return (STORAGE,)
    names = tuple(name.strip() for name in raw.split(","))
    fine = all(_SETTING_NAME.fullmatch(name) for name in names) and len(set(names)) == len(names)
    return names if fine and len(names) <= MAX_ORDER_ACCOUNTS else None


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
    for suffix, (accepts, rule) in _CONNECTION_RULES.items():
        raw = env.get(f"{name}{suffix}", "").strip()
        if raw and not accepts(raw):
            problems.append(SettingProblem(f"{name}{suffix}", rule))
    return problems


def uploads_connection_set(env: Mapping[str, str]) -> bool:
    """Whether UploadsStorage (or one of its `__` settings) is set. Unset, the app's image
    clients use AzureWebJobsStorage; the host still needs it for make_thumbnail's trigger."""
    prefix = f"{UPLOADS_CONNECTION}__"
    names = [n for n in env if n == UPLOADS_CONNECTION or n.startswith(prefix)]
    return any(env.get(name, "").strip() for name in names)


def _uploads_problems(env: Mapping[str, str]) -> list[SettingProblem]:
    """UploadsStorage, under the host's connection rules, when it is set."""
    return _connection_problems(env, UPLOADS_CONNECTION) if uploads_connection_set(env) else []


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


def _auth_problems(env: Mapping[str, str]) -> list[SettingProblem]:
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


def check_settings(env: Mapping[str, str]) -> list[SettingProblem]:
    """Every problem with the app settings in `env`, in a stable order; empty when all is well."""
    problems = _storage_problems(env)
    problems += _order_account_problems(env)
    problems += _uploads_problems(env)
    for name, (accepts, rule) in _RULES.items():
        raw = env.get(name, "").strip()
        if raw and not accepts(raw):
            problems.append(SettingProblem(name, rule))
    if not any(problem.name == "AUTH_REQUIRED" for problem in problems):
        problems += _auth_problems(env)
    return problems
