"""devhost --easy-auth's local test issuer and token validation: the issuer is made once per
folder and shared by every process that asks, and the validator accepts its tokens and refuses
every token Easy Auth would refuse, saying why."""

from __future__ import annotations

import json
import stat
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import jwt
import pytest

from devhost.auth import IssuerUnreadable, LocalIssuer, TokenRejected, mint
from devhost.auth.__main__ import main as token_command
from devhost.auth.validation import LEEWAY_SECONDS, TokenValidator
from tests import forged_tokens as forged

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

OID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> LocalIssuer:
    return LocalIssuer.open(tmp_path_factory.mktemp("app"))


@pytest.fixture(scope="module")
def validator(issuer: LocalIssuer) -> TokenValidator:
    return TokenValidator(issuer)


def test_the_issuer_is_made_on_first_use_and_kept(tmp_path: Path) -> None:
    first = LocalIssuer.open(tmp_path)
    again = LocalIssuer.open(tmp_path)

    assert first.folder == tmp_path.resolve() / ".devhost" / "auth"
    assert (again.kid, again.issuer, again.client_id) == (first.kid, first.issuer, first.client_id)
    key_mode = stat.S_IMODE((first.folder / "signing-key.pem").stat().st_mode)
    assert key_mode == 0o600
    assert first.issuer == f"https://devhost.invalid/{first.tenant_id}/v2.0"
    assert first.audiences == (first.client_id, f"api://{first.client_id}")
    assert [p.name for p in first.folder.parent.iterdir()] == ["auth"]  # no staging left


def test_processes_starting_together_share_one_issuer(tmp_path: Path) -> None:
    with ThreadPoolExecutor(6) as pool:
        issuers = list(pool.map(lambda _: LocalIssuer.open(tmp_path), range(6)))
    assert len({i.kid for i in issuers}) == 1
    assert len({i.client_id for i in issuers}) == 1
    assert [p.name for p in (tmp_path / ".devhost").iterdir()] == ["auth"]


@pytest.mark.parametrize(
    "damage",
    [
        lambda folder: (folder / "issuer.json").write_text("{not json"),
        lambda folder: (folder / "signing-key.pem").write_text("not a key"),
        lambda folder: (folder / "signing-key.pem").unlink(),
    ],
)
def test_a_damaged_issuer_is_reported_not_replaced(
    tmp_path: Path, damage: Callable[[Path], Any]
) -> None:
    damage(LocalIssuer.open(tmp_path).folder)
    with pytest.raises(IssuerUnreadable, match="delete"):
        LocalIssuer.open(tmp_path)


def test_another_folders_key_under_this_record_is_refused(tmp_path: Path) -> None:
    mine, theirs = LocalIssuer.open(tmp_path / "a"), LocalIssuer.open(tmp_path / "b")
    (mine.folder / "signing-key.pem").write_bytes((theirs.folder / "signing-key.pem").read_bytes())
    with pytest.raises(IssuerUnreadable, match="not the one"):
        LocalIssuer.open(tmp_path / "a")


def test_its_tokens_carry_entra_v2_claim_names(issuer: LocalIssuer) -> None:
    now = int(time.time())
    token = mint(issuer, OID, customer="c-1", roles=["Orders.Read.All"] * 2, now=now)

    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})

    assert header == {"alg": "RS256", "kid": issuer.kid, "typ": "JWT"}
    assert claims == {
        "aud": issuer.client_id,
        "iss": issuer.issuer,
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "azp": issuer.client_app_id,
        "oid": OID,
        "sub": OID,
        "tid": issuer.tenant_id,
        "ver": "2.0",
        "roles": ["Orders.Read.All"],
        "customer_id": "c-1",
    }


def test_the_validator_accepts_the_issuers_tokens_for_either_audience(
    issuer: LocalIssuer, validator: TokenValidator
) -> None:
    assert validator.claims(mint(issuer, OID))["oid"] == OID
    api_uri = mint(issuer, OID, audience=f"api://{issuer.client_id}")
    assert validator.claims(api_uri)["aud"] == f"api://{issuer.client_id}"
    # Expired, but within the allowance for clock skew.
    assert validator.claims(mint(issuer, OID, expires_in=-(LEEWAY_SECONDS - 5)))


