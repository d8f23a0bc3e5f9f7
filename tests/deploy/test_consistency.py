"""The code and infra/ agree: every setting, table, queue, container and data role the code
needs is provisioned. The lists come from the code (tests/deploy/app_model.py), so a new
table, queue, container or setting without its infra fails here. Each check is also run on the
infra with one piece removed, to show that it would fail without it."""

from __future__ import annotations

import dataclasses
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

import pytest

from devhost.schedules import parse_schedule
from shared.config import SettingsError
from tests.deploy import app_model, infra

if TYPE_CHECKING:
    from collections.abc import Iterable

ROLE_FOR_SERVICE = {
    "blob": infra.BLOB_DATA_OWNER,
    "queue": infra.QUEUE_DATA_CONTRIBUTOR,
    "table": infra.TABLE_DATA_CONTRIBUTOR,
}
APP_IDENTITY = "identity.outputs.principalId"


# --- the checks -------------------------------------------------------------------------------


def _covered(name: str, provisioned: Iterable[str]) -> bool:
    return any(fnmatchcase(name, made) or fnmatchcase(made, name) for made in provisioned)


def missing_storage(required: dict[str, set[str]], made: infra.StorageNames) -> list[str]:
    """Required tables, queues and containers that the infra does not create."""
    provisioned = {"tables": made.tables, "queues": made.queues, "containers": made.containers}
    return sorted(
        f"{kind[:-1]} {name}"
        for kind, names in required.items()
        for name in names
        if not _covered(name, provisioned[kind])
    )


def settings_problems(settings: dict[str, str]) -> list[str]:
    """Why the app would not start, or would not run keyless, with these app settings."""
    problems = [
        f"%{name}% (binding) is not set"
        for name in sorted(app_model.binding_setting_references() - settings.keys())
    ]
    for connection, kinds in app_model.connections().items():
        problems += _connection_problems(connection, kinds, settings)
    try:
        _, loaded = app_model.settings_read(settings)
    except SettingsError as error:
        return [*problems, f"shared.config refuses the settings: {error}"]
    if loaded.storage.connection_string is not None:
        problems.append("storage is reached with a connection string (a key), not the identity")
    for schedule in app_model.timer_schedules():
        if set(app_model.SETTING_REFERENCE.findall(schedule)) <= settings.keys():
            parse_schedule(schedule, settings)  # raises on a schedule the host would refuse
    return problems


def _connection_problems(connection: str, kinds: set[str], settings: dict[str, str]) -> list[str]:
    """A binding connection must be identity-based, on the app's user-assigned identity, with
    the service URIs its triggers need (the host's own connection needs all three)."""
    if connection in settings:
        return [f"{connection} is a connection string: keys are off, use {connection}__*"]
    services = {"blob", "queue", "table"} if connection == "AzureWebJobsStorage" else set()
    services |= {"blob", "queue"} if "blobTrigger" in kinds else set()
    services |= {"queue"} if "queueTrigger" in kinds else set()
    problems = []
    if f"{connection}__accountName" not in settings:
        uris = [f"{connection}__{service}ServiceUri" for service in sorted(services)]
        problems += [f"{uri} is not set" for uri in uris if uri not in settings]
    if settings.get(f"{connection}__credential") != "managedidentity":
        problems.append(f"{connection}__credential is not managedidentity")
    if not settings.get(f"{connection}__clientId"):
        problems.append(f"{connection}__clientId is not set (the identity is user-assigned)")
    return problems


def missing_roles(services: set[str], granted: set[str]) -> list[str]:
    return sorted(
        f"{service}: {ROLE_FOR_SERVICE[service]}"
        for service in services
        if ROLE_FOR_SERVICE[service] not in granted
    )


