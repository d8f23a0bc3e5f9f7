"""HTTP-triggered functions: `/<routePrefix>/<route>` resolved with the host's route table,
the request handed to the function as a `func.HttpRequest`, its `func.HttpResponse` (or `str`,
`bytes`, None) answered, CORS added when configured; 404 for anything no function lists."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import azure.functions as func

from devhost.frontend.responses import response
from devhost.invocation import FunctionFailed, Invocation
from devhost.routes import RouteTable

if TYPE_CHECKING:
    from urllib.parse import SplitResult

    from aiohttp import web

    from devhost.frontend.cors import CorsPolicy
    from devhost.frontend.responses import Headers
    from devhost.functions import FunctionSpec
    from devhost.invocation import Invoker
    from devhost.outputs import OutputWriter

__all__ = ["HttpFunctions"]


def _join(pairs: list[tuple[str, str]]) -> dict[str, str]:
    joined: dict[str, str] = {}
    for key, value in pairs:
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    return joined


class HttpFunctions:
    def __init__(
        self,
        functions: list[FunctionSpec],
        invoker: Invoker,
        outputs: OutputWriter,
        *,
        route_prefix: str,
        cors: CorsPolicy,
    ) -> None:
        self.table: RouteTable[FunctionSpec] = RouteTable()
        for spec in functions:
            if spec.trigger_type == "httpTrigger":
                route = spec.trigger.get("route") or spec.name
                self.table.add(route, spec.trigger.get("methods"), spec)
        self.prefix = f"/{route_prefix}" if route_prefix else ""
        self.invoker, self.outputs, self.cors = invoker, outputs, cors

    async def handle(self, request: web.BaseRequest, url: SplitResult, body: bytes) -> web.Response:
        path = url.path
        if self.prefix and path != self.prefix and not path.startswith(self.prefix + "/"):
            return response(404)
        cors = self.cors.headers(request)
        preflight = self.cors.preflight(request) if cors is not None else None
        if cors is not None and preflight is not None:
            return response(204, b"", cors + preflight)
        found = self.table.resolve(request.method, path[len(self.prefix) :])
        if found is None:
            return response(404, b"", cors or [])
        spec, route_params = found
        status, headers, payload = await self._run(spec, request, url, route_params, body)
        return response(status, payload, headers + (cors or []))

    async def _run(
        self,
        spec: FunctionSpec,
        request: web.BaseRequest,
        url: SplitResult,
        route_params: dict[str, str],
        body: bytes,
    ) -> tuple[int, Headers, bytes]:
        host = request.headers.get("Host") or "localhost"
        http_request = func.HttpRequest(
            request.method,
            f"http://{host}{request.raw_path}",
            headers=_join(list(request.headers.items())),
            params=_join(parse_qsl(url.query, keep_blank_values=True)),
            route_params=route_params,
            body=body,
        )
        outs = self.outputs.arguments(spec)
        invocation = Invocation(
            spec,
            {spec.trigger["name"]: http_request, **outs},
            detail=f"method={request.method} path={url.path}",
            describe=lambda result: f"status={_status_of(result)}",
        )
        if outs:
            data = {**route_params, **http_request.params}
            invocation.complete = lambda _: self.outputs.write(spec, outs, None, data=data)
        try:
            result = await self.invoker.run(invocation)
        except FunctionFailed:
            return 500, [], b""
        return _to_response(result)


def _status_of(result: Any) -> int:
    if isinstance(result, func.HttpResponse):
        return int(result.status_code)
    return 200 if result is not None else 204


def _to_response(result: Any) -> tuple[int, Headers, bytes]:
    if isinstance(result, func.HttpResponse):
        headers = [(str(k), str(v)) for k, v in result.headers.items()]
        if not any(k.lower() == "content-type" for k, _ in headers):
            mimetype = result.mimetype
            if mimetype.startswith("text/"):
                mimetype = f"{mimetype}; charset={result.charset}"
            headers.append(("Content-Type", mimetype))
        return int(result.status_code), headers, result.get_body() or b""
    if isinstance(result, str):
        return 200, [("Content-Type", "text/plain; charset=utf-8")], result.encode()
    if isinstance(result, bytes):
        return 200, [("Content-Type", "application/octet-stream")], result
    return 204, [], b""
