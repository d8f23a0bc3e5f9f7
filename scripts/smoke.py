"""Smoke test of a deployed app: the paths that only a real Azure run can prove.

    python scripts/smoke.py                      # after `azd up`: URL and key from azd and az
    python scripts/smoke.py --base-url https://<host> --key <function key>

Each step exercises one piece of the deployment, in order:

1. GET /api/health (anonymous): the app started and its identity reads Table storage.
2. POST then GET /api/orders/{id} with a function key: writes through the identity (tables,
   the outbox, the order-events queue).
3. GET /api/customers/{id}/orders until the order shows: the queue trigger runs on the
   identity-based connection.
4. POST /api/images, then PUT a small JPEG to the returned URL: a user delegation SAS (there
   is no account key), accepted by Blob storage.
5. GET /api/images/{name} until `ready`: BlobCreated -> Event Grid subscription (postdeploy
   hook) -> blobs extension webhook -> make_thumbnail -> thumbnail written.
6. DELETE the order it created (the image and its thumbnail stay, under smoke/).

Standard library only; it prints what it checks and exits non-zero on the first failure.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

# A 64x48 JPEG, so that the script needs no image library.
JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAoHBwgHBgoICAgLCgoLDhgQDg0NDh0VFhEYIx8lJCIfIiEmKzcvJik0KSEi"
    "MEExNDk7Pj4+JS5ESUM8SDc9Pjv/2wBDAQoLCw4NDhwQEBw7KCIoOzs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7"
    "Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozv/wAARCAAwAEADASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQF"
    "BgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcY"
    "GRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWm"
    "p6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAA"
    "AAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAV"
    "YnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOU"
    "lZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIR"
    "AxEAPwDFoor1GvRzjOP7N5Pc5ua/W1rW8n3PKwOB+t83vWtbpfe/meXUV6jRXhf64f8ATj/yb/7U9H+w/wDp5+H/AATy"
    "6ivUa841T/kLXn/Xd/8A0I17WUZ3/aU5Q9ny2V97/ojgxuX/AFWKlzXv5W/Uq0UUV9AeYFeo15dXo/8Aamnf8/8Abf8A"
    "f5f8a+J4tpTqex5It/Ft/wBun0GSzjH2nM7bfqWqKq/2pp3/AD/23/f5f8aP7U07/n/tv+/y/wCNfEfVq/8AI/uZ9B7W"
    "n/MvvLVecap/yFrz/ru//oRrvf7U07/n/tv+/wAv+NcDqTq+p3TowZWmcgg5BG419hwpSqQrVHOLWi3XmeHnM4ypw5Xf"
    "Uq0UUV96fNhRRRQAUUUUAFFFFABRRRQB/9k="
)


class SmokeFailure(Exception):
    """A step did not give the answer a working deployment gives."""


def say(message: str) -> None:
    sys.stdout.write(message + "\n")
    sys.stdout.flush()


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def http(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> Response:
    request = Request(url, data=body, method=method, headers=headers or {})  # noqa: S310 - the URL is the app's or its SAS
    try:
        with urlopen(request, timeout=timeout) as answer:  # noqa: S310
            return Response(answer.status, dict(answer.headers), answer.read())
    except HTTPError as error:
        return Response(error.code, dict(error.headers), error.read())
    except URLError as error:
        raise SmokeFailure(f"{method} {url.split('?')[0]}: {error.reason}") from error


@dataclass(frozen=True)
class Api:
    base_url: str
    key: str

    def call(
        self,
        method: str,
        path: str,
        *,
        body: object = None,
        headers: dict[str, str] | None = None,
        expect: int = 200,
    ) -> Response:
        sent = {"x-functions-key": self.key, **(headers or {})}
        data = None if body is None else json.dumps(body).encode()
        if data is not None:
            sent["Content-Type"] = "application/json"
        response = http(method, self.base_url + path, body=data, headers=sent)
        if response.status != expect:
            detail = response.body[:500].decode(errors="replace")
            raise SmokeFailure(f"{method} {path}: HTTP {response.status}, not {expect}: {detail}")
        return response


def wait_for(what: str, check: Callable[[], Any], timeout: float, interval: float = 2) -> Any:
    """Poll until `check` returns something truthy; its value."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise SmokeFailure(f"{what}: not within {timeout:.0f} s")
        time.sleep(interval)


def azd_value(name: str) -> str | None:
    """A value of the azd environment: the process environment first, then `azd env`."""
    if os.environ.get(name):
        return os.environ[name]
    azd = shutil.which("azd")
    if azd is None:
        return None
    found = subprocess.run(  # noqa: S603 - fixed arguments, azd from PATH
        [azd, "env", "get-value", name], capture_output=True, text=True, check=False
    )
    return found.stdout.strip() or None if found.returncode == 0 else None


