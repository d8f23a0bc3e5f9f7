"""Anonymous operational endpoints: health and the OpenAPI document."""


import azure.functions as func

from blueprints.http import http_endpoint, json_response
from shared.api_docs import openapi_document
from shared.health import check_storage

bp = func.Blueprint()


@bp.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@http_endpoint
def health(req: func.HttpRequest) -> func.HttpResponse:
    check_storage()
    return json_response(200, {"status": "ok", "storage": "ok"})


@bp.route(route="openapi.json", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@http_endpoint
def openapi(req: func.HttpRequest) -> func.HttpResponse:
    return json_response(200, openapi_document())