REFUSED: dict[str, tuple[Callable[[LocalIssuer], str], str]] = {
    "expired": (lambda i: mint(i, OID, expires_in=-(LEEWAY_SECONDS + 5)), "expired"),
    "not yet valid": (
        lambda i: forged.reissued(i, OID, nbf=int(time.time()) + 600),
        "not valid yet",
    ),
    "another audience": (lambda i: mint(i, OID, audience="api://someone-else"), "audience"),
    "another issuer": (
        lambda i: forged.reissued(i, OID, iss="https://login.microsoftonline.com/x/v2.0"),
        "another issuer",
    ),
    "another key": (lambda i: forged.signed_by_another_key(i, OID), "signature"),
    "edited claims": (
        lambda i: forged.tampered(i, OID, roles=["Orders.ReadWrite.All"]),
        "signature",
    ),
    "alg none": (lambda i: forged.unsigned(i, OID), "RS256"),
    "HS256 keyed with the public key": (lambda i: forged.hs256_with_public_key(i, OID), "RS256"),
    "another key id": (
        lambda i: jwt.encode(
            forged.claims_for(i, OID), i.private_key, algorithm="RS256", headers={"kid": "k2"}
        ),
        "key this issuer does not have",
    ),
    "RS512": (
        lambda i: jwt.encode(
            forged.claims_for(i, OID), i.private_key, algorithm="RS512", headers={"kid": i.kid}
        ),
        "RS256",
    ),
    "no oid": (lambda i: forged.reissued(i, OID, oid=forged.DELETE), "no oid claim"),
    "blank oid": (lambda i: forged.reissued(i, OID, oid=" "), "oid"),
    "no sub": (lambda i: forged.reissued(i, OID, sub=forged.DELETE), "no sub claim"),
    "no iat": (lambda i: forged.reissued(i, OID, iat=forged.DELETE), "no iat claim"),
    "no exp": (lambda i: forged.reissued(i, OID, exp=forged.DELETE), "no exp claim"),
    "not a JWT": (lambda i: "not-a-token", "well-formed"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_the_validator_refuses_what_easy_auth_refuses(
    case: str, issuer: LocalIssuer, validator: TokenValidator
) -> None:
    make, reason = REFUSED[case]
    with pytest.raises(TokenRejected, match=reason) as refused:
        validator.claims(make(issuer))
    assert '"' not in str(refused.value) and "\\" not in str(refused.value)  # RFC 6750 quoting


def test_the_token_command_prints_a_token_the_folders_devhost_accepts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["token", "--oid", OID, "--role", "Orders.Read.All", "--role", "Orders.ReadWrite.All"]
    argv += ["--customer", "c-9", "--expires-in", "120", "--script-root", str(tmp_path)]

    assert token_command(argv) == 0

    token = capsys.readouterr().out.strip()
    claims = TokenValidator(LocalIssuer.open(tmp_path)).claims(token)
    assert claims["roles"] == ["Orders.Read.All", "Orders.ReadWrite.All"]
    assert claims["customer_id"] == "c-9"
    assert claims["exp"] - claims["iat"] == 120


def test_the_token_command_mints_for_another_audience_when_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["token", "--oid", OID, "--audience", "api://other", "--script-root", str(tmp_path)]
    assert token_command(argv) == 0
    token = capsys.readouterr().out.strip()
    assert json.dumps(jwt.decode(token, options={"verify_signature": False})["aud"]) == (
        '"api://other"'
    )
    with pytest.raises(TokenRejected, match="audience"):
        TokenValidator(LocalIssuer.open(tmp_path)).claims(token)


def test_the_token_command_refuses_an_empty_oid(tmp_path: Path) -> None:
    assert token_command(["token", "--oid", " ", "--script-root", str(tmp_path)]) == 2
