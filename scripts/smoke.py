"""Smoke test of a deployed app: the paths that only a real Azure run can prove.

    python scripts/smoke.py                      # after `azd up`: URL, client id from azd
    python scripts/smoke.py --base-url https://<host> --token <access token>

It needs an Entra ID access token for the app, for a caller granted the Orders.ReadWrite.All
app role (docs/deploy.md, "Granting roles"), obtained by a client application the deployment
allows (Easy Auth and the app answer 403 to any other). It gets one itself, in this order:

- with SMOKE_CLIENT_ID and SMOKE_CLIENT_SECRET: the client credentials of an allowed client
  application (the app registration itself, or one listed in
  AZURE_AUTH_ALLOWED_CLIENT_APPLICATIONS), from the tenant's token endpoint
  (AZURE_AUTHORITY_HOST, default https://login.microsoftonline.com), scope
  api://<client id>/.default: the way for any environment;
- else `az account get-access-token --resource api://<client id>`, as the signed-in user: only
  where the deployment allows the Azure CLI (AZURE_AUTH_ALLOWED_CLIENTS, an output of infra/,
  lists it after `azd env set AZURE_AUTH_ALLOW_AZURE_CLI true` and `azd provision`; dev
  environments only).

Each step exercises one piece of the deployment:

1. GET /api/health (anonymous): the app started and its identity reads Table storage.
2. The anonymous pages (pyproject.toml's easy-auth-excluded-paths) answer without a token;
   GET /api/orders without a token, with a forged X-MS-CLIENT-PRINCIPAL header or with a bad
   token gets 401 with `WWW-Authenticate: Bearer`: Easy Auth is on, excluding exactly those.
3. With CORS configured (CORS_ALLOWED_ORIGINS or --origin), a preflight from that origin is
   answered by the app, not refused 401 (azure-functions-host#7316).
4. POST then GET /api/orders/{id} with the token: writes through the identity (tables, the
   outbox, the order-events queue), and Easy Auth accepts the v2 token (issuer, audience).
5. GET /api/customers/{id}/orders until the order shows: the queue trigger runs on the
   identity-based connection.
6. POST /api/images, then PUT a small JPEG to the returned URL: a user delegation SAS (there
   is no account key), accepted by Blob storage.
7. GET /api/images/{name} until `ready`: BlobCreated -> Event Grid subscription (postdeploy
   hook) -> blobs extension webhook (excluded from Easy Auth) -> make_thumbnail.
8. DELETE the order it created (the image and its thumbnail stay, under smoke/).

Standard library only; it prints what it checks (never the token) and exits non-zero on the
first failure.
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
import tomllib
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
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


ROOT = Path(__file__).resolve().parents[1]
# The role the order steps need: they act on an order of a made-up customer.
WRITER_ROLE = "Orders.ReadWrite.All"
AZURE_CLI = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
# A principal header as the platform would make it, which no client may bring along.
FORGED_PRINCIPAL = base64.b64encode(
    json.dumps(
        {"auth_typ": "aad", "claims": [{"typ": "roles", "val": WRITER_ROLE}], "role_typ": "roles"}
    ).encode()
).decode()


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

    def header(self, name: str) -> str:
        """A response header, matched without regard to case; "" when absent."""
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), "")


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
    token: str
    key: str | None = None

    def call(
        self,
        method: str,
        path: str,
        *,
        body: object = None,
        headers: dict[str, str] | None = None,
        expect: int = 200,
    ) -> Response:
        sent = {"Authorization": f"Bearer {self.token}", **(headers or {})}
        if self.key:
            sent["x-functions-key"] = self.key
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


def access_token() -> str:
    """A token for the app (api://<client id>): an allowed client's, or the Azure CLI's."""
    client_id, tenant = azd_value("AZURE_AUTH_CLIENT_ID"), azd_value("AZURE_TENANT_ID")
    if not client_id:
        raise SmokeFailure("pass --token, or run inside the azd project after azd up")
    smoke_client, secret = os.environ.get("SMOKE_CLIENT_ID"), os.environ.get("SMOKE_CLIENT_SECRET")
    if smoke_client and secret:
        if not tenant:
            raise SmokeFailure("AZURE_TENANT_ID is needed for a client-credentials token")
        return client_credentials_token(tenant, client_id, smoke_client, secret)
    if AZURE_CLI not in (allowed_clients() or set()):
        raise SmokeFailure(
            "no way to get a token: set SMOKE_CLIENT_ID and SMOKE_CLIENT_SECRET to an allowed "
            "client's credentials, or (dev environments) `azd env set AZURE_AUTH_ALLOW_AZURE_CLI "
            "true` and `azd provision`, or pass --token (docs/deploy.md, 'The smoke test')"
        )
    return azure_cli_token(client_id, tenant)


def client_credentials_token(tenant: str, client_id: str, smoke_client: str, secret: str) -> str:
    """OAuth 2.0 client credentials at the tenant's v2 token endpoint
    (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow)."""
    authority = os.environ.get("AZURE_AUTHORITY_HOST", "https://login.microsoftonline.com")
    form = urlencode(
        {
            "grant_type": "client_credentials",
            "client_id": smoke_client,
            "client_secret": secret,
            "scope": f"api://{client_id}/.default",
        }
    ).encode()
    answer = http(
        "POST",
        f"{authority.rstrip('/')}/{tenant}/oauth2/v2.0/token",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    token = (answer.json() or {}).get("access_token") if answer.status == 200 else None
    if not token:
        detail = (answer.json() or {}).get("error_description", f"HTTP {answer.status}")
        raise SmokeFailure(f"no client-credentials token for api://{client_id}: {detail}")
    return str(token)


def azure_cli_token(client_id: str, tenant: str | None) -> str:
    az = shutil.which("az")
    if az is None:
        raise SmokeFailure("az is required for an Azure CLI token: https://aka.ms/azure-cli")
    command = [az, "account", "get-access-token", "--resource", f"api://{client_id}"]
    command += ["--tenant", tenant] if tenant else []
    found = subprocess.run(  # noqa: S603 - fixed arguments, az from PATH
        [*command, "--query", "accessToken", "--output", "tsv"],
        capture_output=True,
        text=True,
        check=False,
    )
    if found.returncode != 0 or not found.stdout.strip():
        detail = found.stderr.strip()
        raise SmokeFailure(f"az could not get a token for api://{client_id}: {detail}")
    return found.stdout.strip()


def allowed_clients() -> set[str] | None:
    """The client applications the deployment lets call (infra/ computes the list and outputs
    it); None when it is not at hand (a --base-url and --token run elsewhere)."""
    listed = azd_value("AZURE_AUTH_ALLOWED_CLIENTS")
    return set(filter(None, listed.replace(" ", "").split(","))) if listed else None


def claims_of(token: str) -> dict[str, Any]:
    """The token's claims, read without checking its signature (the platform checks it)."""
    try:
        payload = token.split(".")[1]
        claims: dict[str, Any] = json.loads(
            base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        )
    except (IndexError, ValueError) as error:
        raise SmokeFailure("the token is not a JWT") from error
    return claims


def check_token(token: str) -> None:
    claims = claims_of(token)
    roles = list(claims.get("roles", []))
    if claims.get("ver") != "2.0":
        raise SmokeFailure(
            f"the token is a v{claims.get('ver')} token: the app registration must request v2 "
            "tokens (requestedAccessTokenVersion 2; the preprovision hook sets it)"
        )
    if WRITER_ROLE not in roles:
        raise SmokeFailure(
            f"the token's roles are {roles}, without {WRITER_ROLE}, which the order steps need: "
            "grant it (docs/deploy.md, 'Granting roles'), then get a new token"
        )
    allowed = allowed_clients()
    if allowed is not None and claims.get("azp") not in allowed:
        raise SmokeFailure(
            f"the token was obtained by client application {claims.get('azp')}, which the "
            "deployment does not allow (Easy Auth and the app answer 403): use an allowed "
            "client (docs/deploy.md, 'The smoke test')"
        )
    client, joined = claims.get("azp"), ", ".join(roles)
    say(f"ok   token: v2.0 for {claims.get('aud')}, client {client}, roles {joined}")


def excluded_paths() -> list[str]:
    """The app's paths that Easy Auth serves without a token (pyproject.toml, one list)."""
    with (ROOT / "pyproject.toml").open("rb") as file:
        devhost = tomllib.load(file)["tool"]["devhost"]
    return [path for path in devhost["easy-auth-excluded-paths"] if path.startswith("/api/")]


def check_health(api: Api, timeout: float) -> None:
    def healthy() -> bool:
        try:  # a cold start may time out or refuse the first requests
            return http("GET", api.base_url + "/api/health", timeout=60).status == 200
        except SmokeFailure:
            return False

    wait_for("GET /api/health answers 200", healthy, timeout, interval=5)
    say("ok   health: the app runs and reads Table storage with its identity")


def check_authentication(api: Api) -> None:
    open_paths = excluded_paths()
    for path in open_paths:
        answer = http("GET", api.base_url + path)
        if answer.status != 200:
            raise SmokeFailure(f"GET {path} without a token: HTTP {answer.status}, not 200")
    callers = {
        "without a token": {},
        "with a forged principal header": {"X-MS-CLIENT-PRINCIPAL": FORGED_PRINCIPAL},
        "with a bad token": {"Authorization": "Bearer not-a-token"},
    }
    for caller, headers in callers.items():
        answer = http("GET", api.base_url + "/api/orders", headers=headers)
        challenge = answer.header("WWW-Authenticate")
        if answer.status != 401 or not challenge.lower().startswith("bearer"):
            raise SmokeFailure(
                f"GET /api/orders {caller}: HTTP {answer.status}, WWW-Authenticate "
                f"{challenge!r}, not 401 with a Bearer challenge"
            )
    refused = ", ".join(callers)
    say(f"ok   auth: {len(open_paths)} paths open; /api/orders 401 Bearer {refused}")


def check_preflight(api: Api, origin: str | None) -> None:
    if not origin:
        say("skip cors: no origin configured (CORS_ALLOWED_ORIGINS, --origin)")
        return
    answer = http(
        "OPTIONS",
        api.base_url + "/api/orders",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    allowed_headers = answer.header("Access-Control-Allow-Headers")
    seen = (
        f"HTTP {answer.status}, Access-Control-Allow-Origin "
        f"{answer.header('Access-Control-Allow-Origin')!r}, -Headers {allowed_headers!r}"
    )
    if answer.status == 401:
        raise SmokeFailure(
            f"CORS preflight from {origin}: {seen}: the platform refused it for want of a token "
            "(azure-functions-host#7316), so browsers on that origin cannot call the API"
        )
    if (
        answer.status >= 300
        or answer.header("Access-Control-Allow-Origin") != origin
        or "authorization" not in allowed_headers.lower()
    ):
        raise SmokeFailure(f"CORS preflight from {origin}: {seen}: a browser would refuse it")
    say(f"ok   cors: preflight from {origin}: {seen}")


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


def run(api: Api, timeout: float, origin: str | None) -> None:
    started = time.monotonic()
    check_token(api.token)
    check_health(api, timeout)
    check_authentication(api)
    check_preflight(api, origin)
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
    parser.add_argument(
        "--token",
        help="an access token for the app (default: client credentials from SMOKE_CLIENT_ID and "
        "SMOKE_CLIENT_SECRET, else az where the Azure CLI is allowed)",
    )
    parser.add_argument(
        "--origin", help="an origin to send a CORS preflight from (default: CORS_ALLOWED_ORIGINS)"
    )
    parser.add_argument("--key", help="a function key, for an app that still checks keys")
    parser.add_argument("--timeout", type=float, default=180, help="seconds per waiting step")
    args = parser.parse_args(argv)
    try:
        base_url = args.base_url or azd_value("SERVICE_API_URI")
        if not base_url:
            raise SmokeFailure("pass --base-url, or run inside the azd project after azd up")
        origins = (azd_value("CORS_ALLOWED_ORIGINS") or "").replace(" ", "").split(",")
        api = Api(base_url.rstrip("/"), args.token or access_token(), args.key)
        run(api, args.timeout, args.origin or origins[0] or None)
    except SmokeFailure as failure:
        say(f"FAIL {failure}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
