"""Local host overhead: GET /api/orders/{id} and POST /api/orders through devhost over HTTP
(keep-alive connection, as a client library would use) against the same registered
functions called in-process, on the same Azurite in the same run, interleaved.

    .venv/bin/python -m bench.devhost_http [--requests 300] [--threads 8]
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import http.client
import inspect
import json
import os
import tempfile
import threading
import time
import uuid
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.stats import summary_ms
from devhost.azurite import running_azurite
from devhost.context import InvocationContext

if TYPE_CHECKING:
    from collections.abc import Callable

BODY = {"customer_id": "bench", "product_id": "p-1", "quantity": 2, "total_amount": 9.99}


class HttpClient:
    """One keep-alive connection to devhost."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def create(self) -> str:
        self.conn.request(
            "POST", "/api/orders", json.dumps(BODY), {"Content-Type": "application/json"}
        )
        response = self.conn.getresponse()
        payload = response.read()
        assert response.status == 201, payload
        return str(json.loads(payload)["order_id"])

    def get(self, order_id: str) -> None:
        self.conn.request("GET", f"/api/orders/{order_id}")
        response = self.conn.getresponse()
        response.read()
        assert response.status == 200


class InProcess:
    """The same functions through `app.get_functions()`, as the worker would call them:
    coroutine functions on one event loop that lives as long as the process."""

    def __init__(self) -> None:
        import azure.functions as func

        from tests.support import registered_functions

        self.func = func
        self.functions = {name: f.get_user_function() for name, f in registered_functions().items()}
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

    def _call(self, name: str, method: str, url: str, body: bytes, route: dict[str, str]) -> Any:
        headers = {"content-type": "application/json"} if body else {}
        request = self.func.HttpRequest(
            method, url, headers=headers, params={}, route_params=route, body=body
        )
        function = self.functions[name]
        kwargs: dict[str, Any] = {}
        if "context" in inspect.signature(function).parameters:  # as the worker decides
            kwargs["context"] = InvocationContext(str(uuid.uuid4()), name, ".")
        if inspect.iscoroutinefunction(function):
            coroutine = function(request, **kwargs)
            return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()
        return function(request, **kwargs)

    def close(self) -> None:
        from shared import bootstrap

        asyncio.run_coroutine_threadsafe(bootstrap.reset(), self.loop).result()
        self.loop.call_soon_threadsafe(self.loop.stop)

    def create(self) -> str:
        response = self._call(
            "create_order", "POST", "http://localhost/api/orders", json.dumps(BODY).encode(), {}
        )
        assert response.status_code == 201
        return str(json.loads(response.get_body())["order_id"])

    def get(self, order_id: str) -> None:
        response = self._call(
            "get_order",
            "GET",
            f"http://localhost/api/orders/{order_id}",
            b"",
            {"order_id": order_id},
        )
        assert response.status_code == 200


def _timed(into: list[float], call: Callable[..., Any], *args: Any) -> Any:
    started = time.perf_counter()
    result = call(*args)
    into.append(time.perf_counter() - started)
    return result


def _latency(http: HttpClient, local: InProcess, requests: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {
        k: [] for k in ("POST devhost", "POST in-process", "GET devhost", "GET in-process")
    }
    for _ in range(20):  # warm both sides
        local.get(local.create())
        http.get(http.create())
    for _ in range(requests):
        remote_id = _timed(samples["POST devhost"], http.create)
        local_id = _timed(samples["POST in-process"], local.create)
        _timed(samples["GET devhost"], http.get, remote_id)
        _timed(samples["GET in-process"], local.get, local_id)
    return samples


def _throughput(make_call: Callable[[], Callable[[], None]], threads: int, seconds: float) -> float:
    """Requests per second with `threads` clients, each with its own `make_call()`."""
    deadline = time.perf_counter() + seconds

    def worker() -> int:
        call, done = make_call(), 0
        while time.perf_counter() < deadline:
            call()
            done += 1
        return done

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        total = sum(pool.map(lambda _: worker(), range(threads)))
    return total / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()

    from tests.e2e.harness import ROOT, DevhostProcess

    with (
        tempfile.TemporaryDirectory() as folder,
        running_azurite(Path(folder) / "azurite") as azurite,
    ):
        os.environ["AzureWebJobsStorage"] = azurite.connection_string  # noqa: SIM112
        # Only the two measured functions, so the app's queue/timer functions (which the
        # in-process side does not run) do not compete for the same CPU.
        host = DevhostProcess(
            ROOT,
            azurite.connection_string,
            Path(folder) / "devhost.log",
            extra_args=["--functions", "create_order", "get_order"],
        )
        host.start()
        local = InProcess()
        try:
            http = HttpClient(host.port)
            samples = _latency(http, local, args.requests)
            order_id = local.create()
            rps = {
                "GET devhost": _throughput(
                    lambda: partial(HttpClient(host.port).get, order_id), args.threads, args.seconds
                ),
                "GET in-process": _throughput(
                    lambda: partial(local.get, order_id), args.threads, args.seconds
                ),
            }
        finally:
            local.close()
            host.stop()
    _report(samples, rps, args)


def _report(
    samples: dict[str, list[float]], rps: dict[str, float], args: argparse.Namespace
) -> None:
    print(
        f"requests per side: {args.requests}, interleaved; "
        f"throughput: {args.threads} threads x {args.seconds} s\n"
    )
    print("| call | p50 ms | p95 ms | mean ms | sequential req/s |")
    print("|---|---:|---:|---:|---:|")
    stats = {name: summary_ms(values) for name, values in samples.items()}
    for name, s in stats.items():
        print(
            f"| {name} | {s['p50']:.2f} | {s['p95']:.2f} | {s['mean']:.2f} "
            f"| {1000 / s['mean']:.0f} |"
        )
    print()
    for verb in ("POST", "GET"):
        added = stats[f"{verb} devhost"]["p50"] - stats[f"{verb} in-process"]["p50"]
        print(f"devhost adds {added:.2f} ms to the p50 of {verb} (target <= 1 ms)")
    print()
    for name, value in rps.items():
        print(f"concurrent {name}: {value:.0f} req/s")


if __name__ == "__main__":
    main()