def app_storage_roles() -> set[str]:
    """Roles granted to the app's identity on the storage account."""
    granted: set[str] = set()
    for module in infra.modules_of("modules/storage-roles.bicep"):
        if infra.principal_of(module) == APP_IDENTITY:
            assert infra.dotted(infra.module_params(module)["storageAccountName"]) == (
                "storage.outputs.name"
            )
            granted |= infra.storage_roles_of(module)
    return granted


# --- the real app against the real infra ---------------------------------------------------


def test_every_table_queue_and_container_the_code_uses_is_provisioned() -> None:
    assert missing_storage(app_model.required_storage(), infra.storage_names()) == []


def test_the_derived_storage_lists_are_not_empty() -> None:
    """Guards the derivation itself: it finds what the code is known to use."""
    required = app_model.required_storage()
    assert {"Orders", "ImageStatus"} <= required["tables"]
    assert {"order-events", "order-events-poison"} <= required["queues"]
    assert {"uploads", "thumbnails", "azure-webjobs-hosts"} <= required["containers"]


def test_the_app_starts_keyless_with_the_infra_settings() -> None:
    assert settings_problems(infra.deployed_settings()) == []


def test_every_setting_the_code_reads_is_set_by_the_infra_or_has_a_default() -> None:
    """What shared.config reads, recorded as it reads it; what it does not find must default."""
    deployed = infra.deployed_settings()
    read, loaded = app_model.settings_read(deployed)
    assert {"PAGING_TOKEN_SECRET", "CORS_ALLOWED_ORIGINS", "AzureWebJobsStorage__clientId"} <= read
    required = {name for name in read & deployed.keys() if _refused_without(deployed, name)}
    assert required >= {"PAGING_TOKEN_SECRET", "AzureWebJobsStorage__blobServiceUri"}
    assert loaded.storage.credential == "managedidentity"
    assert loaded.storage.client_id == deployed["AzureWebJobsStorage__clientId"]


def _refused_without(settings: dict[str, str], name: str) -> bool:
    try:
        app_model.settings_read({key: value for key, value in settings.items() if key != name})
    except SettingsError:
        return True
    return False


def test_only_shared_config_reads_the_environment() -> None:
    """The recorded reads above see every setting only if nothing else reads os.environ."""
    assert app_model.environment_readers() == []


def test_each_storage_service_the_code_uses_has_a_role_for_the_app_identity() -> None:
    services = app_model.storage_services()
    assert services == {"blob", "queue", "table"}
    assert missing_roles(services, app_storage_roles()) == []


def test_the_app_identity_may_publish_telemetry() -> None:
    (module,) = infra.modules_of("modules/monitoring-role.bicep")
    assert infra.principal_of(module) == APP_IDENTITY
    role = infra.variable(infra.module_file(module), "monitoringMetricsPublisher")
    assert role == infra.MONITORING_METRICS_PUBLISHER


def test_the_event_grid_hook_targets_the_blob_triggered_function() -> None:
    """The postdeploy hook builds Host.Functions.<name> from THUMBNAIL_FUNCTION_NAME and filters
    on UPLOADS_CONTAINER_NAME: both must be the code's Event Grid blob trigger."""
    triggers = app_model.blob_triggers()
    name = infra.parse(infra.MAIN)["parameters"]["thumbnailFunctionName"]["default"]
    assert name in triggers, f"{name} is not a blob-triggered function: {sorted(triggers)}"
    container = triggers[name]["path"].split("/")[0]
    assert infra.resolve_main(infra.variable(infra.MAIN, "uploadsContainer")) == container


def test_blob_triggers_use_the_event_grid_source() -> None:
    """Flex Consumption runs only the Event Grid blob trigger; the hook's webhook serves only it."""
    triggers = app_model.blob_triggers()
    assert triggers
    assert {name: binding.get("source") for name, binding in triggers.items()} == {
        name: "EventGrid" for name in triggers
    }


