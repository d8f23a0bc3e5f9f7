"""The change feed's functions: the queue consumer that feeds the read models, and the two
read endpoints they serve. Each parses its trigger, calls one core function, maps the result."""

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import azure.functions as func

from blueprints.http import http_endpoint, json_response
from blueprints.lazy import lazy_module
from shared.config import ORDER_EVENTS_QUEUE, get_settings

if TYPE_CHECKING:
    from shared import changes, telemetry
    from shared.changes import read_models
else:
    changes = lazy_module("shared.changes")
    read_models = lazy_module("shared.changes.read_models")
    telemetry = lazy_module("shared.telemetry")

bp = func.Blueprint()


@bp.queue_trigger(arg_name="msg", queue_name=ORDER_EVENTS_QUEUE, connection="AzureWebJobsStorage")
async def process_order_event(msg: func.QueueMessage, context: func.Context) -> None:
    with telemetry.invocation(context.invocation_id):
        await changes.process_event_message(
            msg.get_body(), message_id=str(msg.id), attempt=msg.dequeue_count or 1
        )


@bp.route(route="customers/{customer_id}/orders", methods=["GET", "OPTIONS"])
@http_endpoint
async def list_customer_orders(req: func.HttpRequest) -> func.HttpResponse:
    items, token = await read_models.list_customer_orders(
        req.route_params["customer_id"],
        status=req.params.get("status"),
        limit=req.params.get("limit"),
        continuation=req.params.get("continuation"),
        store=await changes.customer_orders(),
        secret=get_settings().paging_secret,
    )
    return json_response(200, {"items": items, "continuation": token})


@bp.route(route="reports/orders", methods=["GET", "OPTIONS"])
@http_endpoint
async def get_order_report(req: func.HttpRequest) -> func.HttpResponse:
    day = read_models.parse_report_date(req.params.get("date"), today=datetime.now(UTC).date())
    report = await read_models.daily_report(day, summary=await changes.daily_summary())
    return json_response(200, report)
