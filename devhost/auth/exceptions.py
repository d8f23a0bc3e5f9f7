"""What can go wrong when devhost plays App Service authentication."""

from __future__ import annotations

__all__ = [
    "ClientRejected",
    "EasyAuthError",
    "ExcludedPathsInvalid",
    "IssuerUnreadable",
    "TokenRejected",
]


class EasyAuthError(Exception):
    """Base of devhost's Easy Auth errors."""


class IssuerUnreadable(EasyAuthError, ValueError):
    """The local test issuer's folder exists but its key or record cannot be read."""


class ExcludedPathsInvalid(EasyAuthError, ValueError):
    """`[tool.devhost] easy-auth-excluded-paths` is not a list of absolute paths."""


class ClientRejected(EasyAuthError):
    """A valid token of a client application that `allowedApplications` does not list."""


class TokenRejected(EasyAuthError):
    """A bearer token failed validation; the message is RFC 6750's error_description."""
