"""infra/ provisions K storage accounts and N event queues as the code places them
(shared/sharding.py): each extra account made by the same module as the host's (so keys off,
OAuth, TLS 1.2 hold for each) with the same data roles for the app's identity, each queue and
its poison twin in the account the code sends to, and app settings the app and the host read
as identity-based connections. Offline, on the parsed templates; the few Bicep expressions
that compute names are mirrored here and tied to the template's text, so that a change to
either side fails."""

from __future__ import annotations

import pytest

from shared.config import load_settings
from shared.settings_rules import MAX_EVENT_QUEUES, MAX_ORDER_ACCOUNTS
from shared.sharding import queue_account, queue_names
from tests.deploy import infra
from tests.deploy.test_consistency import APP_IDENTITY, _connection_problems

EVENT_QUEUES = "modules/event-queues.bicep"
ORDER_ACCOUNT = "modules/order-account.bicep"


def _parameter(name: str) -> dict[str, object]:
    parameter = infra.parse(infra.MAIN)["parameters"][name]
    bounds = {d["type"]: d["argument"] for d in parameter["decorators"] if "argument" in d}
    return {"default": parameter["default"], **bounds}


def test_the_parameters_default_to_one_queue_and_one_account_within_the_code_s_limits() -> None:
    for name, most in (
        ("orderEventQueues", MAX_EVENT_QUEUES),
        ("orderStorageAccounts", MAX_ORDER_ACCOUNTS),
    ):
        parameter = _parameter(name)
        assert (parameter["default"], parameter["min_value"], parameter["max_value"]) == (
            1,
            1,
            most,
        )


def test_each_extra_account_is_the_host_account_s_module_with_the_same_roles() -> None:
    modules = infra.parse(ORDER_ACCOUNT)["modules"]
    kinds = {name: module["detail"]["path"] for name, module in modules.items()}
    assert kinds == {
        "storage": "storage.bicep",
        "eventQueues": "event-queues.bicep",
        "roles": "storage-roles.bicep",
    }
    roles = modules["roles"]["config"]["params"]
    assert (roles["principalId"], roles["principalType"]) == ("principalId", "ServicePrincipal")
    assert infra.dotted(roles["storageAccountName"]) == "storage.outputs.name"
    (main_module,) = infra.modules_of(ORDER_ACCOUNT)
    passed = infra.module_params(main_module)
    assert infra.dotted(passed["principalId"]) == APP_IDENTITY
    assert passed["tableNames"] == "storageTables"  # every table of the host's account


