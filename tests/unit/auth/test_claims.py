"""The caller a verified token names, and the bearer token read from the request: anything that
is not one well-formed bearer token is the caller's 401, never a 500."""

from __future__ import annotations

import pytest

from shared.auth import READ_ALL, READ_WRITE_ALL, bearer_token, caller_from_claims
from shared.auth.claims import MAX_TOKEN_BYTES
from shared.errors import Unauthenticated

OID = "6f1c2d3e-0000-4000-8000-000000000001"


def test_a_customer_is_their_object_id_with_no_roles() -> None:
    caller = caller_from_claims({"oid": OID}, customer_claim="oid")
    assert (caller.id, caller.customer_id, caller.roles) == (OID, OID, frozenset())


def test_only_the_apps_roles_are_kept() -> None:
    claims = {"oid": OID, "roles": [READ_ALL, "Directory.Read.All", READ_WRITE_ALL, 7]}
    assert caller_from_claims(claims, customer_claim="oid").roles == {READ_ALL, READ_WRITE_ALL}


def test_roles_that_are_not_a_list_of_strings_count_for_nothing() -> None:
    flat: dict[str, object] = {"oid": OID, "roles": READ_WRITE_ALL}
    assert caller_from_claims(flat, customer_claim="oid").roles == frozenset()
    mixed: dict[str, object] = {"oid": OID, "roles": [READ_ALL, {"v": READ_WRITE_ALL}, [READ_ALL]]}
    assert caller_from_claims(mixed, customer_claim="oid").roles == {READ_ALL}


def test_the_customer_claim_is_the_setting_not_the_object_id() -> None:
    claims = {"oid": OID, "extn.customerId": "cust-42"}
    assert caller_from_claims(claims, customer_claim="extn.customerId").customer_id == "cust-42"
    assert caller_from_claims({"oid": OID}, customer_claim="extn.customerId").customer_id is None


@pytest.mark.parametrize("value", ["../other", "", 42, ["c-1"], "a" * 300])
def test_a_customer_id_that_is_no_valid_id_names_no_customer(value: object) -> None:
    caller = caller_from_claims({"oid": OID, "customer": value}, customer_claim="customer")
    assert caller.customer_id is None


@pytest.mark.parametrize("claims", [{}, {"oid": ""}, {"oid": "   "}, {"oid": 42}])
def test_a_token_without_an_object_id_names_no_caller(claims: dict[str, object]) -> None:
    with pytest.raises(Unauthenticated, match="oid"):
        caller_from_claims(claims, customer_claim="oid")


def test_the_bearer_token_is_read_whatever_the_schemes_case() -> None:
    assert bearer_token({"Authorization": "Bearer a.b.c"}) == "a.b.c"
    assert bearer_token({"Authorization": "bearer   a.b.c  "}) == "a.b.c"


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer a.b.c, Bearer d.e.f",  # two headers, joined by the host
        "Bearer a.b c",
        "Bearer a.b.\u00e9",
        "Bearer " + "a" * (MAX_TOKEN_BYTES + 1),
    ],
)
def test_anything_but_one_bearer_token_is_401(value: str | None) -> None:
    headers = {} if value is None else {"Authorization": value}
    with pytest.raises(Unauthenticated):
        bearer_token(headers)
