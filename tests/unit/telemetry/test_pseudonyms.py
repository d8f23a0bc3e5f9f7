"""File names and non-oid customer ids leave logs and spans only as keyed pseudonyms that still
correlate (shared.telemetry.pseudonyms)."""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING

import pytest

from shared import bootstrap
from shared.config import load_settings
from shared.telemetry import pseudonyms
from shared.telemetry.pseudonyms import PREFIX, Pseudonyms

if TYPE_CHECKING:
    from collections.abc import Iterator

KEY = b"k" * 32
OID = Pseudonyms(KEY, customer_is_oid=True)
EMAIL = Pseudonyms(KEY, customer_is_oid=False)


@pytest.fixture(autouse=True)
def nothing_installed() -> Iterator[None]:
    pseudonyms.install(None)
    yield
    pseudonyms.install(None)


def test_a_pseudonym_is_the_keyed_hmac_sha256_shortened_and_marked() -> None:
    expected = hmac.new(KEY, b"jane-doe.jpg", hashlib.sha256).hexdigest()[:16]
    assert OID.of("jane-doe.jpg") == PREFIX + expected


def test_the_same_value_correlates_and_another_key_gives_another_pseudonym() -> None:
    assert OID.of("a/b.png") == OID.of("a/b.png")
    assert OID.of("a/b.png") != OID.of("a/c.png")
    assert Pseudonyms(b"x" * 32).of("a/b.png") != OID.of("a/b.png")


def test_an_oid_customer_is_recorded_as_it_is_and_any_other_claim_is_hashed() -> None:
    assert OID.customer_id("0b5d0c9e-oid") == "0b5d0c9e-oid"
    hashed = EMAIL.customer_id("jane@example.com")
    assert hashed.startswith(PREFIX) and "jane" not in hashed


def test_a_blob_name_keeps_an_oid_folder_and_hides_the_file_name() -> None:
    recorded = OID.blob_name("0b5d0c9e-oid/jane-doe.jpg")
    folder, _, file_part = recorded.partition("/")
    assert folder == "0b5d0c9e-oid"
    assert file_part == OID.of("0b5d0c9e-oid/jane-doe.jpg") and "jane" not in recorded


def test_two_customers_files_of_the_same_name_do_not_share_a_pseudonym() -> None:
    assert OID.blob_name("c-1/me.jpg").split("/")[1] != OID.blob_name("c-2/me.jpg").split("/")[1]


def test_a_blob_name_in_an_e_mail_folder_hides_the_folder_too() -> None:
    recorded = EMAIL.blob_name("jane@example.com/holiday.png")
    assert "jane" not in recorded and "holiday" not in recorded
    assert recorded.split("/")[0] == EMAIL.customer_id("jane@example.com")


def test_a_name_outside_any_folder_is_one_pseudonym() -> None:
    assert OID.blob_name("loose.png") == OID.of("loose.png")


def test_without_settings_a_process_key_stands_in_and_nothing_shows() -> None:
    recorded = pseudonyms.blob_name("someone@example.com/jane.png")
    assert "jane" not in recorded and "someone" not in recorded
    assert pseudonyms.customer_id("someone@example.com").startswith(PREFIX)


async def test_the_settings_install_a_key_derived_from_the_app_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every instance derives the same key (so pseudonyms correlate across instances), never
    the paging key itself, and CUSTOMER_ID_CLAIM decides how customers are recorded."""
    env = {"AzureWebJobsStorage": "UseDevelopmentStorage=true", "AUTH_REQUIRED": "false"}
    for name, value in (env | {"CUSTOMER_ID_CLAIM": "email"}).items():
        monkeypatch.setenv(name, value)
    await bootstrap.reset()
    settings = bootstrap.settings()
    assert settings.pseudonym_key == load_settings(env).pseudonym_key
    assert settings.pseudonym_key not in (b"", settings.paging_secret)
    assert pseudonyms.pseudonyms() == Pseudonyms(settings.pseudonym_key, customer_is_oid=False)
    monkeypatch.setenv("CUSTOMER_ID_CLAIM", "oid")
    await bootstrap.reset()
    assert bootstrap.settings() and pseudonyms.pseudonyms().customer_is_oid
    await bootstrap.reset()
