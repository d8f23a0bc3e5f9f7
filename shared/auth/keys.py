"""The issuer's token-signing keys, fetched over HTTPS and cached for the process.

Entra ID publishes its keys in the tenant's OpenID configuration (`jwks_uri`), rolls them
over periodically and, in an emergency, at once. Microsoft's guidance for a validator that
does not use its libraries (https://learn.microsoft.com/entra/identity-platform/signing-key-rollover,
"Keys metadata caching algorithm") is followed here:

- keys are cached by `kid`; the first token fetches them (or `prefetch`, which the
  composition root offers a warmup function);
- a token signed with an unknown `kid` refetches them, no more often than every 5 minutes
  after a successful fetch (so tokens with made-up key ids cannot make the app hammer the
  issuer), and no more often than every 10 seconds after a failed one;
- the set is refreshed about hourly, in the background, while the cached keys keep serving;
- a failed fetch keeps the last good keys and is logged.

Fetching is blocking I/O (urllib) and always runs on a worker thread (`asyncio.to_thread`),
never on the event loop that serves requests. A request that finds its key cached does no
I/O and takes no lock.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
import threading
import time
from typing import TYPE_CHECKING, Any
from urllib.request import Request, urlopen

from shared.errors import IssuerUnavailable
from shared.settings_rules import issuer_url_ok

if TYPE_CHECKING:
    from collections.abc import Callable

    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

    from shared.config import AuthSettings

__all__ = ["MIN_REFRESH_SECONDS", "REFRESH_AFTER_SECONDS", "SigningKeys", "http_get"]

logger = logging.getLogger(__name__)

MIN_REFRESH_SECONDS = 300.0  # after a successful fetch, the soonest an unknown kid refetches
RETRY_SECONDS = 10.0  # after a failed fetch
REFRESH_AFTER_SECONDS = 3600.0  # age at which a background refresh starts
FETCH_TIMEOUT_SECONDS = 5.0
MAX_DOCUMENT_BYTES = 1024 * 1024


def http_get(url: str, *, ca_bundle: str | None = None) -> bytes:
    """GET `url` (blocking): its body, at most MAX_DOCUMENT_BYTES; OSError or ValueError when
    it cannot be had. Proxies from the environment apply, as for any urllib request."""
    if not issuer_url_ok(url):
        raise ValueError(f"{url} is neither https nor http to this machine")
    context = ssl.create_default_context()
    if ca_bundle:
        context.load_verify_locations(cafile=ca_bundle)
    request = Request(url, headers={"Accept": "application/json"})  # noqa: S310 - checked above
    with urlopen(request, timeout=FETCH_TIMEOUT_SECONDS, context=context) as answer:  # noqa: S310
        body: bytes = answer.read(MAX_DOCUMENT_BYTES + 1)
    if len(body) > MAX_DOCUMENT_BYTES:
        raise ValueError(f"{url} answered more than {MAX_DOCUMENT_BYTES} bytes")
    return body


class SigningKeys:
    """The keys of one issuer, whose OpenID configuration is at `configuration_url` and must
    name `issuer` (OpenID Connect Discovery 1.0, section 4.3: a configuration for another
    issuer is a mistake or an attack)."""

    def __init__(
        self,
        configuration_url: str,
        issuer: str,
        *,
        fetch: Callable[[str], bytes] = http_get,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.configuration_url, self.issuer = configuration_url, issuer
        self._fetch, self._clock = fetch, clock
        self._keys: dict[str, RSAPublicKey] = {}
        self._refreshed: float | None = None  # when the last fetch succeeded
        self._attempted: float | None = None
        self._failed = False
        self._lock = threading.Lock()
        self._background: set[asyncio.Task[None]] = set()
        self.fetches = 0  # how many fetches were made (tests, benchmarks)

    @classmethod
    def for_settings(cls, settings: AuthSettings, *, ca_bundle: str | None) -> SigningKeys:
        """The keys of the issuer the settings name, fetched over HTTPS trusting `ca_bundle`
        (REQUESTS_CA_BUNDLE) besides the system's certificates when one is set."""
        return cls(
            settings.openid_configuration_url,
            settings.issuer,
            fetch=lambda url: http_get(url, ca_bundle=ca_bundle),
        )

    def cached(self, kid: str) -> RSAPublicKey | None:
        """The key, if cached; starts a background refresh when the set has grown old."""
        key = self._keys.get(kid)
        refreshed = self._refreshed
        stale = refreshed is not None and self._clock() - refreshed >= REFRESH_AFTER_SECONDS
        if key is not None and stale and not self._background:
            task = asyncio.get_running_loop().create_task(self._refresh_in_thread())
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        return key

    async def key(self, kid: str) -> RSAPublicKey | None:
        """The key named `kid`, fetching the set (on a thread) if it is not cached and a fetch
        is due; None when the issuer does not publish it. IssuerUnavailable when no key at all
        could be had."""
        key = self.cached(kid)
        if key is None:
            await asyncio.to_thread(self._refresh, kid)
            key = self._keys.get(kid)
        if key is None and not self._keys and self._failed:
            raise IssuerUnavailable("The token issuer's signing keys cannot be fetched; retry.")
        return key

    async def prefetch(self) -> None:
        """Fetch the keys now (a warmup), unless a fetch was made recently."""
        await asyncio.to_thread(self._refresh, None)

    async def _refresh_in_thread(self) -> None:
        await asyncio.to_thread(self._refresh, None)

    def _refresh(self, wanted: str | None) -> None:
        """Fetch the set if it is due; one thread at a time, and a thread that waited for
        another's fetch uses its result."""
        with self._lock:
            if wanted is not None and wanted in self._keys:
                return
            now = self._clock()
            if not self._due(now, wanted):
                return
            self._attempted = now
            self.fetches += 1
            try:
                keys = self._download()
            except (OSError, ValueError, KeyError, TypeError) as exc:
                self._failed = True
                logger.warning(
                    "signing_keys_fetch_failed url=%s error=%s kept=%d",
                    self.configuration_url,
                    exc,
                    len(self._keys),
                )
                return
            self._keys, self._refreshed, self._failed = keys, now, False
            logger.info("signing_keys_fetched url=%s keys=%d", self.configuration_url, len(keys))

    def _due(self, now: float, wanted: str | None) -> bool:
        """The first fetch always; after a failure, every RETRY_SECONDS; after a success,
        for an unknown kid every MIN_REFRESH_SECONDS, else every REFRESH_AFTER_SECONDS."""
        if self._attempted is None:
            return True
        if self._failed:
            wait = RETRY_SECONDS
        else:
            wait = REFRESH_AFTER_SECONDS if wanted is None else MIN_REFRESH_SECONDS
        return now - self._attempted >= wait

    def _download(self) -> dict[str, RSAPublicKey]:
        configuration = _json(self._fetch(self.configuration_url))
        if configuration.get("issuer") != self.issuer:
            raise ValueError(f"the configuration names issuer {configuration.get('issuer')!r}")
        key_set = _json(self._fetch(str(configuration["jwks_uri"])))
        return {
            str(jwk["kid"]): _public_key(jwk)
            for jwk in key_set["keys"]
            if isinstance(jwk, dict)
            and jwk.get("kty") == "RSA"
            and jwk.get("use", "sig") == "sig"
            and isinstance(jwk.get("kid"), str)
        }


def _json(body: bytes) -> dict[str, Any]:
    document = json.loads(body)
    if not isinstance(document, dict):
        raise ValueError("not a JSON object")
    return document


def _public_key(jwk: dict[str, Any]) -> RSAPublicKey:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
    from jwt.algorithms import RSAAlgorithm

    key = RSAAlgorithm.from_jwk(jwk)
    if not isinstance(key, RSAPublicKey):  # a JWK with private parts is no published key
        raise ValueError(f"key {jwk.get('kid')!r} is not an RSA public key")
    return key
