"""The local test issuer's OpenID configuration and key set, served over HTTP on loopback.

Entra ID publishes each tenant's signing keys at the `jwks_uri` of its OpenID configuration
(`https://login.microsoftonline.com/<tenant>/v2.0/.well-known/openid-configuration`), and the
app fetches them from there (shared.auth.keys). Locally the app fetches the local issuer's
the same way, for real, from this server: devhost `--easy-auth` points
AUTH_OPENID_CONFIGURATION_URL at it, and tests point the app at their own issuer's.

It runs on a thread of its own with the standard library's HTTP server, apart from devhost's
event loop: the in-process invoker's app fetches from a worker thread while that loop is
serving the very request that needs the keys. It binds to 127.0.0.1 only, on a free port.
"""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from jwt.algorithms import RSAAlgorithm

from devhost.auth.tokens import ALGORITHM

if TYPE_CHECKING:
    from devhost.auth.issuer import LocalIssuer

__all__ = ["IssuerServer", "key_set"]

logger = logging.getLogger(__name__)


def key_set(issuer: LocalIssuer) -> dict[str, Any]:
    """The issuer's JWKS: its one public key, named by its kid, as Entra ID lists keys."""
    jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(issuer.public_key))
    return {"keys": [jwk | {"kid": issuer.kid, "use": "sig", "alg": ALGORITHM}]}


class IssuerServer:
    """Serves `/<tenant>/v2.0/.well-known/openid-configuration` and
    `/<tenant>/discovery/v2.0/keys` (Entra ID's paths) for one issuer until `close`."""

    def __init__(self, issuer: LocalIssuer) -> None:
        self._server = _Server()
        base = f"http://127.0.0.1:{self._server.server_port}/{issuer.tenant_id}"
        self.configuration_url = f"{base}/v2.0/.well-known/openid-configuration"
        keys_url = f"{base}/discovery/v2.0/keys"
        configuration = {
            "issuer": issuer.issuer,
            "jwks_uri": keys_url,
            "id_token_signing_alg_values_supported": [ALGORITHM],
            "response_types_supported": ["code", "id_token", "token id_token"],
            "subject_types_supported": ["pairwise"],
        }
        self._server.documents = {
            _path(self.configuration_url): json.dumps(configuration).encode(),
            _path(keys_url): json.dumps(key_set(issuer)).encode(),
        }
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="devhost-issuer", daemon=True
        )
        self._thread.start()

    @property
    def requests(self) -> int:
        """How many documents were asked for (the tests count the app's fetches)."""
        return self._server.requests

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.documents: dict[str, bytes] = {}
        self.requests = 0


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.server.requests += 1
        body = self.server.documents.get(self.path.split("?")[0])
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("issuer_request %s", format % args)
