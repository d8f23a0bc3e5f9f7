"""The in-process invoker converts as Microsoft's worker library does (devhost/inprocess): the
same azure.functions converters, picked by annotation the way the library picks them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import azure.functions as func
import pytest

from devhost.execution import FunctionError
from devhost.functions import FunctionSpec
from devhost.inprocess import InProcessRunner
from devhost.invocation import Invocation
from devhost.telemetry import InvocationTrace
from devhost.triggerdata import http_trigger, queue_trigger
from devhost.typeddata import InvocationResult, TriggerInput

HTTP_OUT = {"type": "http", "direction": "OUT", "name": "$return"}


def _spec(function: Any, *bindings: dict[str, Any]) -> FunctionSpec:
    return FunctionSpec(function.__name__, bindings[0], bindings, function, Path("."))


async def _run(spec: FunctionSpec, trigger: TriggerInput) -> InvocationResult:
    runner = InProcessRunner()
    try:
        await runner.start([spec])
        return await runner.run(Invocation(spec, trigger), InvocationTrace(None, None, ""))
    finally:
        runner.close()


seen: dict[str, Any] = {}


def on_message(msg: func.QueueMessage, done: func.Out[str]) -> None:
    seen["msg"] = msg
    done.set("ok")


async def test_a_queue_message_is_decoded_from_the_trigger_metadata() -> None:
    inserted = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)
    spec = _spec(
        on_message,
        {"type": "queueTrigger", "direction": "IN", "name": "msg", "queueName": "q"},
        {"type": "queue", "direction": "OUT", "name": "done", "queueName": "out"},
    )
    trigger = queue_trigger("m-1", b"hi", dequeue_count=2, inserted_on=inserted, pop_receipt="p")
    result = await _run(spec, trigger)
    message = seen["msg"]
    assert (message.id, message.get_body(), message.dequeue_count) == ("m-1", b"hi", 2)
    assert message.insertion_time == inserted and message.pop_receipt == "p"
    # func.Out[str] takes the generic binding: a string goes back as a string.
    assert result.outputs["done"].kind == "string" and result.outputs["done"].value == "ok"


def plain(msg: str) -> None:
    seen["plain"] = msg


async def test_a_str_annotation_takes_the_generic_binding() -> None:
    spec = _spec(plain, {"type": "queueTrigger", "direction": "IN", "name": "msg"})
    await _run(spec, queue_trigger("m-1", b"text", dequeue_count=1))
    assert seen["plain"] == "text"


def answer(req: func.HttpRequest) -> func.HttpResponse:
    seen["req"] = req
    response = func.HttpResponse(json.dumps(dict(req.params)), status_code=201)
    response.headers["Set-Cookie"] = "a=1; Path=/x; HttpOnly; SameSite=Lax"
    return response


async def test_an_http_response_is_the_rpc_http_the_worker_sends() -> None:
    spec = _spec(answer, {"type": "httpTrigger", "direction": "IN", "name": "req"}, HTTP_OUT)
    trigger = http_trigger(
        "GET", "http://h/api/a?x=1&y=", [("X-A", "1")], [("x", "1"), ("y", "")], {}, b""
    )
    result = await _run(spec, trigger)
    assert seen["req"].params == {"x": "1"} and seen["req"].headers["x-a"] == "1"
    assert seen["req"].get_body() == b""
    response = result.return_value
    assert response is not None and response.kind == "http"
    assert response.value.status_code == "201"
    assert response.value.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.value.body.value == b'{"x": "1"}'
    [cookie] = response.value.cookies
    assert (cookie.name, cookie.value, cookie.path, cookie.http_only, cookie.same_site) == (
        "a",
        "1",
        "/x",
        True,
        "Lax",
    )


def returns_none(req: func.HttpRequest) -> func.HttpResponse:
    return None  # type: ignore[return-value]


def returns_value(timer: func.TimerRequest) -> str:
    return "nowhere to go"


async def test_what_the_library_refuses_fails_the_invocation() -> None:
    http = _spec(returns_none, {"type": "httpTrigger", "direction": "IN", "name": "req"}, HTTP_OUT)
    with pytest.raises(FunctionError, match="TypeError: unable to encode outgoing TypedData"):
        await _run(http, http_trigger("GET", "http://h/", [], [], {}, b""))
    timer = _spec(returns_value, {"type": "timerTrigger", "direction": "IN", "name": "timer"})
    trigger = TriggerInput(http_trigger("GET", "http://h/", [], [], {}, b"").data)
    with pytest.raises(FunctionError, match="TypeError: unable to decode incoming TypedData"):
        await _run(timer, trigger)  # an HTTP request is no timer
    from devhost.triggerdata import timer_trigger

    with pytest.raises(FunctionError, match=r"RuntimeError: .* without a \$return binding"):
        await _run(timer, timer_trigger(past_due=False, status=None, adjust_for_dst=True))
