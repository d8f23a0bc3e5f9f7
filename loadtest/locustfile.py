"""The journeys real callers make, for Locust: locally by `make loadtest` (devhost --easy-auth,
`python -m loadtest`) and on Azure by Azure Load Testing (azure-load-test.yaml, testType:
Locust), with the same failure criteria (docs/benchmarks.md, "Load test").

- A customer places an order and leaves it for the back office; or creates one, reads it,
  lists their orders and cancels it with its ETag; or uploads an image (POST /api/images, PUT
  to the signed URL) and polls its status until the thumbnail is ready.
- The back office lists a customer's pending orders, reads one and confirms it with its ETag.

Each request is named after the function that serves it (the criteria name them); `blob_put`
is the upload to storage and `image_ready` the time from that upload to a `ready` status.

Tokens, from the environment (this file runs on Azure's engines too: standard library and
Locust only):
- LOADTEST_CUSTOMER_TOKENS (comma-separated, one customer each) and LOADTEST_BACKOFFICE_TOKEN
  (Orders.ReadWrite.All): ready tokens, as `python -m loadtest` mints with the local issuer;
- or, for each of CUSTOMER and BACKOFFICE without a token, Entra ID client credentials:
  LOADTEST_<ROLE>_CLIENT_ID and LOADTEST_<ROLE>_CLIENT_SECRET, with LOADTEST_TENANT_ID and
  LOADTEST_SCOPE (`api://<client id>/.default`).
LOADTEST_CUSTOMER_CLAIM names the claim that holds the customer id (the app's
CUSTOMER_ID_CLAIM, default `oid`).
"""

from __future__ import annotations

import base64
import functools
import itertools
import json
import os
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from locust import HttpUser, between, task
from locust.exception import RescheduleTask

IMAGE = (Path(__file__).with_name("sample.jpg")).read_bytes()
READY_WITHIN_S = 60.0  # a bound for giving up on a thumbnail, not a target
POLL_EVERY_S = 0.5


def client_credentials_token(role: str) -> str:
    """An app-only token for the API (OAuth 2.0 client credentials grant, Microsoft identity
    platform v2 endpoint): one POST, so no library is needed on the load engines."""
    tenant = os.environ["LOADTEST_TENANT_ID"]
    form = urllib.parse.urlencode(
        {
            "grant_type": "client_credentials",
            "client_id": os.environ[f"LOADTEST_{role}_CLIENT_ID"],
            "client_secret": os.environ[f"LOADTEST_{role}_CLIENT_SECRET"],
            "scope": os.environ["LOADTEST_SCOPE"],
        }
    ).encode()
    url = f"https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
    request = urllib.request.Request(url, data=form)
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
        token: str = json.load(answer)["access_token"]
    return token


@functools.cache
def tokens(role: str) -> tuple[str, ...]:
    """The role's tokens, read (or fetched) once per process."""
    variable = "LOADTEST_CUSTOMER_TOKENS" if role == "CUSTOMER" else "LOADTEST_BACKOFFICE_TOKEN"
    ready = [t.strip() for t in os.environ.get(variable, "").split(",") if t.strip()]
    return tuple(ready) or (client_credentials_token(role),)


def claim(token: str, name: str) -> str:
    """A claim of a JWT, read without verifying (the app verifies; this only needs the id)."""
    payload = token.split(".")[1]
    value = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))[name]
    return str(value)


def customer_ids() -> list[str]:
    name = os.environ.get("LOADTEST_CUSTOMER_CLAIM", "oid")
    return [claim(token, name) for token in tokens("CUSTOMER")]


_next_customer = itertools.count()


class Caller(HttpUser):
    """One signed-in caller; subclasses choose the token."""

    abstract = True
    wait_time = between(0.5, 1.5)
    role = "CUSTOMER"

    def on_start(self) -> None:
        pool = tokens(self.role)
        self.token = pool[next(_next_customer) % len(pool)]
        self.headers = {"Authorization": f"Bearer {self.token}"}

    def call(self, method: str, path: str, name: str, **kwargs: Any) -> Any:
        """One request to the app, named for the criteria: its JSON body (None when empty) and
        headers. A 4xx or 5xx is a failure, and ends this task's journey."""
        headers = {**self.headers, **kwargs.pop("headers", {})}
        with self.client.request(
            method, path, name=name, headers=headers, catch_response=True, **kwargs
        ) as response:
            if response.status_code >= 400:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                raise RescheduleTask
            response.success()
            return response.json() if response.content else None, response.headers


