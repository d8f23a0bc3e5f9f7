"""Storage split by trust: the uploads account (UploadsStorage) holds everything the internet
writes to and the image feature's data; the host's account (AzureWebJobsStorage) holds the
host's keys, packages and queues and the order data, and with vnetEnabled it is closed to
public networks, reached by the app through private endpoints in the virtual network it joins.
Both accounts are made by storage.bicep: HTTPS only, TLS 1.2, no shared keys. The names come
from the code where they can (bindings, the image store's containers, the status table)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from shared.bootstrap import IMAGE_STATUS_TABLE
from shared.images.store import THUMBNAILS, UPLOADS
from tests.deploy import app_model, infra

HOST_NAMES = {"azure-webjobs-hosts", "azure-webjobs-secrets", "app-package-*"}
SERVICES = ["blob", "queue", "table"]


def image_storage() -> dict[str, set[str]]:
    """What the image feature uses, from the code: its bindings on UploadsStorage, the image
    store's containers and the status table."""
    bindings = [
        b for _, bs in app_model.bindings() for b in bs if b.get("connection") == "UploadsStorage"
    ]
    containers = {b["path"].split("/")[0] for b in bindings if b["type"] == "blobTrigger"}
    queues = {b["queueName"] for b in bindings if b["type"] == "queueTrigger"}
    return {
        "tables": {IMAGE_STATUS_TABLE},
        "queues": queues | {q + "-poison" for q in queues} | {"webjobs-blobtrigger-poison"},
        "containers": containers | {UPLOADS, THUMBNAILS},
    }


def misplaced(uploads: infra.StorageNames, host: infra.StorageNames) -> list[str]:
    wanted = image_storage()
    problems = [
        f"{kind[:-1]} {name} is not in the uploads account"
        for kind, names in wanted.items()
        for name in names - getattr(uploads, kind)
    ]
    problems += [
        f"{kind[:-1]} {name} is in the host's account"
        for kind, names in wanted.items()
        for name in names & getattr(host, kind)
    ]
    problems += [
        f"container {name} is not in the host's account" for name in HOST_NAMES - host.containers
    ]
    return problems


def closed_host(params: dict[str, Any], vnet: bool) -> tuple[str, Any]:
    """The host account's publicNetworkAccess and networkAcls for vnetEnabled = `vnet`."""
    access = infra.evaluate(params.get("publicNetworkAccess", "Enabled"), {"vnetEnabled": vnet})
    (account,) = infra.resources(
        "modules/storage.bicep", "Microsoft.Storage/storageAccounts"
    ).values()
    acls = account["config"]["properties"]["networkAcls"]
    return access, infra.evaluate(acls, {"publicNetworkAccess": access})


def private_endpoint_problems(main: dict[str, Any]) -> list[str]:
    """With vnetEnabled: endpoints for blob, queue and table of the host's account in the
    network's endpoint subnet, and the app joined to the network's delegated subnet."""
    modules = main["modules"]
    endpoints = modules.get("hostPrivateEndpoints")
    if endpoints is None or endpoints["config"].get("condition") != "vnetEnabled":
        return ["no private endpoints of the host's account under vnetEnabled"]
    params = endpoints["config"]["config"]["params"]
    problems = []
    if infra.dotted(params["storageAccountName"]) != "storage.outputs.name":
        problems.append("the private endpoints are not the host account's")
    subnet = infra.evaluate(params["subnetId"], {"vnetEnabled": True})
    if subnet != "virtualNetwork.outputs.privateEndpointsSubnetId":
        problems.append(f"the private endpoints are in {subnet}")
    services = params.get(
        "services",
        infra.parse(infra.module_file("hostPrivateEndpoints"))["parameters"]["services"]["default"],
    )
    if sorted(services) != SERVICES:
        problems.append(f"private endpoints for {services}")
    app = modules["functionApp"]["config"]["params"].get("virtualNetworkSubnetId", "")
    if infra.evaluate(app, {"vnetEnabled": True}) != "virtualNetwork.outputs.appSubnetId":
        problems.append("the app does not join the network")
    return problems


# --- the real infra ------------------------------------------------------------------------


def test_the_image_data_lives_in_the_uploads_account_and_only_there() -> None:
    uploads = infra.account_names(infra.UPLOADS_ACCOUNT)
    host = infra.account_names(infra.HOST_ACCOUNT)
    assert misplaced(uploads, host) == []


def test_the_app_reaches_the_uploads_account_by_identity() -> None:
    settings = infra.deployed_settings()
    params = infra.module_params("functionApp")
    for service in ("blob", "queue", "table"):
        assert (
            infra.dotted(params[f"uploads{service.title()}Endpoint"])
            == f"uploads.outputs.{service}Endpoint"
        )
        assert settings[f"UploadsStorage__{service}ServiceUri"].startswith("https://stexampleup.")
    assert settings["UploadsStorage__credential"] == "managedidentity"
    assert settings["UploadsStorage__clientId"] == settings["AzureWebJobsStorage__clientId"]
    assert "UploadsStorage" not in settings, "no connection string: keys are off"