def function_key() -> str:
    """The host's default function key, read with az from the azd environment's app."""
    az = shutil.which("az")
    group, app = azd_value("AZURE_RESOURCE_GROUP"), azd_value("AZURE_FUNCTION_APP_NAME")
    if az is None or not group or not app:
        raise SmokeFailure("pass --key, or run where az and the azd environment are available")
    found = subprocess.run(  # noqa: S603 - fixed arguments, az from PATH
        [
            az,
            "functionapp",
            "keys",
            "list",
            "--resource-group",
            group,
            "--name",
            app,
            "--query",
            "functionKeys.default",
            "--output",
            "tsv",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if found.returncode != 0 or not found.stdout.strip():
        raise SmokeFailure(f"az could not list the keys of {app}: {found.stderr.strip()}")
    return found.stdout.strip()


def check_health(api: Api, timeout: float) -> None:
    def healthy() -> bool:
        try:  # a cold start may time out or refuse the first requests
            return http("GET", api.base_url + "/api/health", timeout=60).status == 200
        except SmokeFailure:
            return False

    wait_for("GET /api/health answers 200", healthy, timeout, interval=5)
    say("ok   health: the app runs and reads Table storage with its identity")


def create_order(api: Api, customer: str) -> dict[str, Any]:
    order = {"customer_id": customer, "product_id": "smoke", "quantity": 1, "total_amount": 1.5}
    created = api.call(
        "POST", "/api/orders", body=order, expect=201, headers={"Idempotency-Key": f'"{customer}"'}
    ).json()
    path = f"/api/orders/{created['order_id']}"
    first = {"If-Match": api.call("GET", path).headers.get("ETag", "*")}
    # Both updates are entity-group transactions the app writes itself (docs/change-feed.md):
    # one commits, and the second, with the ETag the first replaced, must be refused.
    updated = api.call("PATCH", path, body={"quantity": 2}, headers=first)
    api.call("PATCH", path, body={"quantity": 3}, headers=first, expect=412)
    say(f"ok   orders: created, read back, updated, a stale update refused: {created['order_id']}")
    return {"id": created["order_id"], "etag": updated.headers.get("ETag", "*")}


def check_read_model(api: Api, customer: str, order_id: str, timeout: float) -> None:
    def listed() -> bool:
        items = api.call("GET", f"/api/customers/{customer}/orders").json()["items"]
        return any(item.get("order_id") == order_id for item in items)

    wait_for("the order reaching the customer read model (queue trigger)", listed, timeout)
    say("ok   change feed: order-events queue -> process_order_event -> read model")


def check_thumbnail(api: Api, timeout: float) -> None:
    name = f"smoke/{uuid.uuid4().hex}.jpg"
    ticket = api.call(
        "POST",
        "/api/images",
        expect=200,  # 200: nothing exists before the PUT
        body={"name": name, "content_type": "image/jpeg"},
    ).json()
    put = http(
        "PUT",
        ticket["upload_url"],
        body=JPEG,
        headers={"x-ms-blob-type": "BlockBlob", "Content-Type": "image/jpeg"},
    )
    if put.status != 201:
        raise SmokeFailure(f"PUT to the upload URL: HTTP {put.status}: {put.body[:300]!r}")
    say(f"ok   upload: the SAS from POST /api/images accepted {name}")

    def settled() -> dict[str, Any] | None:
        status: dict[str, Any] = api.call("GET", f"/api/images/{name}").json()
        return status if status.get("status") in ("ready", "failed") else None

    status = wait_for(f"{name} becoming ready (Event Grid -> make_thumbnail)", settled, timeout)
    if status["status"] != "ready":
        raise SmokeFailure(f"{name} failed: {status.get('reason')}")
    size = f"{status.get('width')}x{status.get('height')}"
    say(f"ok   thumbnail: Event Grid delivered {name}; thumbnail {size}")


def run(api: Api, timeout: float) -> None:
    started = time.monotonic()
    check_health(api, timeout)
    customer = f"smoke-{uuid.uuid4().hex[:12]}"
    order = create_order(api, customer)
    check_read_model(api, customer, order["id"], timeout)
    check_thumbnail(api, timeout)
    api.call(
        "DELETE", f"/api/orders/{order['id']}", headers={"If-Match": order["etag"]}, expect=204
    )
    say(f"ok   cleanup: deleted {order['id']}")
    say(f"smoke test passed in {time.monotonic() - started:.1f} s against {api.base_url}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", help="the app's URL (default: azd's SERVICE_API_URI)")
    parser.add_argument("--key", help="a function key (default: the app's, read with az)")
    parser.add_argument("--timeout", type=float, default=180, help="seconds per waiting step")
    args = parser.parse_args(argv)
    try:
        base_url = args.base_url or azd_value("SERVICE_API_URI")
        if not base_url:
            raise SmokeFailure("pass --base-url, or run inside the azd project after azd up")
        run(Api(base_url.rstrip("/"), args.key or function_key()), args.timeout)
    except SmokeFailure as failure:
        say(f"FAIL {failure}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
