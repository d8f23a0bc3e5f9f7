"""Azure's entity limits, which Azurite does not enforce, are checked before every write."""

from __future__ import annotations

import json

import pytest

from shared.tables import EntityRejected, check_entity, query_page
from tests.unit.recording_transport import RecordingTransport, table_client


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


async def test_a_listing_reads_one_page_even_when_it_is_short() -> None:
    """A page can come back short (or empty) with a position: storage may stop at a partition
    boundary or after 5 s. query_page reads that one page and hands the position on, rather
    than reading on until `limit` is filled (the cost of a call is bounded before it is paid)."""
    page = {"value": [{"PartitionKey": "p00", "RowKey": "order:a", "n": 1}]}
    transport = RecordingTransport(
        200,
        {
            "Content-Type": "application/json;odata=minimalmetadata",
            "x-ms-continuation-NextPartitionKey": "p07",
            "x-ms-continuation-NextRowKey": "order:b",
        },
        json.dumps(page).encode(),
    )
    async with table_client(transport) as client:
        found, position = await query_page(client, "n eq @n", {"n": 1}, limit=20, continuation=None)
    assert len(transport.requests) == 1
    assert "$top=20" in transport.requests[0].url
    assert [entity["RowKey"] for entity in found] == ["order:a"]
    assert position == {"PartitionKey": "p07", "RowKey": "order:b"}
