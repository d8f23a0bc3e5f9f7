"""What identifies a person leaves logs and spans only as a keyed pseudonym.

Users choose file names, and file names often name people ("passport-jane-doe.jpg"); a
customer id is an e-mail address when CUSTOMER_ID_CLAIM names such a claim. Neither may reach
a log line or a span attribute as it is. A keyed hash (HMAC-SHA256, 64 bits shown) keeps what
operators need: one image's events, and one customer's, still carry one value and correlate,
while nobody without the key can test a guess ("is it jane-doe?") against the record.

The key is derived from the app's one generated secret (shared/config.py,
`pseudonym_key`), so every instance and every restart writes the same pseudonym. The
composition root installs it with the settings; until then (unit tests of the core without
settings) a key made for this process stands in: values still never appear, they just do not
correlate across processes. docs/operations.md, "What is recorded about people", lists every
field and its form.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shared.config import Settings

__all__ = ["PREFIX", "Pseudonyms", "blob_name", "customer_id", "install", "pseudonyms"]

# Marks a value as a pseudonym, so no reader mistakes it for an id to look up.
PREFIX = "h:"
_HEX_DIGITS = 16  # 64 bits: no collisions among any realistic number of images or customers


@dataclass(frozen=True, slots=True)
class Pseudonyms:
    """`customer_is_oid`: the customer id is the caller's Entra object id (CUSTOMER_ID_CLAIM
    is `oid`), itself a pseudonym that names nobody, so it is recorded as it is."""

    key: bytes = field(repr=False)
    customer_is_oid: bool = True

    @classmethod
    def for_settings(cls, settings: Settings) -> Pseudonyms:
        """The app's: its derived key, and customers recorded as they are only while
        CUSTOMER_ID_CLAIM is `oid`."""
        oid = settings.auth.customer_claim == "oid"
        return cls(settings.pseudonym_key, customer_is_oid=oid)

    def of(self, value: str) -> str:
        """The keyed pseudonym of `value`."""
        digest = hmac.new(self.key, value.encode("utf-8", "surrogatepass"), hashlib.sha256)
        return PREFIX + digest.hexdigest()[:_HEX_DIGITS]

    def customer_id(self, customer: str) -> str:
        return customer if self.customer_is_oid else self.of(customer)

    def blob_name(self, name: str) -> str:
        """`<customer>/<file name>` as `<customer, as recorded>/<pseudonym of the whole
        name>`: the customer's folder stays readable while it is an oid, and the file part is
        keyed on the whole name, so two customers' `me.jpg` do not share a value."""
        folder, slash, _ = name.partition("/")
        prefix = f"{self.customer_id(folder)}/" if slash and folder else ""
        return prefix + self.of(name)


_fallback = Pseudonyms(secrets.token_bytes(32), customer_is_oid=False)
_installed: Pseudonyms | None = None


def install(current: Pseudonyms | None) -> None:
    """Use `current` from now on (the composition root, when the settings load); None goes
    back to the per-process stand-in."""
    global _installed
    _installed = current


def pseudonyms() -> Pseudonyms:
    return _installed or _fallback


def blob_name(name: str) -> str:
    """A blob's name (`uploads/` and `thumbnails/` hold `<customer>/<file name>`) as logs and
    spans may carry it."""
    return pseudonyms().blob_name(name)


def customer_id(customer: str) -> str:
    """A customer id as logs and spans may carry it."""
    return pseudonyms().customer_id(customer)
