"""infra/ provisions K storage accounts and N event queues as the code places them
(shared/sharding.py): each extra account made by the same module as the host's (so keys off,
OAuth, TLS 1.2 hold for each) with the same data roles for the app's identity, each queue and
its poison twin in the account the code sends to, and app settings the app and the host read
as identity-based connections. Offline: main.bicep is evaluated for several K and N, its loops,
modules and names as written in the files (tests/deploy/bicep_eval.py), with placeholders for
what only ARM computes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

from shared.config import load_settings
from shared.settings_syntax import MAX_EVENT_QUEUES, MAX_ORDER_ACCOUNTS
from shared.sharding import queue_account, queue_names
from tests.deploy import infra
from tests.deploy.bicep_eval import Template
from tests.deploy.test_consistency import APP_IDENTITY, _connection_problems

if TYPE_CHECKING:
    from tests.deploy.bicep_eval import LazyObject

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


def _arm(resource_type: str, body: LazyObject, path: str) -> Any:
    """What ARM computes for the properties the tests read, in the shape it has on Azure."""
    if resource_type == "Microsoft.Storage/storageAccounts":
        kind = path.removeprefix("properties.primaryEndpoints.")
        if kind in ("blob", "queue", "table"):
            return f"https://{body['name']}.{kind}.core.windows.net/"
    if (resource_type, path) == (
        "Microsoft.ManagedIdentity/userAssignedIdentities",
        "properties.clientId",
    ):
        return infra.DEPLOYMENT_OUTPUTS["identityClientId"]
    return None


def _deployment(accounts: int, queues: int) -> Template:
    """main.bicep with K accounts and N queues; resourceToken (uniqueString) a placeholder."""
    given = {"orderStorageAccounts": accounts, "orderEventQueues": queues, "resourceToken": "tok"}
    return Template(infra.MAIN, given, _arm)


def _account_of(url: str) -> str:
    return str(urlsplit(url).hostname).split(".")[0]


def _queues_by_account(main: Template) -> dict[str, list[str]]:
    """Every queue the deployment makes, by the name of the account it is made in: each
    storage module's own list, and each event-queues module's loop."""
    storages = [
        main["storage"],
        *(account.template["storage"] for account in main["orderAccounts"]),
    ]
    event_queues = [
        main["primaryEventQueues"],
        *(account.template["eventQueues"] for account in main["orderAccounts"]),
    ]
    made: dict[str, list[str]] = {}
    for storage in storages:
        template = storage.template
        made.setdefault(template["account"].get("name"), []).extend(template.params["queueNames"])
    for module in event_queues:
        template = module.template
        names = [queue.get("name") for queue in template["eventQueues"]]
        made.setdefault(template.params["storageAccountName"], []).extend(names)
    return made


def _order_settings(main: Template) -> dict[str, str]:
    """main.bicep's orderSettings, evaluated."""
    return {setting["name"]: setting["value"] for setting in main["orderSettings"]}


ACCOUNTS = [1, 2, 3, 10, MAX_ORDER_ACCOUNTS]
QUEUES = [1, 2, 4, 16, MAX_EVENT_QUEUES]


@pytest.mark.parametrize("accounts", ACCOUNTS)
@pytest.mark.parametrize("queues", QUEUES)
def test_each_queue_and_its_poison_twin_are_made_in_the_account_the_code_uses(
    accounts: int, queues: int
) -> None:
    main = _deployment(accounts, queues)
    made = _queues_by_account(main)
    settings = _order_settings(main)
    connections = settings["ORDER_STORAGE_CONNECTIONS"].split(",")
    host_queues = main["functionApp"].body["params"]["storageQueueEndpoint"]
    endpoints = [host_queues] + [settings[f"{c}__queueServiceUri"] for c in connections[1:]]
    accounts_in_order = [_account_of(url) for url in endpoints]
    assert len(set(accounts_in_order)) == accounts and set(accounts_in_order) == set(made)
    feed = {
        a: sorted(n for n in names if n.startswith("order-events")) for a, names in made.items()
    }
    # The host's list always has the one queue of the default deployment and its twin.
    expected: dict[str, list[str]] = {a: [] for a in made} | {
        accounts_in_order[0]: ["order-events", "order-events-poison"]
    }
    if queues > 1:
        for index, name in enumerate(queue_names(queues)):
            expected[accounts_in_order[queue_account(index, accounts)]] += [name, f"{name}-poison"]
    assert feed == {a: sorted(names) for a, names in expected.items()}
    assert sum(len(names) for names in feed.values()) == 2 + (2 * queues if queues > 1 else 0)


@pytest.mark.parametrize("accounts", ACCOUNTS)
def test_each_extra_connection_points_at_its_own_account(accounts: int) -> None:
    main = _deployment(accounts, 4)
    settings = _order_settings(main)
    extra = [f"OrdersStorage{k}" for k in range(1, accounts)]
    assert settings["ORDER_STORAGE_CONNECTIONS"] == ",".join(["AzureWebJobsStorage", *extra])
    assert settings["ORDER_EVENT_QUEUES"] == "4"
    made = {
        module.template.params["accountIndex"]: module.template for module in main["orderAccounts"]
    }
    assert sorted(made) == list(range(1, accounts))
    suffixes = {"blobServiceUri", "queueServiceUri", "tableServiceUri", "credential", "clientId"}
    assert set(settings) == {"ORDER_STORAGE_CONNECTIONS", "ORDER_EVENT_QUEUES"} | {
        f"{c}__{suffix}" for c in extra for suffix in suffixes
    }
    for k, template in made.items():
        account = template["storage"].template["account"].get("name")
        for kind in ("blob", "queue", "table"):
            assert settings[f"OrdersStorage{k}__{kind}ServiceUri"] == (
                f"https://{account}.{kind}.core.windows.net/"
            )
        assert settings[f"OrdersStorage{k}__credential"] == "managedidentity"
        assert (
            settings[f"OrdersStorage{k}__clientId"] == infra.DEPLOYMENT_OUTPUTS["identityClientId"]
        )


@pytest.mark.parametrize(("accounts", "queues"), [(1, 1), (3, 4), (10, 16)])
def test_the_app_and_its_triggers_start_keyless_on_every_account(
    accounts: int, queues: int
) -> None:
    settings = infra.deployed_settings() | _order_settings(_deployment(accounts, queues))
    # Easy Auth (auth-infra) turns this on on Azure; the check here is about storage.
    settings |= {"AUTH_REQUIRED": "true", "WEBSITE_AUTH_ENABLED": "True"}
    loaded = load_settings(settings)
    assert len(loaded.order_storage) == accounts and loaded.event_queues == queues
    for endpoints in loaded.order_storage:
        assert endpoints.connection_string is None and endpoints.credential == "managedidentity"
    for connection in loaded.order_connections[1:]:  # each holds queue triggers
        assert _connection_problems(connection, {"queueTrigger"}, settings) == []
