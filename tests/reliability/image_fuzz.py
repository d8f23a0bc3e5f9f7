"""Image fuzzing: mutated JPEG/PNG/GIF/WebP through the thumbnail core under a memory limit.

Each case is a small valid image of one format, mutated by bit flips, a truncation, an edit
of its header (the bytes that carry dimensions and lengths), or a spliced block. The core
(`shared.images.pipeline.create_thumbnail`, bytes -> bytes) must end every case with a thumbnail
(`ready`) or an ImageRejected whose code is in the taxonomy (docs/images.md); any other
exception escaping is a bug. The cases run in a child process whose address space is capped
(RLIMIT_AS), so a mutation that makes Pillow allocate without bound shows as a MemoryError.

    python -m tests.reliability.image_fuzz --cases 4000 --seed 1
"""

from __future__ import annotations

import argparse
import io
import json
import random
import resource
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

FORMATS = ("JPEG", "PNG", "GIF", "WEBP")
MUTATIONS = ("bit-flips", "truncation", "header-edit", "splice")
TAXONOMY = frozenset(
    {"not-an-image", "format-not-allowed", "corrupt", "too-many-pixels", "too-large"}
)
MEMORY_LIMIT = 1536 * 1024 * 1024  # 1.5 GiB of address space: the core needs well under it


@dataclass
class FuzzReport:
    cases: int = 0
    seconds: float = 0.0
    outcomes: Counter[str] = field(default_factory=Counter)  # ready, or failed:<reason>
    escaped: list[str] = field(default_factory=list)  # "format/mutation: ExceptionType: text"
    memory_limit_hit: int = 0
    slowest_case_s: float = 0.0
    peak_rss_mb: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.escaped and not self.memory_limit_hit and self.cases > 0


def _seed_images() -> dict[str, list[bytes]]:
    """Per format, a few small valid images that take different paths through the core:
    large enough to be reduced, with EXIF orientation, alpha, a palette, animation."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 420), (200, 40, 40))
    ImageDraw.Draw(image).ellipse((40, 30, 600, 390), fill=(20, 160, 220))
    rgba = image.convert("RGBA")
    rgba.putalpha(Image.linear_gradient("L").resize(image.size))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90
    variants: dict[str, list[tuple[Image.Image, dict[str, object]]]] = {
        "JPEG": [
            (image, {"quality": 80}),
            (image, {"quality": 60, "exif": exif.tobytes(), "progressive": True}),
        ],
        "PNG": [(image, {}), (rgba, {}), (image.convert("P"), {"optimize": True})],
        "GIF": [
            (image.convert("P"), {}),
            (image.convert("P"), {"save_all": True, "append_images": [rgba.convert("P")]}),
        ],
        "WEBP": [(image, {"quality": 80}), (rgba, {"lossless": True})],
    }
    seeds: dict[str, list[bytes]] = {}
    for name, options_list in variants.items():
        for frame, options in options_list:
            out = io.BytesIO()
            frame.save(out, format=name, **options)
            seeds.setdefault(name, []).append(out.getvalue())
    return seeds


def _mutate(data: bytes, mutation: str, rng: random.Random) -> bytes:
    buffer = bytearray(data)
    if mutation == "bit-flips":
        for _ in range(rng.randint(1, 16)):
            buffer[rng.randrange(len(buffer))] ^= 1 << rng.randrange(8)
    elif mutation == "truncation":
        del buffer[rng.randrange(len(buffer)) :]
    elif mutation == "header-edit":  # dimensions, lengths and markers live in the first bytes
        for _ in range(rng.randint(1, 4)):
            index = rng.randrange(min(len(buffer), 64))
            buffer[index] = rng.choice((0x00, 0xFF, 0x7F, 0x80, rng.randrange(256)))
    else:  # splice: a block of the file copied over another place, lengths now lie
        start, size = rng.randrange(len(buffer)), rng.randint(1, 256)
        target = rng.randrange(len(buffer))
        buffer[target : target + size] = buffer[start : start + size]
    return bytes(buffer)


def _run_cases(count: int, seed: int) -> FuzzReport:
    """In this (memory-capped) process: every case through the core."""
    from shared.config import ThumbnailSettings
    from shared.images import ImageRejected
    from shared.images.pipeline import create_thumbnail

    seeds, rng, settings = _seed_images(), random.Random(seed), ThumbnailSettings()
    report, started = FuzzReport(), time.monotonic()
    for index in range(count):
        name, mutation = FORMATS[index % len(FORMATS)], MUTATIONS[(index // 4) % len(MUTATIONS)]
        data = _mutate(rng.choice(seeds[name]), mutation, rng)
        case_started = time.monotonic()
        try:
            create_thumbnail(data, settings)
            report.outcomes["ready"] += 1
        except ImageRejected as rejected:
            report.outcomes[f"failed:{rejected.code}"] += 1
            if rejected.code not in TAXONOMY:
                report.escaped.append(f"{name}/{mutation}: unknown reason {rejected.code}")
        except MemoryError:
            report.memory_limit_hit += 1
        except Exception as exc:  # noqa: BLE001 - what the fuzzing is looking for
            report.escaped.append(f"{name}/{mutation}: {type(exc).__name__}: {exc}"[:300])
        report.slowest_case_s = max(report.slowest_case_s, time.monotonic() - case_started)
        report.cases += 1
    report.seconds = time.monotonic() - started
    report.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return report


def run_image_fuzz(count: int, seed: int, *, memory_limit: int = MEMORY_LIMIT) -> FuzzReport:
    """Run the cases in a child process capped at `memory_limit` bytes of address space."""
    command = [
        sys.executable,
        "-m",
        "tests.reliability.image_fuzz",
        "--child",
        "--cases",
        str(count),
        "--seed",
        str(seed),
        "--memory-limit",
        str(memory_limit),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"the fuzzing process failed ({done.returncode}): {done.stderr[-3000:]}")
    document = json.loads(done.stdout.strip().splitlines()[-1])
    document["outcomes"] = Counter(document["outcomes"])
    return FuzzReport(**document)


def _child(count: int, seed: int, memory_limit: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    report = _run_cases(count, seed)
    sys.stdout.write(json.dumps(report.__dict__) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--memory-limit", type=int, default=MEMORY_LIMIT)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.cases, args.seed, args.memory_limit)
        return 0
    report = run_image_fuzz(args.cases, args.seed, memory_limit=args.memory_limit)
    sys.stdout.write(json.dumps(report.__dict__, indent=2) + "\n")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
