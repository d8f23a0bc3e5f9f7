"""The HTTP transport of the SDKs' asyncio clients when a custom CA bundle is configured.

One home, used by the app's storage clients and by devhost's: two copies had drifted.

Given as `connection_verify`, azure-core's aiohttp transport loads the bundle into a new SSL
context on every request (its cost: docs/local-host.md, "Where devhost's own work runs"). This
transport builds one SSL context for its session instead, and opens the session inside
`open()`, on the event loop that uses it, as aiohttp requires.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from azure.core.pipeline.transport._aiohttp import AioHttpTransport

__all__ = ["TRANSPORT_OPTIONS", "ca_bundle_transport"]

# The client options a transport given to a client takes for itself (the client's own are
# then ignored); retries stay the client's.
TRANSPORT_OPTIONS = ("connection_timeout", "read_timeout")


def ca_bundle_transport(
    bundle: str, *, use_env_settings: bool, **timeouts: Any
) -> AioHttpTransport:
    """An aiohttp transport that trusts the CA certificates in `bundle`.

    `timeouts` are the client's `connection_timeout` and `read_timeout`; anything else is
    refused, so a client option cannot be silently dropped here."""
    # The class's home module: the package re-exports it through a lazy __getattr__, which
    # type checkers see as Any.
    from azure.core.pipeline.transport._aiohttp import AioHttpTransport

    unknown = set(timeouts) - set(TRANSPORT_OPTIONS)
    if unknown:
        raise TypeError(f"not transport options: {sorted(unknown)}")

    class CaBundleTransport(AioHttpTransport):
        async def open(self) -> None:
            # Once closed, stay closed, as azure-core's own transport does (its open() refuses).
            if self.session is None and not self._has_been_opened:
                import ssl

                import aiohttp

                context = ssl.create_default_context(cafile=bundle)
                self.session = aiohttp.ClientSession(
                    connector=aiohttp.TCPConnector(ssl=context),
                    trust_env=use_env_settings,
                    cookie_jar=aiohttp.DummyCookieJar(),
                    auto_decompress=False,
                )
            await super().open()  # type: ignore[no-untyped-call]  # untyped in azure-core

    return CaBundleTransport(session_owner=True, use_env_settings=use_env_settings, **timeouts)
