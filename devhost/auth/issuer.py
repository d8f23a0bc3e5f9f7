"""The local test issuer: an RSA key pair and the names a token must carry to be accepted.

It stands in for Entra ID when devhost emulates App Service authentication. Everything lives
in `<script root>/.devhost/auth/` (git-ignored, never published), made on first use by
whichever comes first, `python -m devhost --easy-auth` or `python -m devhost.auth token`, so
both agree without any set-up step:

    signing-key.pem  the private key (PKCS#8, mode 0600): it signs tokens and, through its
                     public half, validates them; test-only key material
    issuer.json      issuer URL, tenant id, client id (the audience), azp, key id

The issuer URL is under `devhost.invalid` (RFC 6761 reserves `.invalid`): no OpenID discovery
or key set can ever be fetched for it, so devhost validates with the local key alone. Delete
the folder to make a new issuer; tokens minted before then stop working.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from devhost.auth.exceptions import IssuerUnreadable

__all__ = ["AUTH_FOLDER", "LocalIssuer"]

logger = logging.getLogger(__name__)

AUTH_FOLDER = Path(".devhost") / "auth"
_KEY_FILE = "signing-key.pem"
_RECORD_FILE = "issuer.json"
_RECORD_FIELDS = ("issuer", "tenant_id", "client_id", "client_app_id", "kid")


@dataclass(frozen=True, slots=True)
class LocalIssuer:
    """A folder's issuer. `client_id` plays the app registration's client id: tokens for it
    carry it (or `api://<client id>`) as `aud`, as Easy Auth's `allowedAudiences` lists both.
    `client_app_id` plays the application that asked for the token (`azp`)."""

    folder: Path
    issuer: str
    tenant_id: str
    client_id: str
    client_app_id: str
    kid: str
    private_key: rsa.RSAPrivateKey = field(repr=False)

    @property
    def audiences(self) -> tuple[str, str]:
        return self.client_id, f"api://{self.client_id}"

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.private_key.public_key()

    @classmethod
    def open(cls, script_root: Path) -> LocalIssuer:
        """The issuer of the app in `script_root`, made on first use."""
        folder = script_root.resolve() / AUTH_FOLDER
        if not (folder / _RECORD_FILE).is_file():
            _create(folder)
        return cls._load(folder)

    @classmethod
    def _load(cls, folder: Path) -> LocalIssuer:
        try:
            record = json.loads((folder / _RECORD_FILE).read_text(encoding="utf-8"))
            names = {name: str(record[name]) for name in _RECORD_FIELDS}
            key = serialization.load_pem_private_key((folder / _KEY_FILE).read_bytes(), None)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IssuerUnreadable(f"{folder}: {exc}; delete the folder to make a new one") from exc
        if not isinstance(key, rsa.RSAPrivateKey) or names["kid"] != key_id(key.public_key()):
            raise IssuerUnreadable(f"{folder}: the key is not the one issuer.json names; delete it")
        return cls(folder, private_key=key, **names)


def key_id(public_key: rsa.RSAPublicKey) -> str:
    """The `kid` of tokens signed with the key: a digest of its public half, so a token signed
    by another folder's key names a key this one does not have."""
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()


def _create(folder: Path) -> None:
    """Write a new issuer into `folder`, atomically: it is made in a sibling folder and renamed
    into place, so a devhost and a token command starting together never see half an issuer,
    and the first to finish wins (the other's folder is discarded)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".auth-", dir=folder.parent))  # mode 0700
    try:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        descriptor = os.open(staging / _KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(pem)
        record = _record(key)
        (staging / _RECORD_FILE).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        try:
            os.rename(staging, folder)
        except OSError:
            if not (folder / _RECORD_FILE).is_file():
                raise
            return  # another process made it first: use theirs
        logger.info("easy_auth_issuer_created folder=%s issuer=%s", folder, record["issuer"])
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _record(key: rsa.RSAPrivateKey) -> dict[str, Any]:
    tenant = str(uuid.uuid4())
    return {
        "note": "devhost's local test issuer: test-only keys; delete this folder for new ones",
        "issuer": f"https://devhost.invalid/{tenant}/v2.0",
        "tenant_id": tenant,
        "client_id": str(uuid.uuid4()),
        "client_app_id": str(uuid.uuid4()),
        "kid": key_id(key.public_key()),
    }
