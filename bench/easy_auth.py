"""What devhost --easy-auth adds to each request: the gate's decision (strip the principal
headers, validate the bearer token with the local issuer's key, write the caller's principal)
timed in-process, against stripping alone (an excluded path) and the token's validation alone.
Batches of each are interleaved so machine noise hits every side alike; every figure is the
per-request cost of a batch, in microseconds.

    .venv/bin/python -m bench.easy_auth [--batches 40] [--batch 500]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from multidict import CIMultiDict, CIMultiDictProxy

from bench.stats import summary_ms
from devhost.auth import EasyAuth, LocalIssuer, Refusal, mint
from devhost.auth.validation import TokenValidator

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        issuer = LocalIssuer.open(Path(folder))
    validator = TokenValidator(issuer)
    gate = EasyAuth(validator, ["/api/health"])
    token = mint(issuer, str(uuid.uuid4()), roles=["Orders.Read.All"], customer="c-1")
    with_token, without = _headers(token), _headers(None)
    assert not isinstance(gate.admit("GET", "/api/orders", with_token), Refusal)
    sides: dict[str, Callable[[], object]] = {
        "gate, valid token (validate + principal)": lambda: gate.admit(
            "GET", "/api/orders", with_token
        ),
        "gate, no token (401)": lambda: gate.admit("GET", "/api/orders", without),
        "gate, excluded path (strip only)": lambda: gate.admit("GET", "/api/health", without),
        "token validation alone": lambda: validator.claims(token),
    }
    samples: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(args.batches):
        for name, call in sides.items():
            samples[name].append(_per_call(call, args.batch))
    print(f"{args.batches} batches of {args.batch} calls, per call:")
    print("| per request | p50 µs | p95 µs | mean µs |\n|---|---:|---:|---:|")
    for name, values in samples.items():
        stats = summary_ms(values)
        print(
            f"| {name} | {stats['p50'] * 1000:.1f} | {stats['p95'] * 1000:.1f} "
            f"| {stats['mean'] * 1000:.1f} |"
        )


if __name__ == "__main__":
    main()
