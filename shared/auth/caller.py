"""The caller of a request, as the rules need it: a stable id, a customer id, app roles."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LOCAL_DEVELOPER", "READ_ALL", "READ_WRITE_ALL", "ROLES", "Caller"]

# The app roles of the app registration (infra/ declares them; a deploy test keeps both equal).
READ_WRITE_ALL = "Orders.ReadWrite.All"
READ_ALL = "Orders.Read.All"
ROLES = frozenset({READ_WRITE_ALL, READ_ALL})


@dataclass(frozen=True, slots=True)
class Caller:
    """`id` is the principal's object id (`oid`): pseudonymous and stable, fit for logs,
    telemetry and scoping idempotency keys. `customer_id` is whose orders a customer may
    see (None when the principal names none). `roles` holds only the roles the app knows."""

    id: str
    customer_id: str | None = None
    roles: frozenset[str] = frozenset()


# Who calls when authentication is off (AUTH_REQUIRED=false, local development only) and no
# principal came with the request: everything, as before the app knew its callers.
LOCAL_DEVELOPER = Caller("local-developer", None, frozenset({READ_WRITE_ALL}))
