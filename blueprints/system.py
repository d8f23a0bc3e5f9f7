"""Anonymous operational endpoints: health and the OpenAPI document."""

from typing import TYPE_CHECKING

import azure.functions as func

from blueprints.endpoint import Blueprint
from blueprints.http import json_response
from blueprints.lazy import lazy_module

if TYPE_CHECKING:
    from shared import api_docs, bootstrap
    from shared import health as storage_health
else:
    bootstrap = lazy_module("shared.bootstrap")
    api_docs = lazy_module("shared.api_docs")
    storage_health = lazy_module("shared.health")

bp = Blueprint()


@bp.endpoint("health", methods=["GET"], anonymous=True)
async def health(req: func.HttpRequest) -> func.HttpResponse:
    await storage_health.check_storage(await bootstrap.health_probe())
    return json_response(200, {"status": "ok", "storage": "ok"})


@bp.endpoint("openapi.json", methods=["GET"], anonymous=True)
async def openapi(req: func.HttpRequest) -> func.HttpResponse:
    return json_response(200, api_docs.openapi_document())
