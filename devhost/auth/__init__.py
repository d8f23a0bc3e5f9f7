"""App Service authentication ("Easy Auth") played locally: `python -m devhost --easy-auth`.

`issuer` keeps a local test issuer (key pair and names) under `.devhost/auth/`; `tokens`
mints its tokens (`python -m devhost.auth token`); `validation` checks them as Easy Auth
checks Entra ID's; `principal` writes the caller in the platform's headers; `gate` decides
each request (pass, pass with a caller, or 401); `platform` sets what the platform puts in
the app's environment. docs/security.md, "Locally", says what it reproduces and what not.
"""

from devhost.auth.exceptions import (
    EasyAuthError,
    ExcludedPathsInvalid,
    IssuerUnreadable,
    PlatformClaimedWithoutEmulation,
    TokenRejected,
)
from devhost.auth.gate import EasyAuth, Refusal
from devhost.auth.issuer import LocalIssuer
from devhost.auth.platform import check_platform_setting, emulate_platform
from devhost.auth.tokens import mint

__all__ = [
    "EasyAuth",
    "EasyAuthError",
    "ExcludedPathsInvalid",
    "IssuerUnreadable",
    "LocalIssuer",
    "PlatformClaimedWithoutEmulation",
    "Refusal",
    "TokenRejected",
    "check_platform_setting",
    "emulate_platform",
    "mint",
]
