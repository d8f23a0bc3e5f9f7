"""The caller read from the platform's principal: only when the platform vouches for it, and
any header that cannot be read is the caller's 401, never a 500."""

from __future__ import annotations

import base64
import json

import pytest

from shared.auth import LOCAL_DEVELOPER, READ_ALL, READ_WRITE_ALL, Caller, caller_from_headers
from shared.auth.principal import MAX_PRINCIPAL_BYTES, PRINCIPAL_HEADER, parse_principal
from shared.errors import Unauthenticated
from tests.auth import principal

OID = "6f1c2d3e-0000-4000-8000-000000000001"


def read(raw: str, *, claim: str = "oid") -> Caller:
    return parse_principal(raw, customer_claim=claim)


def b64(document: object) -> str:
    return base64.b64encode(json.dumps(document).encode()).decode()


def test_a_customer_is_their_object_id_with_no_roles() -> None:
    caller = read(principal(OID))
    assert (caller.id, caller.customer_id, caller.roles) == (OID, OID, frozenset())


def test_the_object_id_under_its_long_uri_name_is_read_too() -> None:
    caller = read(principal(OID, long_names=True))
    assert (caller.id, caller.customer_id) == (OID, OID)


def test_only_the_apps_roles_are_kept() -> None:
    caller = read(principal(OID, roles=[READ_ALL, "Directory.Read.All", READ_WRITE_ALL]))
    assert caller.roles == {READ_ALL, READ_WRITE_ALL}


def test_roles_under_the_documents_role_type_are_read() -> None:
    document = {
        "auth_typ": "aad",
        "claims": [{"typ": "oid", "val": OID}, {"typ": "appRole", "val": READ_ALL}],
        "role_typ": "appRole",
    }
    assert read(b64(document)).roles == {READ_ALL}


def test_the_customer_claim_is_the_setting_not_the_object_id() -> None:
    raw = principal(OID, extra={"extension_app_customerId": "cust-42"})
    assert read(raw, claim="extension_app_customerId").customer_id == "cust-42"
    assert read(principal(OID), claim="extension_app_customerId").customer_id is None


def test_a_customer_id_that_is_no_valid_id_names_no_customer() -> None:
    raw = principal(OID, extra={"customer": "../other"})
    assert read(raw, claim="customer").customer_id is None


@pytest.mark.parametrize(
    "raw",
    [
        "not base64!",
        base64.b64encode(b"not json").decode(),
        base64.b64encode(b'{"claims": [').decode(),
        b64(["a", "list"]),
        b64({"auth_typ": "aad"}),
        b64({"claims": "oid"}),
        b64({"claims": [{"typ": "name", "val": "no object id"}]}),
        b64({"claims": [{"typ": "oid", "val": 42}]}),
        b64({"claims": [{"typ": "oid", "val": "   "}]}),
        base64.b64encode(b"\xff\xfe").decode(),
        base64.b64encode(b"[" * 10_000).decode()[:MAX_PRINCIPAL_BYTES],
    ],
)
def test_an_unreadable_principal_is_401(raw: str) -> None:
    with pytest.raises(Unauthenticated):
        read(raw)


def test_a_principal_over_the_size_limit_is_401_before_it_is_decoded() -> None:
    oversized = principal(OID, extra={f"claim{i}": "x" * 100 for i in range(200)})
    assert len(oversized) > MAX_PRINCIPAL_BYTES
    with pytest.raises(Unauthenticated, match="too large"):
        read(oversized)


def test_without_the_platform_the_header_is_not_trusted() -> None:
    forged = {PRINCIPAL_HEADER: principal(OID, roles=[READ_WRITE_ALL])}
    with pytest.raises(Unauthenticated):
        caller_from_headers(forged, trusted=False, required=True, customer_claim="oid")
    local = caller_from_headers(forged, trusted=False, required=False, customer_claim="oid")
    assert local is LOCAL_DEVELOPER


def test_with_the_platform_and_no_principal_authentication_is_required() -> None:
    with pytest.raises(Unauthenticated):
        caller_from_headers({}, trusted=True, required=True, customer_claim="oid")
    assert caller_from_headers({}, trusted=True, required=False, customer_claim="oid") is (
        LOCAL_DEVELOPER
    )
