"""HTTP-triggered functions: `/<routePrefix>/<route>` resolved with the host's route table, the
request handed to the function as the host hands it to the worker (devhost.triggerdata.http),
its answer written back as the host writes it (devhost.frontend.results), CORS added when
configured; 404 for anything no function lists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from devhost.frontend.responses import response
from devhost.frontend.results import http_result
from devhost.invocation import FunctionFailed, Invocation
from devhost.routes import RouteTable
from devhost.triggerdata import http_trigger

if TYPE_CHECKING:
    from urllib.parse import SplitResult

    from aiohttp import web

    from devhost.frontend.cors import CorsPolicy
    from devhost.frontend.responses import Headers
    from devhost.functions import FunctionSpec
    from devhost.invocation import Invoker
    from devhost.outputs import OutputWriter
    from devhost.typeddata import InvocationResult

__all__ = ["HttpFunctions", "function_url"]


def function_url(target: SplitResult, host_header: str | None) -> str:
    """The URL the function reads (`req.url`). In the absolute form the target names its own
    authority, which a server uses instead of the Host header (RFC 9112, section 3.2.2);
    pasting the raw target after the Host header would make `http://hosthttp://...`."""
    authority = target.netloc or host_header or "localhost"
    query = f"?{target.query}" if target.query else ""
    return f"http://{authority}{target.path}{query}"


def _http_output(spec: FunctionSpec) -> str:
    """The name of the function's HTTP output binding (`$return` in the v2 model)."""
    found = (b for b in spec.bindings if b.get("type") == "http" and b is not spec.trigger)
    return next((str(b["name"]) for b in found), "$return")


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
        query = parse_qsl(url.query, keep_blank_values=True)
        trigger = http_trigger(
            request.method,
            function_url(url, request.headers.get("Host")),
            request.headers.items(),
            query,
            route_params,
            body,
        )
        answer = _http_output(spec)
        invocation = Invocation(
            spec,
            trigger,
            detail=f"method={request.method} path={url.path}",
            describe=lambda result: f"status={http_result(result.value_for(answer))[0]}",
        )
        if spec.outputs():
            data = {**route_params, **dict(query)}
            invocation.complete = lambda result: self.outputs.write(spec, result, data=data)
        try:
            result: InvocationResult = await self.invoker.run(invocation)
        except FunctionFailed:
            return 500, [], b""
        return http_result(result.value_for(answer))
