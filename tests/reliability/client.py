"""A client that does what a careful client of the orders API does: every create carries an
Idempotency-Key, and connection failures and the answers that say "try again" are retried with
the same key, so an acknowledged order exists exactly once whatever fails in between. Any
other answer ends the create and is counted: during a fault the API may say "later", never
"no" (a 400, 404 or 422 would be a bug the retries must not hide)."""

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

    from tests.e2e.harness import Response

RETRY_PAUSE_S = 0.2
GIVE_UP_S = 300.0
# The answers a write may get while a fault is on, each retried: 503 (storage unavailable, or
# a host that has stopped taking work). An earlier try of the same key cut off by the fault
# either committed its order with the key's record, and the retry replays it, or wrote
# nothing (issue 33: one transaction), so no 409 is a "try again" any more.
RETRY_ANSWERS = frozenset({"503"})


def answer_label(status: int, body: bytes) -> str:
    """The status, and for a 4xx its problem type's last part (`422
    idempotency-key-reused`): a 4xx is never retried, and the report names its reason."""
    if not 400 <= status < 500:
        return str(status)
    try:
        kind = json.loads(body).get("type")
    except (ValueError, AttributeError):
        return str(status)
    return f"{status} {kind.rsplit(':', 1)[-1]}" if isinstance(kind, str) else str(status)


@dataclass
class Outcome:
    """One logical create: the order it was acknowledged with, and what it took."""

    key: str
    order_id: str | None = None
    seconds: float = 0.0
    retries: int = 0
    answers: list[str] = field(default_factory=list)  # every answer_label, retries included


@dataclass
class RetryingClient:
    base_url: str
    timeout_s: float = 30.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Answers outside success and RETRY_ANSWERS, by label, from creates and from updates.
    unexpected: dict[str, int] = field(default_factory=dict)
    connection_failures: int = 0

    def create(self, key: str, body: dict[str, Any]) -> Outcome:
        outcome = Outcome(key)
        started = time.monotonic()
        payload = json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": f'"{key}"'}
        while time.monotonic() - started < GIVE_UP_S:
            answer = self._post(payload, headers)
            if answer is None:
                self.count_connection_failure()
            elif answer.status == 201:
                outcome.answers.append("201")
                outcome.order_id = str(answer.json()["order_id"])
                break
            else:
                outcome.answers.append(answer_label(answer.status, answer.body))
                if not self.retryable(answer):
                    break  # never acknowledged: the report's `acknowledged` says so too
            outcome.retries += 1
            time.sleep(RETRY_PAUSE_S)
        outcome.seconds = time.monotonic() - started
        return outcome

    def retryable(self, answer: Response) -> bool:
        """Whether a write's failed answer says "try again"; any other is counted here."""
        label = answer_label(answer.status, answer.body)
        if label in RETRY_ANSWERS:
            return True
        with self.lock:
            self.unexpected[label] = self.unexpected.get(label, 0) + 1
        return False

    def _post(self, payload: bytes, headers: dict[str, str]) -> Response | None:
        try:
            return request(
                "POST",
                f"{self.base_url}/api/orders",
                body=payload,
                headers=headers,
                timeout=self.timeout_s,
            )
        except (OSError, http.client.HTTPException):  # refused, reset, timed out, cut short
            return None

    def count_connection_failure(self) -> None:
        with self.lock:
            self.connection_failures += 1


def poll(condition: Callable[[], bool], timeout: float, interval: float = 0.5) -> float:
    """Seconds until `condition()` held; TimeoutError after `timeout`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"not true within {timeout} s")
        time.sleep(interval)
    return time.monotonic() - started
