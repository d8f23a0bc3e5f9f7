"""The check of callers' bearer tokens, one per process."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from shared.bootstrap.app_settings import settings

if TYPE_CHECKING:
    from shared.auth.tokens import TokenVerifier

__all__ = ["forget_token_verifier", "prefetch_signing_keys", "token_verifier"]

_verifier: list[TokenVerifier] = []  # made on first use; one per process
_verifier_lock = threading.Lock()


def token_verifier() -> TokenVerifier:
    """Checks callers' bearer tokens (shared.auth.tokens) with the issuer's signing keys,
    cached for the process: they are fetched on worker threads and hold no client of an
    event loop, so one serves every loop, and a new instance fetches them once."""
    with _verifier_lock:
        if not _verifier:
            from shared.auth.keys import SigningKeys
            from shared.auth.tokens import TokenVerifier

            current = settings()
            keys = SigningKeys.for_settings(current.auth, ca_bundle=current.storage.ca_bundle)
            _verifier.append(TokenVerifier(keys, current.auth))
        return _verifier[0]


async def prefetch_signing_keys() -> None:
    """Fetch the issuer's signing keys now, off the event loop, so that the first caller does
    not wait for them (for a warmup function); nothing when authentication is off."""
    if settings().auth.required:
        await token_verifier().keys.prefetch()


def forget_token_verifier() -> None:
    """As a new process: the next caller's check is made again, from the settings then."""
    _verifier.clear()