def _queues_here(account: int, accounts: int, queues: int) -> list[str]:
    """event-queues.bicep's loop, mirrored: `queuesHere` entries, queue then poison."""
    here = 0 if queues == 1 else (queues - account + accounts - 1) // accounts
    names = []
    for j in range(here * 2):
        index = account + (j // 2) * accounts
        names.append(f"order-events-{index}" if j % 2 == 0 else f"order-events-{index}-poison")
    return names


def test_the_mirrored_queue_loop_is_the_template_s() -> None:
    text = (infra.INFRA / EVENT_QUEUES).read_text("utf-8")
    assert (
        "var queuesHere = queues == 1 ? 0 : (queues - accountIndex + accounts - 1) / accounts"
        in text
    )
    assert "range(0, queuesHere * 2)" in text
    assert (
        "name: j % 2 == 0 ? 'order-events-${accountIndex + (j / 2) * accounts}' : "
        "'order-events-${accountIndex + (j / 2) * accounts}-poison'" in text
    )


@pytest.mark.parametrize("accounts", [1, 2, 3, 10, MAX_ORDER_ACCOUNTS])
@pytest.mark.parametrize("queues", [1, 2, 4, 16, MAX_EVENT_QUEUES])
def test_each_queue_and_its_poison_twin_are_made_in_the_account_the_code_uses(
    accounts: int, queues: int
) -> None:
    made = {k: _queues_here(k, accounts, queues) for k in range(accounts)}
    if queues == 1:  # the host account's own list has order-events and its poison twin
        assert all(names == [] for names in made.values())
        assert {"order-events", "order-events-poison"} <= infra.storage_names().queues
        return
    for index, name in enumerate(queue_names(queues)):
        home = queue_account(index, accounts)
        assert {k for k, names in made.items() if name in names} == {home}
        assert f"{name}-poison" in made[home]
    assert sum(len(names) for names in made.values()) == 2 * queues


def _order_settings(accounts: int, queues: int) -> dict[str, str]:
    """main.bicep's orderSettings for K accounts, mirrored, with deployment placeholders."""
    extra = [f"OrdersStorage{k}" for k in range(1, accounts)]
    settings = {
        "ORDER_EVENT_QUEUES": str(queues),
        "ORDER_STORAGE_CONNECTIONS": ",".join(["AzureWebJobsStorage", *extra]),
    }
    suffixes = ["blobServiceUri", "queueServiceUri", "tableServiceUri", "credential", "clientId"]
    for j in range((accounts - 1) * 5):
        account = j // 5 + 1
        values = [
            f"https://storder{account}.blob.core.windows.net/",
            f"https://storder{account}.queue.core.windows.net/",
            f"https://storder{account}.table.core.windows.net/",
            "managedidentity",
            infra.DEPLOYMENT_OUTPUTS["identityClientId"],
        ]
        settings[f"OrdersStorage{account}__{suffixes[j % 5]}"] = values[j % 5]
    return settings


def test_the_mirrored_settings_are_the_template_s() -> None:
    text = (infra.INFRA / infra.MAIN).read_text("utf-8")
    for expected in (
        "var extraOrderConnections = [for k in range(1, orderStorageAccounts - 1): "
        "'OrdersStorage${k}']",
        "var orderConnectionSuffixes = ['blobServiceUri', 'queueServiceUri', "
        "'tableServiceUri', 'credential', 'clientId']",
        "range(0, (orderStorageAccounts - 1) * 5)",
        "name: 'OrdersStorage${j / 5 + 1}__${orderConnectionSuffixes[j % 5]}'",
        "value: join(concat(['AzureWebJobsStorage'], extraOrderConnections), ',')",
        "value: string(orderEventQueues)",
    ):
        assert expected in text, expected
    values = infra.variable(infra.MAIN, "extraOrderConnectionSettings")["config"]["value"]
    listed = values["operator"]["operands"]["operand_1"]
    endpoints = [infra.dotted(value) for value in listed[:3]]
    for value, kind in zip(endpoints, ("blob", "queue", "table"), strict=True):
        assert value.startswith("{'operator': {'type': 'index_accessor'")  # orderAccounts[j / 5]
        assert "'operand_1': 'orderAccounts'" in value
        assert value.endswith(f".outputs.{kind}Endpoint")
    assert len(listed) == 5 and listed[3] == "managedidentity"
    assert infra.dotted(listed[4]) == "identity.outputs.clientId"


@pytest.mark.parametrize(("accounts", "queues"), [(1, 1), (3, 4), (10, 16)])
def test_the_app_and_its_triggers_start_keyless_on_every_account(
    accounts: int, queues: int
) -> None:
    settings = infra.deployed_settings() | _order_settings(accounts, queues)
    # Easy Auth (auth-infra) turns this on on Azure; the check here is about storage.
    settings |= {"AUTH_REQUIRED": "true", "WEBSITE_AUTH_ENABLED": "True"}
    loaded = load_settings(settings)
    assert len(loaded.order_storage) == accounts and loaded.event_queues == queues
    for endpoints in loaded.order_storage:
        assert endpoints.connection_string is None and endpoints.credential == "managedidentity"
    for connection in loaded.order_connections[1:]:  # each holds queue triggers
        assert _connection_problems(connection, {"queueTrigger"}, settings) == []
