"""Orders HTTP API: each function parses the request, calls one service, maps the result."""

import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import azure.functions as func

from blueprints.http import entity_etags, http_endpoint, http_etag, json_response, read_json
from blueprints.lazy import lazy_module
from shared.config import get_settings
from shared.errors import AppError, StorageUnavailable

if TYPE_CHECKING:
    from shared import orders, telemetry
    from shared.orders import services, validation
    from shared.orders.model import Order
else:
    orders = lazy_module("shared.orders")
    services = lazy_module("shared.orders.services")
    telemetry = lazy_module("shared.telemetry")
    validation = lazy_module("shared.orders.validation")

bp = func.Blueprint()

Handler = Callable[[func.HttpRequest], Awaitable[func.HttpResponse]]


def counts_rejections(operation: str) -> Callable[[Handler], Handler]:
    """Count the write's refusals (4xx problems) in orders.rejected, by problem type; an
    unreachable store (503) is not a rejection."""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def counted(req: func.HttpRequest) -> func.HttpResponse:
            try:
                return await handler(req)
            except AppError as error:
                if not isinstance(error, StorageUnavailable):
                    telemetry.record(
                        telemetry.metrics.ORDERS_REJECTED,
                        attributes={"operation": operation, "problem.type": error.code},
                    )
                raise

        return counted

    return wrap


def _order_response(status: int, order: "Order", **headers: str) -> func.HttpResponse:
    etag = http_etag(order.etag)
    if etag:
        headers["ETag"] = etag
    return json_response(status, order.to_public(), headers=headers)


@bp.route(route="orders", methods=["POST"])
@http_endpoint
@counts_rejections("create")
async def create_order(req: func.HttpRequest) -> func.HttpResponse:
    result = await services.create_order(
        read_json(req),
        repo=await orders.order_repository(),
        keys=await orders.idempotency_store(),
        idempotency_key=validation.parse_idempotency_key(req.headers.get("Idempotency-Key")),
    )
    headers = {"Location": f"/api/orders/{result.order.order_id}"}
    if result.replayed:
        headers["Idempotency-Replayed"] = "true"
    return _order_response(201, result.order, **headers)


@bp.route(route="orders", methods=["GET", "OPTIONS"])
@http_endpoint
async def list_orders(req: func.HttpRequest) -> func.HttpResponse:
    items, token = await services.list_orders(
        customer_id=req.params.get("customer_id"),
        status=req.params.get("status"),
        limit=req.params.get("limit"),
        continuation=req.params.get("continuation"),
        repo=await orders.order_repository(),
        secret=get_settings().paging_secret,
    )
    return json_response(200, {"items": [o.to_public() for o in items], "continuation": token})


@bp.route(route="orders/{order_id}", methods=["GET", "OPTIONS"])
@http_endpoint
async def get_order(req: func.HttpRequest) -> func.HttpResponse:
    repo = await orders.order_repository()
    order = await services.get_order(req.route_params["order_id"], repo=repo)
    return _order_response(200, order)


@bp.route(route="orders/{order_id}", methods=["PATCH"])
@http_endpoint
@counts_rejections("update")
async def update_order(req: func.HttpRequest) -> func.HttpResponse:
    order = await services.update_order(
        req.route_params["order_id"],
        read_json(req),
        if_match=entity_etags(req.headers.get("If-Match")),
        repo=await orders.order_repository(),
    )
    return _order_response(200, order)


@bp.route(route="orders/{order_id}", methods=["DELETE"])
@http_endpoint
@counts_rejections("delete")
async def delete_order(req: func.HttpRequest) -> func.HttpResponse:
    await services.delete_order(
        req.route_params["order_id"],
        if_match=entity_etags(req.headers.get("If-Match")),
        repo=await orders.order_repository(),
    )
    return func.HttpResponse(status_code=204)
