"""Deliver events to a storage queue the way Event Grid's storage queue handler does: one
message per event, the event's JSON (Event Grid schema) Base64-encoded, which is what the
Functions queue trigger reads with host.json's default `messageEncoding`
(https://learn.microsoft.com/azure/event-grid/handler-storage-queues; the encoding:
MicrosoftDocs/azure-docs#102923). Azure needs the queue to exist (infra/ creates it); locally
it is created on first use, as the host creates its own queues.
"""

from __future__ import annotations

import base64
import json
from functools import partial
from typing import TYPE_CHECKING, Any

from devhost.eventsource.delivery import EventDelivery
from devhost.outputs import create_on_missing

if TYPE_CHECKING:
    import asyncio

    from devhost.eventsource.delivery import RetryPolicy
    from devhost.storage import StorageAccounts

__all__ = ["QueueDelivery", "queue_message"]


def queue_message(event: dict[str, Any]) -> str:
    """The queue message text Event Grid writes for one event."""
    return base64.b64encode(json.dumps(event).encode()).decode()


class QueueDelivery(EventDelivery):
    def __init__(
        self,
        storage: StorageAccounts,
        connection: str | None,
        queue: str,
        *,
        function_id: str,
        policy: RetryPolicy,
        stopping: asyncio.Event,
    ) -> None:
        self._queue = storage.queue(connection).get_queue_client(queue)
        super().__init__(f"queue {queue}", function_id, policy=policy, stopping=stopping)

    async def _attempt(self, event: dict[str, Any]) -> int:
        from azure.core.exceptions import HttpResponseError, ServiceRequestError

        send = partial(self._queue.send_message, queue_message(event))
        try:
            await create_on_missing(send, self._queue.create_queue)
        except ServiceRequestError as exc:  # no answer: retried like a refused connection
            raise OSError(str(exc)) from exc
        except HttpResponseError as exc:
            return int(exc.status_code or 500)
        return 201
