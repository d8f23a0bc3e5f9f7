"""Bad uploads: how long the thumbnail core takes to refuse each case of the bad-input corpus
(tests/unit/images/corpus.py), against a baseline measured in the same run: one thumbnail of a
12 MP photo-like JPEG, the upload the pipeline is built for.

    .venv/bin/python -m bench.bad_inputs [--runs 15]

The property: refusing any bad upload costs less than handling one good photo (a ratio below
1.0x), so no bad input is a cheap way to buy expensive work. The unit tests check what each
case ends as and that the corpus stays in bounded memory (tests/unit/images/test_bad_inputs.py);
speed lives here, as ratios.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import TYPE_CHECKING

from bench.thumbnails import SETTINGS, encode, photo_like
from shared.images import ImageRejected
from shared.images.pipeline import create_thumbnail
from tests.unit.images.corpus import corpus

if TYPE_CHECKING:
    from collections.abc import Callable

TARGET_RATIO = 1.0


def _seconds(work: Callable[[], object], runs: int) -> float:
    """Median wall time of `work` over `runs` calls, after one warm-up call."""
    work()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def _refuse(data: bytes) -> Callable[[], object]:
    def work() -> object:
        try:
            create_thumbnail(data, SETTINGS)
        except ImageRejected as exc:
            return exc.code
        raise AssertionError("a corpus case was accepted")

    return work


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    photo = encode(photo_like((4000, 3000), "RGB"), "JPEG")
    baseline = _seconds(lambda: create_thumbnail(photo, SETTINGS), args.runs)
    rows = []
    for name, (data, code) in sorted(corpus().items()):
        seconds = _seconds(_refuse(data), args.runs)
        rows.append((seconds / baseline, name, code, len(data), seconds))
    rows.sort(reverse=True)
    print(f"baseline: one thumbnail of a 12 MP JPEG, {baseline * 1000:.1f} ms (median)\n")
    print("| case | ends as | input bytes | median ms | ratio to baseline |")
    print("|---|---|---:|---:|---:|")
    for ratio, name, code, size, seconds in rows:
        print(f"| {name} | {code} | {size} | {seconds * 1000:.2f} | {ratio:.4f}x |")
    slowest = rows[0]
    verdict = "met" if slowest[0] < TARGET_RATIO else "NOT met"
    print(
        f"\n{len(rows)} cases; slowest {slowest[1]} at {slowest[0]:.4f}x the baseline. "
        f"Target: every case below {TARGET_RATIO:.1f}x. {verdict}."
    )


if __name__ == "__main__":
    main()
