"""App Service authentication ("Easy Auth") played locally: `python -m devhost --easy-auth`.

`issuer` keeps a local test issuer (key pair and names) under `.devhost/auth/`; `tokens`
mints its tokens (`python -m devhost.auth token`); `discovery` serves its OpenID configuration
and keys over HTTP, where the app fetches them as it fetches Entra ID's; `validation` checks
tokens as Easy Auth checks Entra ID's; `principal` writes the caller in the platform's
headers; `gate` decides each request (pass, pass with a caller, 401 or 403); `platform` sets
what the platform and infra put in the app's environment. docs/security.md, "Locally", says
what it reproduces and what not.
"""

from devhost.auth.discovery import IssuerServer
from devhost.auth.exceptions import (
    ClientRejected,
    EasyAuthError,
    ExcludedPathsInvalid,
    IssuerUnreadable,
    TokenRejected,
)
from devhost.auth.gate import EasyAuth, Refusal
from devhost.auth.issuer import LocalIssuer
from devhost.auth.platform import as_deployed, emulate_platform
from devhost.auth.tokens import mint

__all__ = [
    "ClientRejected",
    "EasyAuth",
    "EasyAuthError",
    "ExcludedPathsInvalid",
    "IssuerServer",
    "IssuerUnreadable",
    "LocalIssuer",
    "Refusal",
    "TokenRejected",
    "as_deployed",
    "emulate_platform",
    "mint",
]
