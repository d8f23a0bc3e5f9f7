"""devhost --easy-auth in front of the app: principal headers only ever come from it, written
as the platform writes them; the token it lets through is forwarded and the app, verifying it
against the keys devhost serves, names the same caller; excluded paths and CORS preflights
pass without a token; anything else needs a valid one or is answered 401 with a Bearer
challenge (403 for a client not allowed) before the app runs; the platform's and infra's
settings are set as on Azure."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import make_mocked_request
from multidict import CIMultiDict, CIMultiDictProxy

from devhost.auth import (
    EasyAuth,
    ExcludedPathsInvalid,
    LocalIssuer,
    Refusal,
    emulate_platform,
    mint,
)
from devhost.auth.gate import excluded_paths
from devhost.auth.principal import principal_headers
from devhost.auth.validation import TokenValidator
from devhost.frontend.dispatch import Frontend
from shared.auth import READ_ALL, READ_WRITE_ALL, caller_from_claims
from shared.auth.keys import SigningKeys, http_get
from shared.auth.tokens import TokenVerifier
from shared.config import load_settings
from tests import forged_tokens as forged

ROOT = Path(__file__).resolve().parents[3]
OID = "9a1f7c52-5c3e-4bb4-8c0f-2a7b1d6e0c11"
EXCLUDED = ("/api/health", "/api/upload", "/runtime/webhooks/blobs")
FORGED = {
    "X-MS-CLIENT-PRINCIPAL": "eyJjbGFpbXMiOltdfQ==",
    "x-ms-client-principal-id": "someone-else",
    "X-Ms-Client-Principal-Name": "admin",
    "X-MS-CLIENT-PRINCIPAL-IDP": "aad",
    "X-MS-CLIENT-PRINCIPAL-ROLES": READ_WRITE_ALL,
}


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> LocalIssuer:
    return LocalIssuer.open(tmp_path_factory.mktemp("app"))


@pytest.fixture(scope="module")
def gate(issuer: LocalIssuer) -> EasyAuth:
    validator = TokenValidator(issuer, allowed_clients={issuer.client_app_id})
    return EasyAuth(validator, EXCLUDED, server=None)


def headers(**named: str) -> CIMultiDictProxy[str]:
    return CIMultiDictProxy(CIMultiDict(named))


def bearer(token: str, **extra: str) -> CIMultiDictProxy[str]:
    return CIMultiDictProxy(CIMultiDict({"Authorization": f"Bearer {token}", **extra}))


def document(admitted: CIMultiDict[str]) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(base64.b64decode(admitted["X-MS-CLIENT-PRINCIPAL"]))
    return decoded


def test_a_valid_token_passes_with_the_callers_principal_in_the_platforms_format(
    gate: EasyAuth, issuer: LocalIssuer
) -> None:
    token = mint(issuer, OID, roles=[READ_ALL, READ_WRITE_ALL], customer="c-7")

    admitted = gate.admit("GET", "/api/orders", bearer(token, Accept="application/json"))

    assert isinstance(admitted, CIMultiDict)
    assert admitted["Authorization"] == f"Bearer {token}"  # the app still gets the token
    assert admitted["Accept"] == "application/json"
    assert admitted["X-MS-CLIENT-PRINCIPAL-ID"] == OID
    assert admitted["X-MS-CLIENT-PRINCIPAL-NAME"] == OID  # no name claim: the object id
    assert admitted["X-MS-CLIENT-PRINCIPAL-IDP"] == "aad"
    principal = document(admitted)
    assert principal["auth_typ"] == "aad"
    assert (principal["name_typ"], principal["role_typ"]) == ("name", "roles")
    claims = [(c["typ"], c["val"]) for c in principal["claims"]]
    assert ("http://schemas.microsoft.com/identity/claims/objectidentifier", OID) in claims
    assert ("http://schemas.microsoft.com/identity/claims/tenantid", issuer.tenant_id) in claims
    assert ("roles", READ_ALL) in claims and ("roles", READ_WRITE_ALL) in claims
    assert ("customer_id", "c-7") in claims and ("ver", "2.0") in claims
    assert all(isinstance(value, str) for _, value in claims)


@pytest.mark.parametrize(
    ("customer_claim", "customer"), [("oid", OID), ("customer_id", "c-7"), ("extn.shop", None)]
)
async def test_the_app_names_the_caller_devhost_names_from_the_token_it_forwards(
    tmp_path: Path, customer_claim: str, customer: str | None
) -> None:
    """devhost started as `--easy-auth` starts: the app, set up by it, fetches the issuer's
    keys from devhost over HTTP, verifies the forwarded token and names the caller whose
    principal devhost wrote."""
    environ: dict[str, str] = {}
    gate = EasyAuth.start(tmp_path, environ)
    try:
        issuer = LocalIssuer.open(tmp_path)
        token = mint(issuer, OID, roles=[READ_ALL, "Unknown.Role"], customer="c-7")
        admitted = gate.admit("GET", "/api/orders", bearer(token))
        assert isinstance(admitted, CIMultiDict)
        settings = load_settings(environ | {"AzureWebJobsStorage": "UseDevelopmentStorage=true"})
        keys = SigningKeys(
            settings.auth.openid_configuration_url, settings.auth.issuer, fetch=http_get
        )
        claims = await TokenVerifier(keys, settings.auth).claims(admitted["Authorization"][7:])
        caller = caller_from_claims(claims, customer_claim=customer_claim)
        assert (caller.id, caller.customer_id, caller.roles) == (
            OID,
            customer,
            frozenset({READ_ALL}),
        )
        assert admitted["X-MS-CLIENT-PRINCIPAL-ID"] == caller.id
    finally:
        gate.close()


def test_a_name_claim_names_the_principal() -> None:
    claims = {"oid": OID, "name": "Ada", "preferred_username": "ada@example.com"}
    assert dict(principal_headers(claims))["X-MS-CLIENT-PRINCIPAL-NAME"] == "ada@example.com"


@pytest.mark.parametrize(
    ("method", "path", "extra"),
    [
        ("GET", "/api/orders", "valid token"),
        ("GET", "/api/health", "no token"),
        ("OPTIONS", "/api/orders", "preflight"),
    ],
)
def test_client_sent_principal_headers_never_reach_the_app(
    gate: EasyAuth, issuer: LocalIssuer, method: str, path: str, extra: str
) -> None:
    sent = CIMultiDict(FORGED)
    if extra == "valid token":
        sent["Authorization"] = f"Bearer {mint(issuer, OID)}"
    if extra == "preflight":
        sent.update({"Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST"})

    admitted = gate.admit(method, path, CIMultiDictProxy(sent))

    assert isinstance(admitted, CIMultiDict)
    principal = {k.lower(): v for k, v in admitted.items() if k.lower().startswith("x-ms-client")}
    if extra == "valid token":
        assert principal["x-ms-client-principal-id"] == OID
        assert set(principal) == {f"x-ms-client-principal{s}" for s in ("", "-id", "-name", "-idp")}
        assert document(admitted)["claims"] != []
    else:
        assert principal == {}


def test_a_forged_principal_without_a_token_is_refused(gate: EasyAuth) -> None:
    assert gate.admit("GET", "/api/orders", headers(**FORGED)) == Refusal("Bearer")


@pytest.mark.parametrize(
    "sent",
    [
        {},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer"},
    ],
)
def test_no_bearer_token_is_a_plain_challenge(gate: EasyAuth, sent: dict[str, str]) -> None:
    refused = gate.admit("POST", "/api/orders", headers(**sent))
    assert isinstance(refused, Refusal)
    assert (refused.status, refused.headers) == (401, [("WWW-Authenticate", "Bearer")])


def test_an_invalid_token_is_refused_saying_why(gate: EasyAuth, issuer: LocalIssuer) -> None:
    refused = gate.admit("GET", "/api/orders", bearer(mint(issuer, OID, expires_in=-600)))
    assert refused == Refusal('Bearer error="invalid_token", error_description="the token expired"')
    forged_alg = gate.admit("GET", "/api/orders", bearer(forged.unsigned(issuer, OID)))
    assert isinstance(forged_alg, Refusal) and "RS256" in str(forged_alg.challenge)


def test_a_client_not_allowed_is_403_as_allowed_applications_answers(
    gate: EasyAuth, issuer: LocalIssuer
) -> None:
    token = mint(issuer, OID, client="04b07795-8ddb-461a-bbee-02f9e1bf7b46")
    refused = gate.admit("GET", "/api/orders", bearer(token))
    assert refused == Refusal(None, 403) and Refusal(None, 403).headers == []
    v1 = forged.reissued(issuer, OID, ver="1.0", azp=forged.DELETE, appid=issuer.client_app_id)
    assert isinstance(gate.admit("GET", "/api/orders", bearer(v1)), CIMultiDict)


def test_two_authorization_headers_are_refused(gate: EasyAuth, issuer: LocalIssuer) -> None:
    good = f"Bearer {mint(issuer, OID)}"
    sent = CIMultiDictProxy(CIMultiDict([("Authorization", good), ("Authorization", good)]))
    refused = gate.admit("GET", "/api/orders", sent)
    assert isinstance(refused, Refusal) and "more than one" in str(refused.challenge)


def test_excluded_paths_pass_without_a_token_and_ignore_a_bad_one(
    gate: EasyAuth, issuer: LocalIssuer
) -> None:
    for path in EXCLUDED:
        assert isinstance(gate.admit("GET", path, headers()), CIMultiDict), path
        admitted = gate.admit("POST", path, bearer(forged.unsigned(issuer, OID)))
        assert isinstance(admitted, CIMultiDict), path
        assert "X-MS-CLIENT-PRINCIPAL" not in admitted


@pytest.mark.parametrize(
    "path", ["/api/health/", "/API/health", "/api/upload/x", "/api/healthz", "/api", "/"]
)
def test_excluded_paths_match_exactly(gate: EasyAuth, path: str) -> None:
    assert gate.admit("GET", path, headers()) == Refusal("Bearer")


def test_only_a_cors_preflight_passes_as_options(gate: EasyAuth) -> None:
    asked = {"Origin": "https://shop.example", "Access-Control-Request-Method": "DELETE"}
    assert isinstance(gate.admit("OPTIONS", "/api/orders/1", headers(**asked)), CIMultiDict)
    assert gate.admit("OPTIONS", "/api/orders/1", headers()) == Refusal("Bearer")
    assert gate.admit("DELETE", "/api/orders/1", headers(**asked)) == Refusal("Bearer")


def test_the_apps_excluded_paths_come_from_its_pyproject(tmp_path: Path) -> None:
    assert "/api/health" in excluded_paths(ROOT)
    assert excluded_paths(tmp_path) == ()  # no list: every path needs a token
    (tmp_path / "pyproject.toml").write_text('[tool.devhost]\neasy-auth-excluded-paths = ["x"]\n')
    with pytest.raises(ExcludedPathsInvalid):
        excluded_paths(tmp_path)


class RecordingFunctions:
    def __init__(self) -> None:
        self.seen: list[CIMultiDictProxy[str]] = []

    async def handle(self, request: Any, url: Any, body: bytes) -> Any:
        from devhost.frontend.responses import response

        self.seen.append(request.headers)
        return response(200)


async def test_the_front_end_asks_the_gate_before_the_functions_but_not_for_admin(
    gate: EasyAuth, issuer: LocalIssuer
) -> None:
    functions = RecordingFunctions()
    admin = type("Admin", (), {"handle": lambda self, *_: "admin answered"})()
    frontend = Frontend(functions, admin, None, gate)  # type: ignore[arg-type]

    refused = await frontend.handle(make_mocked_request("GET", "/api/orders", FORGED), b"")
    assert refused.status == 401 and refused.headers["WWW-Authenticate"] == "Bearer"
    assert functions.seen == []

    sent = FORGED | {"Authorization": f"Bearer {mint(issuer, OID)}"}
    assert (
        await frontend.handle(make_mocked_request("GET", "/api/orders", sent), b"")
    ).status == 200
    [seen] = functions.seen
    assert seen["X-MS-CLIENT-PRINCIPAL-ID"] == OID
    assert seen.getall("X-MS-CLIENT-PRINCIPAL-NAME") == [OID]

    status = make_mocked_request("GET", "/admin/host/status", {"Host": "localhost:7071"})
    assert await frontend.handle(status, b"") == "admin answered"


def test_easy_auth_sets_the_platforms_and_infras_settings_as_deployed(
    issuer: LocalIssuer,
) -> None:
    environ = {"AUTH_REQUIRED": "false", "AUTH_ISSUER": "https://elsewhere/v2.0", "OTHER": "1"}
    emulate_platform(environ, issuer, "http://127.0.0.1:1/configuration")
    assert environ == {
        "AUTH_REQUIRED": "true",
        "WEBSITE_AUTH_ENABLED": "True",
        "AUTH_ISSUER": issuer.issuer,
        "AUTH_OPENID_CONFIGURATION_URL": "http://127.0.0.1:1/configuration",
        "AUTH_AUDIENCES": f"{issuer.client_id},api://{issuer.client_id}",
        "AUTH_ALLOWED_CLIENT_APPLICATIONS": issuer.client_app_id,
        "OTHER": "1",
    }


def test_a_client_list_of_the_local_settings_is_kept_for_app_and_gate(
    tmp_path: Path, issuer: LocalIssuer
) -> None:
    environ = {"AUTH_ALLOWED_CLIENT_APPLICATIONS": "spa-client, cli-client"}
    gate = EasyAuth.start(tmp_path, environ)
    try:
        assert environ["AUTH_ALLOWED_CLIENT_APPLICATIONS"] == "spa-client, cli-client"
        local = LocalIssuer.open(tmp_path)
        assert isinstance(
            gate.admit("GET", "/x", bearer(mint(local, OID, client="spa-client"))), CIMultiDict
        )
        assert gate.admit("GET", "/x", bearer(mint(local, OID))) == Refusal(None, 403)
    finally:
        gate.close()
