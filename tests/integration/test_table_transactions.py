"""shared.table_transactions on a real Azurite: what it writes reads back through the SDK
exactly as the SDK's own transaction would have written it, a refused operation names its
index and leaves nothing behind, and every credential the SDK signs with still signs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from azure.core.credentials import AzureNamedKeyCredential, AzureSasCredential
from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import AccountSasPermissions, ResourceTypes, generate_account_sas
from azure.data.tables.aio import TableClient, TableServiceClient

from shared.table_transactions import (
    Delete,
    Insert,
    Replace,
    TransactionFailed,
    submit_transaction,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from devhost.azurite import Azurite

TABLE = "TransactionTests"
# Quotes, a colon, spaces, percent signs and non-ASCII: everything a key predicate must escape.
AWKWARD_KEYS = ("p'q %20 é", "o'r:1 %2F ü")


@pytest.fixture
async def client(azurite: Azurite) -> AsyncIterator[TableClient]:
    async with TableServiceClient.from_connection_string(azurite.connection_string) as service:
        await service.create_table_if_not_exists(TABLE)
        yield service.get_table_client(TABLE)


def partition() -> str:
    return f"p-{uuid.uuid4().hex}"


async def missing(client: TableClient, partition: str, row: str) -> bool:
    try:
        await client.get_entity(partition, row)
    except ResourceNotFoundError:
        return True
    return False


async def test_inserts_read_back_with_their_types_and_etags(client: TableClient) -> None:
    p = partition()
    first = {
        "PartitionKey": p,
        "RowKey": "a",
        "text": 'naïve ☃ "q"',
        "n": -(2**31),
        "big": 2**31 - 1,
        "flag": True,
        "off": False,
        "gone": None,
    }
    second = {"PartitionKey": p, "RowKey": "b", "n": 7}
    results = await submit_transaction(client, [Insert(first), Insert(second)])
    stored = await client.get_entity(p, "a")
    assert dict(stored) == {k: v for k, v in first.items() if v is not None}
    assert type(stored["n"]) is int and type(stored["flag"]) is bool
    assert results == [
        {"etag": stored.metadata["etag"]},
        {"etag": (await client.get_entity(p, "b")).metadata["etag"]},
    ]


async def test_replace_and_delete_match_etags_and_escape_keys(client: TableClient) -> None:
    p, row = AWKWARD_KEYS[0] + partition(), AWKWARD_KEYS[1]
    await client.create_entity({"PartitionKey": p, "RowKey": row, "old": "x", "n": 1})
    await client.create_entity({"PartitionKey": p, "RowKey": "doomed"})
    etag = (await client.get_entity(p, row)).metadata["etag"]
    results = await submit_transaction(
        client,
        [
            Replace({"PartitionKey": p, "RowKey": row, "n": 2}, etag=etag),
            Delete(p, "doomed"),
        ],
    )
    replaced = await client.get_entity(p, row)
    assert dict(replaced) == {"PartitionKey": p, "RowKey": row, "n": 2}  # replaced, not merged
    assert results == [{"etag": replaced.metadata["etag"]}, {}]
    assert await missing(client, p, "doomed")


async def test_a_refused_operation_is_named_and_nothing_is_applied(client: TableClient) -> None:
    p = partition()
    await client.create_entity({"PartitionKey": p, "RowKey": "taken"})
    with pytest.raises(TransactionFailed) as failed:
        await submit_transaction(
            client,
            [
                Insert({"PartitionKey": p, "RowKey": "new"}),
                Insert({"PartitionKey": p, "RowKey": "taken"}),
            ],
        )
    assert (failed.value.index, failed.value.status_code) == (1, 409)
    assert failed.value.error_code == "EntityAlreadyExists"
    assert await missing(client, p, "new")


@pytest.mark.parametrize(
    ("existing", "status", "code"),
    [
        (True, 412, "UpdateConditionNotSatisfied"),
        (False, 404, "ResourceNotFound"),
    ],
)
async def test_a_stale_or_missing_row_fails_its_condition(
    client: TableClient, existing: bool, status: int, code: str
) -> None:
    p = partition()
    if existing:
        await client.create_entity({"PartitionKey": p, "RowKey": "r", "n": 1})
        await client.update_entity({"PartitionKey": p, "RowKey": "r", "n": 2})
    stale = "W/\"datetime'2020-01-01T00%3A00%3A00.0000000Z'\""
    with pytest.raises(TransactionFailed) as failed:
        await submit_transaction(
            client,
            [Replace({"PartitionKey": p, "RowKey": "r", "n": 3}, etag=stale)],
        )
    assert (failed.value.index, failed.value.status_code) == (0, status)
    assert failed.value.error_code == code


async def test_a_sas_credential_signs_the_transaction(azurite: Azurite) -> None:
    account, key = "devstoreaccount1", azurite.connection_string.split("AccountKey=")[1]
    sas = generate_account_sas(
        AzureNamedKeyCredential(account, key.split(";")[0]),
        resource_types=ResourceTypes(object=True, container=True),
        permission=AccountSasPermissions(read=True, add=True, update=True, delete=True),
        expiry=datetime.now(UTC) + timedelta(hours=1),
    )
    endpoint = f"http://127.0.0.1:{azurite.table_port}/{account}"
    p = partition()
    async with TableServiceClient.from_connection_string(azurite.connection_string) as service:
        await service.create_table_if_not_exists(TABLE)
    async with TableClient(endpoint, TABLE, credential=AzureSasCredential(sas)) as client:
        await submit_transaction(client, [Insert({"PartitionKey": p, "RowKey": "s"})])
        assert (await client.get_entity(p, "s"))["RowKey"] == "s"


@pytest.mark.parametrize("value", [1.5, 2**31, b"bytes", datetime.now(UTC)])
async def test_types_the_app_does_not_store_are_refused_before_sending(
    client: TableClient, value: Any
) -> None:
    p = partition()
    with pytest.raises(TypeError):
        await submit_transaction(client, [Insert({"PartitionKey": p, "RowKey": "t", "v": value})])
    assert await missing(client, p, "t")


async def test_a_missing_table_is_not_a_missing_row(azurite: Azurite) -> None:
    """Azurite, as Azure, answers a transaction on a missing table in the changeset, as
    operation 0 with 404: the shape of a stale delete's missing row. It is the table's."""
    stale = "W/\"datetime'2020-01-01T00%3A00%3A00.0000000Z'\""
    async with TableServiceClient.from_connection_string(azurite.connection_string) as service:
        client = service.get_table_client(f"Missing{uuid.uuid4().hex[:12]}")
        with pytest.raises(ResourceNotFoundError) as failed:
            await submit_transaction(client, [Delete(partition(), "r", etag=stale)])
    assert not isinstance(failed.value, TransactionFailed)
    assert failed.value.status_code == 404
    assert failed.value.error_code == "TableNotFound"  # type: ignore[attr-defined]
