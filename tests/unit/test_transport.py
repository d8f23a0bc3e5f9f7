"""The CA-bundle transport shared by the app's clients and devhost's (no I/O: the session is
opened, never used)."""

from __future__ import annotations

import ssl

import aiohttp
import certifi
import pytest

from shared.transport import ca_bundle_transport


async def test_the_session_trusts_the_bundle_in_one_ssl_context() -> None:
    transport = ca_bundle_transport(
        certifi.where(), use_env_settings=False, connection_timeout=2, read_timeout=3
    )
    await transport.open()
    try:
        session = transport.session
        assert session is not None
        context = session.connector._ssl  # type: ignore[union-attr]
        assert isinstance(context, ssl.SSLContext)
        assert context.cert_store_stats()["x509_ca"] > 0
        assert isinstance(session.cookie_jar, aiohttp.DummyCookieJar)
        assert session.auto_decompress is False
        assert session.trust_env is False
        assert (transport.connection_config.timeout, transport.connection_config.read_timeout) == (
            2,
            3,
        )
    finally:
        await transport.close()


def test_an_option_the_transport_would_drop_is_refused() -> None:
    with pytest.raises(TypeError, match="retry_total"):
        ca_bundle_transport(certifi.where(), use_env_settings=True, retry_total=2)


async def test_a_closed_transport_is_refused_as_azure_core_refuses_its_own() -> None:
    transport = ca_bundle_transport(certifi.where(), use_env_settings=True)
    await transport.open()
    await transport.close()
    with pytest.raises(ValueError, match="closed"):
        await transport.open()
