"""Who may call each operation, written into the document from the rules themselves
(shared.auth.rules), so the document cannot promise what the app refuses.

OpenAPI 3.1 lets a security requirement of a non-OAuth scheme list role names: an operation
open to customers asks for any signed-in caller (`[]`); one for the back office only lists
the roles that may call it, each alone.
"""

from __future__ import annotations

from typing import Any

from shared.api_docs.common import problem
from shared.auth import Action, Scope
from shared.auth.rules import CUSTOMER, RULES

__all__ = ["SCHEME", "SECURITY_SCHEMES", "secure"]

SCHEME = "entraId"
SECURITY_SCHEMES: dict[str, Any] = {
    SCHEME: {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": (
            "An Entra ID access token for the app's registration, checked by App Service "
            "authentication and again by the app itself; it must be obtained by a client "
            "application the deployment allows (else 403 `client-not-allowed`). App roles: "
            "Orders.ReadWrite.All, Orders.Read.All; a caller with neither is a customer, who "
            "reaches only their own orders and images"
        ),
    }
}
_ACTIONS = {
    "create_order": Action.CREATE_ORDER,
    "list_orders": Action.LIST_ORDERS,
    "get_order": Action.READ_ORDER,
    "update_order": Action.CHANGE_ORDER,
    "delete_order": Action.DELETE_ORDER,
    "list_customer_orders": Action.LIST_ORDERS,
    "get_order_report": Action.READ_REPORT,
    "create_image_upload": Action.CREATE_UPLOAD,
    "get_image_status": Action.READ_IMAGE,
}
_VERBS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
_SCOPES = {Scope.ANY: "any customer's", Scope.OWN: "their own only"}
_UNAUTHENTICATED = problem("No valid token (`WWW-Authenticate: Bearer`)") | {
    "headers": {"WWW-Authenticate": {"schema": {"type": "string", "const": "Bearer"}}}
}
_FORBIDDEN = problem("The caller's roles do not allow this")


def secure(paths: dict[str, Any]) -> dict[str, Any]:
    """`paths` with each operation's security, who may call it, and its 401 and 403; an
    operation that declares `security: []` is anonymous and left as it is."""
    return {
        path: {key: _secured(op) if key in _VERBS else op for key, op in item.items()}
        for path, item in paths.items()
    }


def _secured(operation: dict[str, Any]) -> dict[str, Any]:
    if operation.get("security") == []:
        return operation
    action = _ACTIONS[operation["operationId"]]
    scopes = {who: row[action] for who, row in RULES.items()}
    allowed = {who: scope for who, scope in scopes.items() if scope is not Scope.NONE}
    if CUSTOMER in allowed:
        security: list[dict[str, list[str]]] = [{SCHEME: []}]
    else:
        security = [{SCHEME: [role]} for role in allowed]
    who = "; ".join(f"{name}: {_SCOPES[scope]}" for name, scope in allowed.items())
    description = f"{operation.get('description', '')}\n\nWho may call: {who}.".strip()
    # An operation's own 403 says more than the generic one (a refused change names its field).
    responses = {"401": _UNAUTHENTICATED, "403": _FORBIDDEN} | operation["responses"]
    return operation | {"security": security, "description": description, "responses": responses}