def test_the_blob_trigger_host_queue_is_named_after_the_host_id() -> None:
    """The host id is the app name lower-cased and cut to 32 characters; main.bicep keeps the
    name to 32 so the pre-created queue's name is the one the host uses."""
    parameters = infra.parse(infra.MAIN)["parameters"]
    limits = [
        d["argument"]
        for d in parameters["functionAppName"]["decorators"]
        if d["type"] == "max_length"
    ]
    assert limits == [32]
    assert infra.variable(infra.MAIN, "hostId") == "appName"
    assert "azure-webjobs-blobtrigger-${hostId}" in infra.variable(infra.MAIN, "storageQueues")


def test_infra_made_containers_are_in_the_provisioned_list() -> None:
    """The deployment package and dead-letter containers are created before they are used."""
    containers = infra.storage_names().containers
    (app,) = infra.modules_of("modules/function-app.bicep")
    (grid,) = infra.modules_of("modules/event-grid.bicep")
    used = [
        infra.module_params(app)["deploymentContainerName"],
        infra.module_params(grid)["deadLetterContainerName"],
    ]
    for name in used:
        assert _covered(infra.pattern(infra.resolve_main(name)), containers), name


# --- each check fails without its part ---------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        ("tables", "ImageStatus"),
        ("tables", "OrdersByCustomer"),
        ("queues", "order-events"),
        ("queues", "order-events-poison"),
        ("queues", "azure-webjobs-blobtrigger-*"),
        ("queues", "webjobs-blobtrigger-poison"),
        ("containers", "uploads"),
        ("containers", "thumbnails"),
        ("containers", "azure-webjobs-secrets"),
    ],
)
def test_storage_check_reports_a_missing_name(kind: str, name: str) -> None:
    made = infra.storage_names()
    without = dataclasses.replace(made, **{kind: getattr(made, kind) - {name}})
    assert missing_storage(app_model.required_storage(), without) == [f"{kind[:-1]} {name}"]


@pytest.mark.parametrize(
    ("removed", "reported"),
    [
        ("PAGING_TOKEN_SECRET", "PAGING_TOKEN_SECRET must be set"),
        ("ORDER_SWEEP_SCHEDULE", "%ORDER_SWEEP_SCHEDULE% (binding) is not set"),
        (
            "AzureWebJobsStorage__credential",
            "AzureWebJobsStorage__credential is not managedidentity",
        ),
        ("AzureWebJobsStorage__clientId", "AzureWebJobsStorage__clientId is not set"),
        ("AzureWebJobsStorage__queueServiceUri", "AzureWebJobsStorage__queueServiceUri is not set"),
        ("AzureWebJobsStorage__tableServiceUri", "AzureWebJobsStorage__tableServiceUri is not set"),
    ],
)
def test_settings_check_reports_a_missing_setting(removed: str, reported: str) -> None:
    settings = infra.deployed_settings()
    del settings[removed]
    assert any(reported in problem for problem in settings_problems(settings)), reported


def test_settings_check_refuses_a_key_based_connection() -> None:
    settings = infra.deployed_settings() | {
        "AzureWebJobsStorage": "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k"
    }
    assert any("connection string" in problem for problem in settings_problems(settings))


def test_settings_check_refuses_a_bad_schedule() -> None:
    settings = infra.deployed_settings() | {"ORDER_SWEEP_SCHEDULE": "every night"}
    # shared.config checks the schedule itself now (shared/ncrontab.py), before devhost's parser.
    problems = settings_problems(settings)
    assert any("ORDER_SWEEP_SCHEDULE must be an NCRONTAB expression" in p for p in problems)


@pytest.mark.parametrize("role", sorted(ROLE_FOR_SERVICE.values()))
def test_role_check_reports_a_missing_role(role: str) -> None:
    granted = app_storage_roles() - {role}
    assert missing_roles(app_model.storage_services(), granted) == [
        f"{service}: {role}" for service, wanted in ROLE_FOR_SERVICE.items() if wanted == role
    ]
