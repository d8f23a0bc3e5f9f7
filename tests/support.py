"""Invoke the app's registered functions the way the Functions host does, in-process."""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import uuid
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

import azure.functions as func

from shared.auth import READ_WRITE_ALL, Caller
from shared.config import UPLOADS_CONNECTION

if TYPE_CHECKING:
    from azure.data.tables.aio import TableClient
    from azure.storage.blob.aio import BlobServiceClient
    from azure.storage.queue.aio import QueueServiceClient


@dataclass
class InvocationContext:
    """The parts of func.Context the app reads."""

    function_name: str
    invocation_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_directory: str = "."
    trace_context: Any = None
    retry_context: Any = None
    thread_local_storage: Any = None


def function_name(function: func.Function) -> str:
    """The name of a registered function (the app names each one as it registers it)."""
    name = function.get_function_name()
    assert name is not None
    return name


@cache
def registered_functions() -> dict[str, Any]:
    from function_app import app

    return {function_name(f): f for f in app.get_functions()}


def user_function(name: str) -> Any:
    return registered_functions()[name].get_user_function()


async def invoke(name: str, *args: Any, **kwargs: Any) -> Any:
    """Run function `name` as the Python worker does: a coroutine function on the running
    event loop, a plain function on a worker thread, with a `context` when it declares one."""
    function = user_function(name)
    if "context" in inspect.signature(function).parameters:
        kwargs.setdefault("context", InvocationContext(name))
    if inspect.iscoroutinefunction(function):
        return await function(*args, **kwargs)
    call = functools.partial(function, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(None, call)


async def call_http(
    name: str,
    method: str,
    *,
    body: object = None,
    raw_body: bytes | None = None,
    headers: dict[str, str] | None = None,
    route_params: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
) -> func.HttpResponse:
    """Call HTTP function `name` through its registration, as the host would."""
    headers = dict(headers or {})
    if raw_body is None and body is not None:
        raw_body = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    request = func.HttpRequest(
        method,
        f"http://localhost/api/{name}",
        headers=headers,
        params=params or {},
        route_params=route_params or {},
        body=raw_body or b"",
    )
    response: func.HttpResponse = await invoke(name, request, context=InvocationContext(name))
    return response


def json_of(response: func.HttpResponse) -> Any:
    return json.loads(response.get_body())


async def point_app_at(
    monkeypatch: Any, connection_string: str, *, uploads: str | None = None
) -> None:
    """Make the app's settings and cached clients use another storage account; the uploads
    account (UploadsStorage) is `uploads`, or the same account."""
    from shared import bootstrap

    monkeypatch.setenv("AzureWebJobsStorage", connection_string)
    monkeypatch.setenv(UPLOADS_CONNECTION, uploads or connection_string)
    await bootstrap.reset()


def blob_service() -> BlobServiceClient:
    """The app's own blob client on this loop (shared.bootstrap), for a test's arrangements."""
    from shared import bootstrap

    return bootstrap.storage_clients().blob_service()


def queue_service() -> QueueServiceClient:
    from shared import bootstrap

    return bootstrap.storage_clients().queue_service()


async def table(name: str) -> TableClient:
    from shared import bootstrap

    return bootstrap.storage_clients().table(name)


def upload_blobs() -> BlobServiceClient:
    """The app's blob client of the uploads account (uploads, thumbnails) on this loop."""
    from shared import bootstrap

    return bootstrap.uploads_clients().blob_service()


async def uploads_table(name: str) -> TableClient:
    """A table of the uploads account (ImageStatus)."""
    from shared import bootstrap

    return bootstrap.uploads_clients().table(name)


# A caller with every right (Orders.ReadWrite.All), for tests of what the core does rather
# than of who may do it (tests/unit/auth and the e2e --easy-auth tests cover the rules).
BACK_OFFICE = Caller("back-office-test", None, frozenset({READ_WRITE_ALL}))


def other_customers(me: str, total: int) -> list[str]:
    """`total` fresh customer ids other than `me`, a third of them in `me`'s own partition
    (shared.orders.table_layout.customer_partition): a listing of `me` must skip them too."""
    from shared.orders.table_layout import customer_partition

    near: list[str] = []
    while len(near) < total // 3:
        name = f"c-{uuid.uuid4().hex[:12]}"
        if customer_partition(name) == customer_partition(me):
            near.append(name)
    return near + [f"c-{uuid.uuid4().hex[:12]}" for _ in range(total - len(near))]


def lose_sends(patch: Any) -> None:
    """On `patch` (a pytest MonkeyPatch context): sends after commit fail and nothing is kept
    to send again, as in a process that died right after its commits, so the events wait in
    the outbox for the relay (shared.changes.resend would otherwise send them within seconds)."""
    from shared.changes import publisher, resend

    async def refuse(self: object, event: object) -> None:
        raise ConnectionError("queue unreachable")

    patch.setattr(publisher.QueueEventPublisher, "publish", refuse)
    patch.setattr(resend.Resender, "failed", lambda self, event: None)
