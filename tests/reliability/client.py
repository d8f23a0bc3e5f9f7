"""A client that does what a careful client of the orders API does: every create carries an
Idempotency-Key, and connection failures and 503s are retried with the same key, so an
acknowledged order exists exactly once whatever fails in between."""

from __future__ import annotations

import http.client
import json
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tests.e2e.harness import request

if TYPE_CHECKING:
    from collections.abc import Callable

RETRY_PAUSE_S = 0.2
GIVE_UP_S = 300.0


@dataclass
class Outcome:
    """One logical create: the order it was acknowledged with, and what it took."""

    key: str
    order_id: str | None = None
    seconds: float = 0.0
    retries: int = 0
    statuses: list[int] = field(default_factory=list)  # every answer, retries included


@dataclass
class RetryingClient:
    base_url: str
    timeout_s: float = 30.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    raw_5xx: dict[int, int] = field(default_factory=dict)  # status -> count, 503 excluded
    connection_failures: int = 0

    def create(self, key: str, body: dict[str, Any]) -> Outcome:
        outcome = Outcome(key)
        started = time.monotonic()
        payload = json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": f'"{key}"'}
        while time.monotonic() - started < GIVE_UP_S:
            status, answer = self._post(payload, headers)
            if status is not None:
                outcome.statuses.append(status)
            if status == 201:
                outcome.order_id = str(answer["order_id"])
                break
            self._count(status)
            outcome.retries += 1
            time.sleep(RETRY_PAUSE_S)
        outcome.seconds = time.monotonic() - started
        return outcome

    def _post(self, payload: bytes, headers: dict[str, str]) -> tuple[int | None, Any]:
        try:
            response = request(
                "POST",
                f"{self.base_url}/api/orders",
                body=payload,
                headers=headers,
                timeout=self.timeout_s,
            )
        except (OSError, http.client.HTTPException):  # refused, reset, timed out, cut short
            return None, None
        return response.status, (response.json() if response.status == 201 else None)

    def _count(self, status: int | None) -> None:
        with self.lock:
            if status is None:
                self.connection_failures += 1
            elif status >= 500 and status != 503:
                self.raw_5xx[status] = self.raw_5xx.get(status, 0) + 1


def poll(condition: Callable[[], bool], timeout: float, interval: float = 0.5) -> float:
    """Seconds until `condition()` held; TimeoutError after `timeout`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"not true within {timeout} s")
        time.sleep(interval)
    return time.monotonic() - started
