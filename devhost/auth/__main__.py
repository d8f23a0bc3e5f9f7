"""`python -m devhost.auth token --oid ID [--customer ID] [--role ROLE]... [--expires-in S]
[--audience AUD] [--client ID] [--script-root DIR]`: print an access token from the local test
issuer, which `python -m devhost --easy-auth` started from the same folder accepts
(docs/security.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from devhost.auth.exceptions import IssuerUnreadable
from devhost.auth.issuer import LocalIssuer
from devhost.auth.tokens import DEFAULT_LIFETIME, mint


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devhost.auth", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    token = commands.add_parser("token", help="print a signed access token")
    token.add_argument("--oid", required=True, help="the caller's object id (oid and sub)")
    token.add_argument(
        "--customer", help="a customer_id claim (the app reads it with CUSTOMER_ID_CLAIM)"
    )
    token.add_argument(
        "--role", action="append", default=[], help="an app role, e.g. Orders.ReadWrite.All"
    )
    token.add_argument(
        "--expires-in",
        type=int,
        default=DEFAULT_LIFETIME,
        help=f"seconds until it expires (default {DEFAULT_LIFETIME}; negative: already expired)",
    )
    token.add_argument("--audience", help="the aud claim (default: the local client id)")
    token.add_argument(
        "--client",
        help="the client application that asked for it (azp; default: the local client app, "
        "which devhost --easy-auth allows; another id makes a token it answers 403)",
    )
    token.add_argument(
        "--script-root",
        type=Path,
        default=Path.cwd(),
        help="the app's folder, whose .devhost/auth/ holds the issuer (default: here)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    if not args.oid.strip():
        sys.stderr.write("--oid must not be empty\n")
        return 2
    try:
        issuer = LocalIssuer.open(args.script_root)
    except IssuerUnreadable as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    token = mint(
        issuer,
        args.oid,
        customer=args.customer,
        roles=args.role,
        expires_in=args.expires_in,
        audience=args.audience,
        client=args.client,
    )
    sys.stdout.write(token + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