class Customer(Caller):
    weight = 3

    def on_start(self) -> None:
        super().on_start()
        self.customer = claim(self.token, os.environ.get("LOADTEST_CUSTOMER_CLAIM", "oid"))

    def create(self) -> dict[str, Any]:
        order = {"customer_id": self.customer, "product_id": "p-load", "quantity": 1}
        key = {"Idempotency-Key": f'"{uuid.uuid4().hex}"'}
        body, _ = self.call(
            "POST", "/api/orders", "create_order", json=order | {"total_amount": 9.99}, headers=key
        )
        return dict(body)

    @task(2)
    def place_order(self) -> None:
        """An order the back office will confirm."""
        self.create()

    @task(2)
    def order_and_cancel(self) -> None:
        order_id = self.create()["order_id"]
        _, headers = self.call("GET", f"/api/orders/{order_id}", "get_order")
        self.call("GET", f"/api/orders?customer_id={self.customer}&limit=10", "list_orders")
        if not self.cancel(order_id, headers["ETag"]):  # the back office confirmed it meanwhile:
            _, headers = self.call("GET", f"/api/orders/{order_id}", "get_order")  # read again
            if not self.cancel(order_id, headers["ETag"]):
                raise RescheduleTask

    def cancel(self, order_id: str, etag: str) -> bool:
        """PATCH to CANCELLED with the ETag read; False on 412 (changed since: as a client
        should, the journey reads it again), which is the app doing its job, not an error."""
        with self.client.patch(
            f"/api/orders/{order_id}",
            name="update_order",
            json={"status": "CANCELLED"},
            headers={**self.headers, "If-Match": etag},
            catch_response=True,
        ) as answer:
            if answer.status_code == 412:
                answer.success()
                return False
            if answer.status_code >= 400:
                answer.failure(f"{answer.status_code}: {answer.text[:200]}")
            return True

    @task(1)
    def upload_image(self) -> None:
        name = f"load/{self.customer}/{uuid.uuid4().hex}.jpg"
        ticket, _ = self.call(
            "POST",
            "/api/images",
            "create_image_upload",
            json={"name": name, "content_type": "image/jpeg"},
        )
        put = {"x-ms-blob-type": "BlockBlob", "Content-Type": "image/jpeg"}
        with self.client.put(
            ticket["upload_url"], data=IMAGE, headers=put, name="blob_put", catch_response=True
        ) as answer:
            if answer.status_code != 201:
                answer.failure(f"{answer.status_code}: {answer.text[:200]}")
                raise RescheduleTask
        self.wait_until_ready(name, time.monotonic())

    def wait_until_ready(self, name: str, started: float) -> None:
        """Poll the status; report the wait as `image_ready` (a failure if it never comes)."""
        status = "pending"
        while status == "pending" and time.monotonic() - started < READY_WITHIN_S:
            time.sleep(POLL_EVERY_S)
            body, _ = self.call("GET", f"/api/images/{name}", "get_image_status")
            status = body["status"]
        waited_ms = (time.monotonic() - started) * 1000
        problem = (
            None
            if status == "ready"
            else RuntimeError(f"{name}: {status} after {waited_ms:.0f} ms")
        )
        self.environment.events.request.fire(
            request_type="WAIT",
            name="image_ready",
            response_time=waited_ms,
            response_length=0,
            exception=problem,
            context={},
        )


class BackOffice(Caller):
    weight = 1
    role = "BACKOFFICE"

    @task
    def confirm_pending(self) -> None:
        customer = customer_ids()[next(_next_customer) % len(customer_ids())]
        page, _ = self.call(
            "GET", f"/api/orders?customer_id={customer}&status=PENDING&limit=5", "list_orders"
        )
        if not page["items"]:
            return
        order_id = page["items"][0]["order_id"]
        order, headers = self.call("GET", f"/api/orders/{order_id}", "get_order")
        if order["status"] != "PENDING":  # confirmed by another clerk in the meantime
            return
        with self.client.patch(
            f"/api/orders/{order_id}",
            name="update_order",
            json={"status": "CONFIRMED"},
            headers={**self.headers, "If-Match": headers["ETag"]},
            catch_response=True,
        ) as answer:
            if answer.status_code == 412:  # another clerk confirmed it first: the ETag's job
                answer.success()
            elif answer.status_code >= 400:
                answer.failure(f"{answer.status_code}: {answer.text[:200]}")
