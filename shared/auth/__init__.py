"""Who is calling, and what they may do.

The caller proves who they are with an Entra ID access token; App Service authentication
checks it before the app runs, and the app checks it again itself (`claims` reads the bearer
token and builds the `Caller`; `tokens` and `keys`, loaded on first use, verify it against the
issuer's published keys). `rules` decides, as one table of role x action x owner, what that
caller may do. See docs/security.md.
"""

from shared.auth.caller import LOCAL_DEVELOPER, READ_ALL, READ_WRITE_ALL, ROLES, Caller
from shared.auth.claims import authenticate, bearer_token, caller_from_claims
from shared.auth.rules import Action, Grant, Scope, authorize

__all__ = [
    "LOCAL_DEVELOPER",
    "READ_ALL",
    "READ_WRITE_ALL",
    "ROLES",
    "Action",
    "Caller",
    "Grant",
    "Scope",
    "authenticate",
    "authorize",
    "bearer_token",
    "caller_from_claims",
]
