"""A test-only app with one function per trigger kind devhost runs (never deployed).

Unlike the real app, its functions fail, stall or misbehave on request, so the e2e tests can
exercise each host behaviour (retries, poison queues, shutdown) through devhost exactly as
users run it.
"""

import asyncio
import json
import logging
import os
import threading
import time

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
logger = logging.getLogger("sample_app")


@app.route(route="echo/{id:int}/{*rest}", methods=["GET", "POST"])
async def echo(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    await asyncio.sleep(0)
    body = {
        "method": req.method,
        "route": dict(req.route_params),
        "query": dict(req.params),
        "header": req.headers.get("x-probe"),
        "body": req.get_body().decode(),
        "invocation_id": context.invocation_id,
        "function": context.function_name,
    }
    return func.HttpResponse(json.dumps(body), mimetype="application/json", headers={"X-A": "1"})


@app.route(route="items/{id:guid}", methods=["GET"])
def item(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(req.route_params["id"])


@app.route(route="boom", methods=["GET"])
def boom(req: func.HttpRequest) -> func.HttpResponse:
    raise RuntimeError("secret detail that must not reach the client")


@app.route(route="slow", methods=["GET"])
def slow(req: func.HttpRequest) -> func.HttpResponse:
    time.sleep(float(req.params.get("s", "0.5")))
    return func.HttpResponse("done")


_barriers: dict[str, threading.Barrier] = {}
_barriers_lock = threading.Lock()


@app.route(route="rendezvous", methods=["GET"])
def rendezvous(req: func.HttpRequest) -> func.HttpResponse:
    """Answers once `n` requests with the same `key` are inside at the same time: proof that
    requests run concurrently, with no timing. Served one at a time, the barrier breaks (500)."""
    with _barriers_lock:
        barrier = _barriers.setdefault(
            req.params["key"], threading.Barrier(int(req.params["n"]), timeout=60)
        )
    barrier.wait()
    return func.HttpResponse("met")


@app.blob_trigger(arg_name="blob", path="e2e-uploads/{name}", connection="AzureWebJobsStorage")
@app.blob_output(arg_name="result", path="e2e-results/{name}", connection="AzureWebJobsStorage")
def on_upload(blob: func.InputStream, result: func.Out[str]) -> None:
    data = blob.read()
    if blob.name and blob.name.startswith("e2e-uploads/fail/"):
        raise ValueError("asked to fail")
    if blob.name and blob.name.startswith("e2e-uploads/slow/"):
        logger.info("slow_blob_started name=%s", blob.name)
        time.sleep(3)
    result.set(json.dumps({"name": blob.name, "length": blob.length, "size": len(data)}))


# The Event Grid source; the container is a setting so each test can watch its own.
@app.blob_trigger(
    arg_name="blob",
    path="%E2E_EVENTS_CONTAINER%/{name}",
    connection="AzureWebJobsStorage",
    source=func.BlobSource.EVENT_GRID,
)
@app.blob_output(
    arg_name="result", path="e2e-results/events/{name}", connection="AzureWebJobsStorage"
)
def on_event(blob: func.InputStream, result: func.Out[str]) -> None:
    data = blob.read()
    if blob.name and "/fail/" in blob.name:
        raise ValueError("asked to fail")
    # blob_properties: the worker's InputStream has it, the typed one of azure-functions not.
    properties = getattr(blob, "blob_properties", None) or {}
    result.set(
        json.dumps(
            {
                "name": blob.name,
                "size": len(data),
                "etag": properties.get("ETag"),
                "length": properties.get("ContentLength"),
            }
        )
    )


@app.queue_trigger(arg_name="msg", queue_name="e2e-work", connection="AzureWebJobsStorage")
@app.queue_output(arg_name="done", queue_name="e2e-done", connection="AzureWebJobsStorage")
def on_message(msg: func.QueueMessage, done: func.Out[str]) -> None:
    body = msg.get_body().decode()
    if body == "fail":
        raise ValueError(f"failing on purpose, attempt {msg.dequeue_count}")
    done.set(json.dumps({"body": body, "dequeue_count": msg.dequeue_count}))


@app.timer_trigger(schedule="%TICK_SCHEDULE%", arg_name="timer", run_on_startup=False)
@app.queue_output(arg_name="ticks", queue_name="e2e-ticks", connection="AzureWebJobsStorage")
def tick(timer: func.TimerRequest, ticks: func.Out[str]) -> None:
    ticks.set(json.dumps({"past_due": timer.past_due}))


@app.timer_trigger(schedule="0 0 0 1 1 *", arg_name="timer")
def returns_value(timer: func.TimerRequest) -> str:
    return "a non-HTTP function must not return a value"


# azure-functions lists WarmUpContext in __all__ but imports only its module.
@app.warm_up_trigger(arg_name="warmup_context")
def warmup(warmup_context: func.warmup.WarmUpContext) -> None:
    if os.environ.get("E2E_WARMUP_FAILS"):
        raise RuntimeError("warmup asked to fail")
    logger.info("sample_warmup_ran")
