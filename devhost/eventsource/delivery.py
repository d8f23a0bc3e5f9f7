"""Post events to the blobs extension's webhook the way Event Grid does.

One event per request (an array of one in the Event Grid schema, the bare event in the
CloudEvents schema), header `aeg-event-type: Notification`. Any 2xx is delivered. 400, 401,
403 and 413 are never retried (Event Grid drops or dead-letters those); other statuses,
timeouts and refused connections are retried with exponential back-off, then given up after
`max_attempts` and logged. Event Grid's own schedule runs for 24 hours; locally a shorter
bound is kinder (the defaults give up after about a minute).

Posts go through the source's aiohttp session, which ignores HTTP(S)_PROXY (aiohttp reads
the environment only with `trust_env`): the host is local. With the host's keys (devhost
`--easy-auth` asks for them, as the Functions host does on Azure), a delivery carries the
`blobs_extension` system key as `code=`, as an Event Grid subscription's URL does, and the
readiness check the master key; neither is ever logged.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import aiohttp

from devhost.keys import system_key_name
from devhost.tasks import wait_for_event

if TYPE_CHECKING:
    import asyncio

    from devhost.keys import HostKeys

__all__ = ["NO_RETRY", "EventDelivery", "RetryPolicy", "WebhookClient"]

logger = logging.getLogger(__name__)
NO_RETRY = frozenset({400, 401, 403, 413})
_STATUS_TIMEOUT = aiohttp.ClientTimeout(total=5)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 8
    first_delay: float = 0.5
    max_delay: float = 30.0
    timeout: float = 30.0  # Event Grid waits 30 s for an answer

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt `attempt` (1-based)."""
        return float(min(self.max_delay, self.first_delay * 2 ** (attempt - 1)))


class EventDelivery:
    """One destination of a subscription, delivered to as Event Grid does: each event tried
    up to `policy.max_attempts` times with back-off, never again after a status Event Grid
    does not retry. Subclasses make one attempt (`_attempt`)."""

    def __init__(
        self, destination: str, function_id: str, *, policy: RetryPolicy, stopping: asyncio.Event
    ) -> None:
        self.destination, self.function_id, self.policy = destination, function_id, policy
        self._stopping = stopping

    async def _attempt(self, event: dict[str, Any]) -> int:
        """The status of one try; OSError or aiohttp.ClientError when it got no answer."""
        raise NotImplementedError

    async def deliver(self, event: dict[str, Any]) -> bool:
        """True once the destination accepted the event; False when it was given up (logged)."""
        subject = event.get("subject", "")
        for attempt in range(1, self.policy.max_attempts + 1):
            try:
                status: int | str = await self._attempt(event)
            except (OSError, aiohttp.ClientError) as exc:  # refused, reset, timed out
                status = type(exc).__name__
            if isinstance(status, int) and 200 <= status < 300:
                logger.debug("event_delivered function_id=%s subject=%s", self.function_id, subject)
                return True
            if status in NO_RETRY:
                break
            if attempt == self.policy.max_attempts:
                break
            if await wait_for_event(self._stopping, self.policy.delay(attempt)):
                break
            logger.info(
                "event_delivery_retry function_id=%s subject=%s attempt=%d status=%s",
                self.function_id,
                subject,
                attempt,
                status,
            )
        if not self._stopping.is_set():
            logger.error(
                "event_dropped function_id=%s subject=%s attempts=%d last_status=%s target=%s",
                self.function_id,
                subject,
                attempt,
                status,
                self.destination,
            )
        return False


class WebhookClient(EventDelivery):
    def __init__(
        self,
        target: str,
        function_id: str,
        *,
        schema: str,
        policy: RetryPolicy,
        stopping: asyncio.Event,
        session: aiohttp.ClientSession,
        keys: HostKeys | None = None,
    ) -> None:
        self.base = target.rstrip("/")
        self.url = f"{self.base}/runtime/webhooks/blobs?functionName={quote(function_id)}"
        super().__init__(self.url, function_id, policy=policy, stopping=stopping)
        self.schema, self._session = schema, session
        self._timeout = aiohttp.ClientTimeout(total=policy.timeout)
        self._code = {} if keys is None else {"code": keys.system[system_key_name("blobs")]}
        self._admin = {} if keys is None else {"x-functions-key": keys.master}

    async def _attempt(self, event: dict[str, Any]) -> int:
        body = json.dumps(event if self.schema == "cloudevents" else [event]).encode()
        content_type = (
            "application/cloudevents+json; charset=utf-8"
            if self.schema == "cloudevents"
            else "application/json"
        )
        headers = {"Content-Type": content_type, "aeg-event-type": "Notification"}
        async with self._session.post(
            self.url, params=self._code, data=body, headers=headers, timeout=self._timeout
        ) as response:
            await response.read()
            return response.status

    async def _ready(self) -> bool:
        try:
            async with self._session.get(
                f"{self.base}/admin/host/status", headers=self._admin, timeout=_STATUS_TIMEOUT
            ) as response:
                await response.read()
                return response.status == 200
        except (OSError, aiohttp.ClientError):
            return False

    async def wait_until_ready(self, *, log_every: float = 10.0) -> bool:
        """Wait for the host to answer `GET /admin/host/status` (devhost and Core Tools both
        serve it), so that a host still starting does not use up the retries. False if
        stopped first."""
        waited_since = time.monotonic()
        logged = 0.0
        while not self._stopping.is_set():
            if await self._ready():
                return True
            waited = time.monotonic() - waited_since
            if waited - logged >= log_every:
                logger.info("event_source_waiting target=%s waited_s=%.0f", self.base, waited)
                logged = waited
            await wait_for_event(self._stopping, 0.5)
        return False
