"""Orders HTTP API: each function parses the request, calls one service, maps the result."""

from typing import TYPE_CHECKING

import azure.functions as func

from blueprints.endpoint import Blueprint
from blueprints.http import entity_etags, http_etag, json_response, read_json
from blueprints.lazy import lazy_module

if TYPE_CHECKING:
    from shared import bootstrap
    from shared.auth import Caller
    from shared.orders import services, validation
    from shared.orders.model import Order
else:
    bootstrap = lazy_module("shared.bootstrap")
    services = lazy_module("shared.orders.services")
    validation = lazy_module("shared.orders.validation")

bp = Blueprint()


def _order_response(status: int, order: "Order", **headers: str) -> func.HttpResponse:
    etag = http_etag(order.etag)
    if etag:
        headers["ETag"] = etag
    return json_response(status, order.to_public(), headers=headers)


@bp.endpoint("orders", methods=["POST"], rejections="create")
async def create_order(req: func.HttpRequest, caller: "Caller") -> func.HttpResponse:
    result = await services.create_order(
        read_json(req),
        caller=caller,
        repo=await bootstrap.order_repository(),
        legacy_keys=await bootstrap.legacy_idempotency_keys(),
        idempotency_key=validation.parse_idempotency_key(req.headers.get("Idempotency-Key")),
        new_id=bootstrap.new_order_id,
    )
    headers = {"Location": f"/api/orders/{result.order.order_id}"}
    if result.replayed:
        headers["Idempotency-Replayed"] = "true"
    return _order_response(201, result.order, **headers)


@bp.endpoint("orders", methods=["GET", "OPTIONS"])
async def list_orders(req: func.HttpRequest, caller: "Caller") -> func.HttpResponse:
    items, token = await services.list_orders(
        caller=caller,
        customer_id=req.params.get("customer_id"),
        status=req.params.get("status"),
        limit=req.params.get("limit"),
        continuation=req.params.get("continuation"),
        repo=await bootstrap.order_repository(),
        secret=bootstrap.settings().paging_secret,
    )
    return json_response(200, {"items": [o.to_public() for o in items], "continuation": token})


@bp.endpoint("orders/{order_id}", methods=["GET", "OPTIONS"])
async def get_order(req: func.HttpRequest, caller: "Caller") -> func.HttpResponse:
    repo = await bootstrap.order_repository()
    order = await services.get_order(req.route_params["order_id"], caller=caller, repo=repo)
    return _order_response(200, order)


@bp.endpoint("orders/{order_id}", methods=["PATCH"], rejections="update")
async def update_order(req: func.HttpRequest, caller: "Caller") -> func.HttpResponse:
    order = await services.update_order(
        req.route_params["order_id"],
        read_json(req),
        caller=caller,
        if_match=entity_etags(req.headers.get("If-Match")),
        repo=await bootstrap.order_repository(),
    )
    return _order_response(200, order)


@bp.endpoint("orders/{order_id}", methods=["DELETE"], rejections="delete")
async def delete_order(req: func.HttpRequest, caller: "Caller") -> func.HttpResponse:
    await services.delete_order(
        req.route_params["order_id"],
        caller=caller,
        if_match=entity_etags(req.headers.get("If-Match")),
        repo=await bootstrap.order_repository(),
    )
    return func.HttpResponse(status_code=204)
