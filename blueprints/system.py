"""Anonymous operational endpoints: health and the OpenAPI document."""

from typing import TYPE_CHECKING

import azure.functions as func

from blueprints.http import http_endpoint, json_response
from blueprints.lazy import lazy_module

if TYPE_CHECKING:
    from shared import api_docs
    from shared import health as storage_health
else:
    api_docs = lazy_module("shared.api_docs")
    storage_health = lazy_module("shared.health")

bp = func.Blueprint()


@bp.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@http_endpoint
async def health(req: func.HttpRequest) -> func.HttpResponse:
    await storage_health.check_storage()
    return json_response(200, {"status": "ok", "storage": "ok"})


@bp.route(route="openapi.json", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@http_endpoint
async def openapi(req: func.HttpRequest) -> func.HttpResponse:
    return json_response(200, api_docs.openapi_document())
