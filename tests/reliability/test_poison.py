"""The poison hygiene check finds what no test explains, and only that."""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING

from azure.storage.queue import QueueServiceClient

from devhost.azurite import running_azurite
from tests.reliability.poison import unexplained_poison

if TYPE_CHECKING:
    from pathlib import Path


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_only_unexplained_poison_messages_are_reported(tmp_path: Path) -> None:
    with running_azurite(tmp_path) as azurite:
        assert unexplained_poison(azurite.connection_string) == []
        service = QueueServiceClient.from_connection_string(azurite.connection_string)
        events, work = service.create_queue("order-events-poison"), service.create_queue("x-poison")
        explained = {"new_image": {"customer_id": "bad/customer"}}
        events.send_message(_b64(json.dumps(explained).encode()))
        for index in range(40):  # more than one page of 32
            stray = {"new_image": {"customer_id": f"c{index}"}}
            events.send_message(_b64(json.dumps(stray).encode()))
        work.send_message(_b64(b"anything"))
        found = unexplained_poison(azurite.connection_string)
    assert len(found) == 41
    assert "x-poison: anything" in found
    assert not any("bad/customer" in line for line in found)
