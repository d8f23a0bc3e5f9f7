"""Azure's entity limits, which Azurite does not enforce, are checked before every write."""

from __future__ import annotations

import pytest

from shared.tables import EntityRejected, check_entity


def entity(**properties: object) -> dict[str, object]:
    return {"PartitionKey": "p00", "RowKey": "order:1"} | properties


def test_ordinary_entity_passes() -> None:
    assert check_entity(entity(a="x" * 1000, n=5))


@pytest.mark.parametrize("key", ["a/b", "a\\b", "a#b", "a?b", "a\tb", "a\x7fb", "", "k" * 1025])
def test_forbidden_keys_are_rejected(key: str) -> None:
    with pytest.raises(EntityRejected):
        check_entity({"PartitionKey": "p00", "RowKey": key})
    with pytest.raises(EntityRejected):
        check_entity({"PartitionKey": key, "RowKey": "r"})


def test_more_than_252_custom_properties_are_rejected() -> None:
    assert check_entity(entity(**{f"p{i}": i for i in range(252)}))
    with pytest.raises(EntityRejected):
        check_entity(entity(**{f"p{i}": i for i in range(253)}))


def test_string_over_64_kib_is_rejected() -> None:
    with pytest.raises(EntityRejected):
        check_entity(entity(text="x" * (32 * 1024 + 1)))


def test_entity_over_1_mib_is_rejected() -> None:
    nearly = {f"s{i}": "x" * 30_000 for i in range(17)}  # ~1.0 MB in UTF-16
    assert check_entity(entity(**nearly))
    with pytest.raises(EntityRejected):
        check_entity(entity(**nearly, more="x" * 30_000))
