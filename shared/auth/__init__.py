"""Who is calling, and what they may do.

The platform authenticates (App Service built-in authentication with Entra ID on Azure,
devhost `--easy-auth` locally) and hands the app the caller's principal; `principal` turns it
into a `Caller`, and `rules` decides, as one table of role x action x owner, what that caller
may do. See docs/security.md.
"""

from shared.auth.caller import LOCAL_DEVELOPER, READ_ALL, READ_WRITE_ALL, ROLES, Caller
from shared.auth.principal import PRINCIPAL_HEADER, caller_from_headers
from shared.auth.rules import Action, Grant, Scope, authorize

__all__ = [
    "LOCAL_DEVELOPER",
    "PRINCIPAL_HEADER",
    "READ_ALL",
    "READ_WRITE_ALL",
    "ROLES",
    "Action",
    "Caller",
    "Grant",
    "Scope",
    "authorize",
    "caller_from_headers",
]
