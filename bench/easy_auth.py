"""What authentication adds to each request. devhost --easy-auth's gate (strip the principal
headers, validate the bearer token with the local issuer's key, write the caller's principal)
timed in-process, against stripping alone (an excluded path) and the token's validation alone;
and the app's own verification of the forwarded token (shared.auth: key from the cache,
RS256, claims, client allow-list) with the caller built from it, its keys fetched once from
the issuer's endpoint over HTTP beforehand. Batches of each are interleaved so machine noise
hits every side alike; every figure is the per-request cost of a batch, in microseconds, and
the app's is also given as a ratio to devhost's validation measured in the same run.

    .venv/bin/python -m bench.easy_auth [--batches 40] [--batch 500]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from multidict import CIMultiDict, CIMultiDictProxy

from bench.stats import summary_ms
from devhost.auth import EasyAuth, IssuerServer, LocalIssuer, Refusal, mint
from devhost.auth.validation import TokenValidator
from shared.auth import authenticate
from shared.auth.keys import SigningKeys, http_get
from shared.auth.tokens import TokenVerifier
from shared.config import AuthSettings

if TYPE_CHECKING:
    from collections.abc import Callable


def _headers(token: str | None) -> CIMultiDictProxy[str]:
    """What a browser's or curl's API call carries, plus a forged principal to strip."""
    sent = CIMultiDict(
        {
            "Host": "localhost:7071",
            "User-Agent": "curl/8.5.0",
            "Accept": "application/json",
            "Content-Type": "application/json",
            "Content-Length": "64",
            "Idempotency-Key": '"order-42"',
            "X-MS-CLIENT-PRINCIPAL": "e30=",
        }
    )
    if token:
        sent["Authorization"] = f"Bearer {token}"
    return CIMultiDictProxy(sent)


def _per_call(call: Callable[[], object], count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        call()
    return (time.perf_counter() - started) / count


def _app_side(
    verifier: TokenVerifier, headers: CIMultiDictProxy[str], loop: asyncio.AbstractEventLoop
) -> Callable[[int], float]:
    """The app's per-request work, timed inside one coroutine (as the worker runs it): the
    await of a verification that finds its key cached never suspends."""

    async def batch(count: int) -> float:
        started = time.perf_counter()
        for _ in range(count):
            await authenticate(headers, verifier=verifier, customer_claim="customer_id")
        return (time.perf_counter() - started) / count

    return lambda count: loop.run_until_complete(batch(count))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        issuer = LocalIssuer.open(Path(folder))
    validator = TokenValidator(issuer, allowed_clients={issuer.client_app_id})
    gate = EasyAuth(validator, ["/api/health"], server=None)
    token = mint(issuer, str(uuid.uuid4()), roles=["Orders.Read.All"], customer="c-1")
    with_token, without = _headers(token), _headers(None)
    assert not isinstance(gate.admit("GET", "/api/orders", with_token), Refusal)
    server = IssuerServer(issuer)
    settings = AuthSettings(
        issuer=issuer.issuer,
        audiences=issuer.audiences,
        allowed_clients=frozenset({issuer.client_app_id}),
    )
    verifier = TokenVerifier(
        SigningKeys(server.configuration_url, issuer.issuer, fetch=http_get), settings
    )
    loop = asyncio.new_event_loop()
    loop.run_until_complete(verifier.keys.prefetch())
    app = _app_side(verifier, with_token, loop)
    sides: dict[str, Callable[[int], float]] = {
        "gate, valid token (validate + principal)": lambda n: _per_call(
            lambda: gate.admit("GET", "/api/orders", with_token), n
        ),
        "gate, no token (401)": lambda n: _per_call(
            lambda: gate.admit("GET", "/api/orders", without), n
        ),
        "gate, excluded path (strip only)": lambda n: _per_call(
            lambda: gate.admit("GET", "/api/health", without), n
        ),
        "token validation alone (devhost)": lambda n: _per_call(lambda: validator.claims(token), n),
        "app: verify the forwarded token + caller": app,
    }
    samples: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(args.batches):
        for name, call in sides.items():
            samples[name].append(call(args.batch))
    loop.close()
    server.close()
    assert verifier.keys.fetches == 1, "the keys are fetched once"
    _report(args, samples)


def _report(args: argparse.Namespace, samples: dict[str, list[float]]) -> None:
    print(f"{args.batches} batches of {args.batch} calls, per call:")
    print("| per request | p50 µs | p95 µs | mean µs |\n|---|---:|---:|---:|")
    for name, values in samples.items():
        stats = summary_ms(values)
        print(
            f"| {name} | {stats['p50'] * 1000:.1f} | {stats['p95'] * 1000:.1f} "
            f"| {stats['mean'] * 1000:.1f} |"
        )
    app = summary_ms(samples["app: verify the forwarded token + caller"])["p50"]
    baseline = summary_ms(samples["token validation alone (devhost)"])["p50"]
    print(f"app verification / devhost validation (p50): {app / baseline:.2f}")


if __name__ == "__main__":
    main()
