"""local.settings.json and host.json loading."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from devhost.hostconfig import load_host_config
from devhost.settings import SettingsFileError, apply_values, load_local_settings
from devhost.timespan import parse_timespan

if TYPE_CHECKING:
    from pathlib import Path


def _write(folder: Path, name: str, document: object) -> None:
    (folder / name).write_text(json.dumps(document), encoding="utf-8")


def test_values_become_environment_but_existing_variables_win(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "local.settings.json",
        {
            "IsEncrypted": False,
            "Values": {"A": "from-file", "B": "from-file", "N": 3},
            "Host": {
                "LocalHttpPort": 7080,
                "CORS": "http://a.test, http://b.test",
                "CORSCredentials": True,
            },
        },
    )
    settings = load_local_settings(tmp_path)
    environ = {"A": "from-env"}
    applied = apply_values(settings, environ)
    assert environ == {"A": "from-env", "B": "from-file", "N": "3"}
    assert applied == {"B": "from-file", "N": "3"}
    assert settings.local_http_port == 7080
    assert settings.cors_origins == ("http://a.test", "http://b.test")
    assert settings.cors_credentials is True


def test_example_file_is_the_fallback(tmp_path: Path) -> None:
    _write(tmp_path, "local.settings.json.example", {"Values": {"X": "1"}})
    settings = load_local_settings(tmp_path)
    assert settings.values == {"X": "1"}
    assert settings.source == tmp_path / "local.settings.json.example"


def test_real_file_wins_over_example(tmp_path: Path) -> None:
    _write(tmp_path, "local.settings.json.example", {"Values": {"X": "example"}})
    _write(tmp_path, "local.settings.json", {"Values": {"X": "real"}})
    assert load_local_settings(tmp_path).values == {"X": "real"}


def test_no_file_means_no_settings(tmp_path: Path) -> None:
    settings = load_local_settings(tmp_path)
    assert settings.values == {}
    assert settings.local_http_port is None


DEEP = '{"Values": ' + "[" * 100_000 + "]" * 100_000 + "}"


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '{"Values": [1]}', DEEP])
def test_malformed_file_is_reported(tmp_path: Path, content: str) -> None:
    (tmp_path / "local.settings.json").write_text(content, encoding="utf-8")
    with pytest.raises(SettingsFileError, match=r"local\.settings\.json"):
        load_local_settings(tmp_path)


def test_host_json_options_and_environment_overrides(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "host.json",
        {
            "version": "2.0",
            "functionTimeout": "00:05:00",
            "extensions": {
                "http": {"routePrefix": "api"},
                "queues": {
                    "maxPollingInterval": "00:00:02",
                    "visibilityTimeout": "00:00:05",
                    "batchSize": 16,
                    "maxDequeueCount": 5,
                    "messageEncoding": "base64",
                },
                "blobs": {"maxDegreeOfParallelism": 4},
            },
        },
    )
    config = load_host_config(
        tmp_path, {"AzureFunctionsJobHost__extensions__http__routePrefix": "v1"}
    )
    assert config.route_prefix == "v1"
    assert config.function_timeout == 300
    assert config.queues.max_polling_interval == 2
    assert config.queues.visibility_timeout == 5
    assert config.queues.new_batch_threshold == 8
    assert config.queues.message_encoding == "base64"
    assert config.blobs.max_degree_of_parallelism == 4


def test_host_json_defaults(tmp_path: Path) -> None:
    _write(tmp_path, "host.json", {"version": "2.0", "extensions": {"http": {"routePrefix": ""}}})
    config = load_host_config(tmp_path, {})
    assert config.route_prefix == ""
    assert config.queues.max_dequeue_count == 5
    assert config.queues.max_polling_interval == 60
    assert config.queues.message_encoding == "base64"
    assert config.blobs.poison_blob_threshold == 5


@pytest.mark.parametrize(
    ("parallelism", "batch", "threshold"), [(100, 32, 68), (16, 9, 7), (4, 3, 1), (1, 1, 0)]
)
def test_the_host_blob_queue_splits_parallelism_as_the_extension_does(
    tmp_path: Path, parallelism: int, batch: int, threshold: int
) -> None:
    # The cases of SharedBlobQueueListenerFactoryTests in the Storage extension.
    _write(
        tmp_path,
        "host.json",
        {
            "version": "2.0",
            "extensions": {
                "blobs": {"maxDegreeOfParallelism": parallelism, "poisonBlobThreshold": 3},
            },
        },
    )
    config = load_host_config(tmp_path, {})
    assert config.blobs.host_queue_batch == (batch, threshold)
    assert config.blobs.poison_blob_threshold == 3


@pytest.mark.parametrize(
    ("queues", "message"),
    [({"batchSize": 64}, "batchSize"), ({"messageEncoding": "utf8"}, "messageEncoding")],
)
def test_invalid_queue_options_are_rejected(
    tmp_path: Path, queues: dict[str, object], message: str
) -> None:
    _write(tmp_path, "host.json", {"version": "2.0", "extensions": {"queues": queues}})
    with pytest.raises(ValueError, match=message):
        load_host_config(tmp_path, {})


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("00:00:02", 2), ("01:30:00", 5400), ("1.00:00:01", 86401), ("00:00:00.5", 0.5), (2000, 2)],
)
def test_timespans(text: object, seconds: float) -> None:
    assert parse_timespan(text) == seconds


@pytest.mark.parametrize("text", ["2s", "25:00:00", "00:61:00", ""])
def test_bad_timespans(text: str) -> None:
    with pytest.raises(ValueError, match="TimeSpan"):
        parse_timespan(text)


def test_explicit_settings_file_wins_over_local_settings(tmp_path) -> None:
    (tmp_path / "local.settings.json").write_text('{"Values": {"A": "local"}}')
    chosen = tmp_path / "other.json"
    chosen.write_text('{"Values": {"A": "chosen"}}')
    assert load_local_settings(tmp_path, chosen).values == {"A": "chosen"}
    with pytest.raises(SettingsFileError):
        load_local_settings(tmp_path, tmp_path / "missing.json")
