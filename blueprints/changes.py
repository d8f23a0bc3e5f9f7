"""The change feed's functions: the queue consumers that feed the read models, and the two
read endpoints they serve. Each parses its trigger, calls one core function, maps the result.

One queue-triggered function per event queue, so that Flex Consumption scales each queue's
consumer on its own (per-function scaling). How many queues there are is the app setting
ORDER_EVENT_QUEUES, read when this module is imported: the worker indexes the app once, with
the app settings in its environment. One queue keeps the names of old: function
`process_order_event` on queue `order-events`; N queues make `process_order_event_{i}` on
`order-events-{i}`. Queue i lives in order account i mod K (ORDER_STORAGE_CONNECTIONS, read
likewise), so its trigger binds to that account's connection."""

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import azure.functions as func

from blueprints.endpoint import Blueprint
from blueprints.http import json_response
from blueprints.lazy import lazy_module
from shared.config import event_queue_count, order_storage_connections
from shared.sharding import queue_account, queue_name

if TYPE_CHECKING:
    from shared import bootstrap, changes, telemetry
    from shared.auth import Caller
    from shared.changes import read_models
else:
    bootstrap = lazy_module("shared.bootstrap")
    changes = lazy_module("shared.changes")
    read_models = lazy_module("shared.changes.read_models")
    telemetry = lazy_module("shared.telemetry")

bp = Blueprint()


QUEUES = event_queue_count()
CONNECTIONS = order_storage_connections()
CONSUMER = "process_order_event"


def _register_consumer(index: int) -> None:
    queue = queue_name(index, QUEUES)

    async def consume(msg: func.QueueMessage, context: func.Context) -> None:
        with telemetry.invocation(context.invocation_id):
            await changes.process_event_message(
                msg.get_body(),
                message_id=str(msg.id),
                attempt=msg.dequeue_count or 1,
                customers=await bootstrap.customer_orders(),
                summary=await bootstrap.daily_summary(),
                publisher=bootstrap.queue_publisher(index),
                queue=queue,
            )

    # The function's name is the callable's (the worker's entry point names it too).
    consume.__name__ = consume.__qualname__ = CONSUMER if QUEUES == 1 else f"{CONSUMER}_{index}"
    connection = CONNECTIONS[queue_account(index, len(CONNECTIONS))]
    bp.queue_trigger(arg_name="msg", queue_name=queue, connection=connection)(consume)


for _index in range(QUEUES):
    _register_consumer(_index)


@bp.endpoint("customers/{customer_id}/orders", methods=["GET", "OPTIONS"])
async def list_customer_orders(req: func.HttpRequest, caller: "Caller") -> func.HttpResponse:
    items, token = await read_models.list_customer_orders(
        req.route_params["customer_id"],
        caller=caller,
        status=req.params.get("status"),
        limit=req.params.get("limit"),
        continuation=req.params.get("continuation"),
        store=await bootstrap.customer_orders(),
        secret=bootstrap.settings().paging_secret,
    )
    return json_response(200, {"items": items, "continuation": token})


@bp.endpoint("reports/orders", methods=["GET", "OPTIONS"])
async def get_order_report(req: func.HttpRequest, caller: "Caller") -> func.HttpResponse:
    day = read_models.parse_report_date(req.params.get("date"), today=datetime.now(UTC).date())
    summary = await bootstrap.daily_summary()
    report = await read_models.daily_report(day, caller=caller, summary=summary)
    return json_response(200, report)
