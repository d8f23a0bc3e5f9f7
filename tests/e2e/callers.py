"""Callers of devhost --easy-auth for the e2e tests: a bearer token of the local test issuer
per caller, and the calls they make (JSON in, the harness's Response out)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from devhost.auth import mint

if TYPE_CHECKING:
    from devhost.auth import LocalIssuer
    from tests.e2e.harness import DevhostProcess, Response

JSON = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class Caller:
    host: DevhostProcess
    token: str
    customer: str | None = None
    oid: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> Response:
        sent = self.auth | (JSON if body is not None else {}) | (headers or {})
        raw = None if body is None else json.dumps(body).encode()
        return self.host.call(method, path, body=raw, headers=sent)

    def create(self, **fields: Any) -> Response:
        body = {"product_id": "p-1", "quantity": 1, "total_amount": 5} | fields
        return self.call("POST", "/api/orders", body)


def customer(host: DevhostProcess, issuer: LocalIssuer) -> Caller:
    """A caller with no role whose token names a fresh customer (`customer_id` claim)."""
    oid, name = str(uuid.uuid4()), f"c-{uuid.uuid4().hex[:12]}"
    return Caller(host, mint(issuer, oid, customer=name), name, oid)


def back_office(host: DevhostProcess, issuer: LocalIssuer, role: str) -> Caller:
    """A service or back-office user holding `role`, and no customer."""
    oid = str(uuid.uuid4())
    return Caller(host, mint(issuer, oid, roles=[role]), None, oid)


def problem_type(response: Response) -> str:
    assert response.headers["Content-Type"].startswith("application/problem+json"), response
    return str(response.json()["type"]).rsplit(":", 1)[-1]