def test_the_app_identity_holds_a_data_role_per_service_on_the_uploads_account() -> None:
    assert infra.principal_of(infra.UPLOADS_ACCOUNT) == "identity.outputs.principalId"
    module = infra.parse("modules/uploads-account.bicep")["modules"]["appRoles"]["config"]
    assert str(module["params"]["principalId"]) == "principalId"
    roles = {str(role) for role in infra.variable("modules/uploads-roles.bicep", "roles")}
    wanted = {
        infra.BLOB_DATA_CONTRIBUTOR,
        infra.QUEUE_DATA_CONTRIBUTOR,
        infra.TABLE_DATA_CONTRIBUTOR,
    }
    assert roles == wanted  # not Blob Data Owner: nothing here manages ACLs


def test_both_accounts_are_made_by_storage_bicep_https_only_with_tls_1_2() -> None:
    assert infra.module_file(infra.HOST_ACCOUNT) == "modules/storage.bicep"
    uploads = infra.parse("modules/uploads-account.bicep")["modules"]["storage"]
    assert uploads["detail"]["path"] == "storage.bicep"
    (account,) = infra.resources(
        "modules/storage.bicep", "Microsoft.Storage/storageAccounts"
    ).values()
    properties = account["config"]["properties"]
    assert properties["supportsHttpsTrafficOnly"] is True
    assert properties["minimumTlsVersion"] == "TLS1_2"
    assert properties["allowSharedKeyAccess"] is False


def test_with_vnet_enabled_the_host_account_is_closed_and_reached_privately() -> None:
    params = infra.module_params(infra.HOST_ACCOUNT)
    assert closed_host(params, vnet=True) == (
        "Disabled",
        {"bypass": "None", "defaultAction": "Deny"},
    )
    assert closed_host(params, vnet=False)[0] == "Enabled"
    assert private_endpoint_problems(dict(infra.parse(infra.MAIN))) == []
    (network,) = infra.resources("modules/virtual-network.bicep", "virtualNetworks").values()
    subnets = {s["name"]: s["properties"] for s in network["config"]["properties"]["subnets"]}
    delegations = subnets["appSubnet"]["delegations"]
    assert [d["properties"]["serviceName"] for d in delegations] == ["Microsoft.App/environments"]


def test_the_uploads_account_stays_public_for_browsers() -> None:
    params = infra.module_params(infra.UPLOADS_ACCOUNT)
    assert "publicNetworkAccess" not in params
    uploads = infra.parse("modules/uploads-account.bicep")["modules"]["storage"]["config"]["params"]
    assert "publicNetworkAccess" not in uploads  # storage.bicep's default: Enabled


def test_the_default_leaves_the_network_off() -> None:
    """A choice with a price (docs/deploy.md, "Private networking"), made visible here."""
    assert infra.parse(infra.MAIN)["parameters"]["vnetEnabled"]["default"] is False


# --- each check fails without its part -----------------------------------------------------


def test_the_placement_check_catches_an_image_name_in_the_host_account() -> None:
    uploads = infra.account_names(infra.UPLOADS_ACCOUNT)
    host = infra.account_names(infra.HOST_ACCOUNT)
    moved = infra.StorageNames(uploads.tables - {"ImageStatus"}, uploads.queues, uploads.containers)
    with_it = infra.StorageNames(host.tables | {"ImageStatus"}, host.queues, host.containers)
    assert misplaced(moved, with_it) == [
        "table ImageStatus is not in the uploads account",
        "table ImageStatus is in the host's account",
    ]


def test_the_closure_check_catches_an_open_host_account() -> None:
    assert closed_host({"publicNetworkAccess": "Enabled"}, vnet=True)[0] == "Enabled"
    assert closed_host({}, vnet=True)[0] == "Enabled"


@pytest.mark.parametrize("broken", ["no endpoints", "two services", "app outside"])
def test_the_private_endpoint_check_catches_a_gap(broken: str) -> None:
    main = copy.deepcopy(dict(infra.parse(infra.MAIN)))
    if broken == "no endpoints":
        del main["modules"]["hostPrivateEndpoints"]
    elif broken == "two services":
        main["modules"]["hostPrivateEndpoints"]["config"]["config"]["params"]["services"] = [
            "blob",
            "queue",
        ]
    else:
        main["modules"]["functionApp"]["config"]["params"]["virtualNetworkSubnetId"] = ""
    assert private_endpoint_problems(main) != []
