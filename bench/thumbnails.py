"""Thumbnail benchmark: our pipeline vs the original naive path vs libvips.

Run from the repository root (bench-only deps in requirements-bench.txt):

    .venv/bin/python -m bench.thumbnails [--runs 15]

Prints a markdown table: median wall time per thumbnail, ratios, and peak RSS growth of one
thumbnail measured in a fresh process (Pillow and libvips allocate outside Python's allocator,
so tracemalloc would not see them). Linux only (/proc).
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import PIL
from PIL import Image, ImageDraw, ImageFilter

from shared.config import ThumbnailSettings
from shared.images.pipeline import create_thumbnail

if TYPE_CHECKING:
    from collections.abc import Callable

SETTINGS = ThumbnailSettings()
VIPS_SUFFIX = {"JPEG": ".jpg[Q=85]", "PNG": ".png", "WEBP": ".webp[Q=85]"}
CASES = (  # name, size, format, mode
    ("12 MP JPEG", (4000, 3000), "JPEG", "RGB"),
    ("24 MP JPEG", (6000, 4000), "JPEG", "RGB"),
    ("12 MP RGBA PNG", (4000, 3000), "PNG", "RGBA"),
    ("2000x2000 WebP", (2000, 2000), "WEBP", "RGB"),
)


def photo_like(size: tuple[int, int], mode: str, seed: int = 1) -> Image.Image:
    """Soft shapes and gradients plus sensor-like noise: compresses like a photo, not a flat
    test card (which would flatter every decoder)."""
    rng = random.Random(seed)
    small = Image.linear_gradient("L").resize((size[0] // 8, size[1] // 8)).convert("RGB")
    draw = ImageDraw.Draw(small)
    for _ in range(60):
        x, y = rng.randrange(small.width), rng.randrange(small.height)
        r = rng.randrange(5, small.width // 4)
        fill = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=fill)
    base = small.filter(ImageFilter.GaussianBlur(6)).resize(size, Image.Resampling.BICUBIC)
    noise = Image.effect_noise(size, 24).convert("RGB")
    image = Image.blend(base, noise, 0.12)
    if mode == "RGBA":
        alpha = Image.radial_gradient("L").resize(size).point(lambda v: 255 - v)
        image.putalpha(alpha)
    return image


def encode(image: Image.Image, image_format: str) -> bytes:
    out = io.BytesIO()
    image.save(out, image_format, **({"quality": 90} if image_format != "PNG" else {}))
    return out.getvalue()


def ours(data: bytes) -> bytes:
    return create_thumbnail(data, SETTINGS).data


def naive(data: bytes) -> bytes:
    """The original design: full decode, stretch to 200x200 with Lanczos, JPEG q90."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    out = io.BytesIO()
    image.resize((200, 200), Image.Resampling.LANCZOS).save(out, "JPEG", quality=90)
    return out.getvalue()


def vips(data: bytes) -> bytes:
    import pyvips

    pyvips.cache_set_max(0)  # the same buffer again must not be answered from libvips' cache
    image = pyvips.Image.thumbnail_buffer(data, SETTINGS.width, height=SETTINGS.height)
    return bytes(image.write_to_buffer(VIPS_SUFFIX[_format(data)]))


METHODS: dict[str, Callable[[bytes], bytes]] = {"ours": ours, "naive": naive, "pyvips": vips}


def _format(data: bytes) -> str:
    with Image.open(io.BytesIO(data)) as image:
        return str(image.format)


def median_ms(data: bytes, runs: int) -> dict[str, float]:
    """Median wall time per method; methods take turns so that drift on a shared machine
    (other processes, CPU frequency) hits them alike."""
    times: dict[str, list[float]] = {name: [] for name in METHODS}
    for method in METHODS.values():
        method(data)  # warm-up: codec initialisation, first allocations
    for _ in range(runs):
        for name, method in METHODS.items():
            started = time.perf_counter()
            method(data)
            times[name].append((time.perf_counter() - started) * 1000)
    return {name: statistics.median(samples) for name, samples in times.items()}


def peak_growth_mb(method: str, path: Path) -> float:
    """Peak RSS growth of one thumbnail, in a fresh process, after a warm-up on a tiny image."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.thumbnails", "--memory", method, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(result.stdout.strip())


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise LookupError(field)


def _measure_memory(method: str, path: Path) -> None:
    """ru_maxrss would not do: Linux carries the parent's high-water mark across fork+exec.
    Writing 5 to clear_refs resets this process's VmHWM to its current RSS instead."""
    data = path.read_bytes()
    METHODS[method](encode(photo_like((320, 240), "RGB"), _format(data)))
    Path("/proc/self/clear_refs").write_text("5")
    before = _status_kb("VmRSS")
    METHODS[method](data)
    print(f"{(_status_kb('VmHWM') - before) / 1024:.1f}")


def run(runs: int) -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name, size, image_format, mode in CASES:
            data = encode(photo_like(size, mode), image_format)
            path = Path(folder) / f"{name.replace(' ', '_')}.bin"
            path.write_bytes(data)
            row: dict[str, Any] = {"name": name, "bytes": len(data), **median_ms(data, runs)}
            for method in METHODS:
                row[f"{method}_mb"] = peak_growth_mb(method, path)
            rows.append(row)
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| image | input | ours ms | pyvips ms | naive ms | ours / pyvips | naive / ours "
        "| peak MB ours | peak MB pyvips | peak MB naive |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['name']} | {r['bytes'] / 1e6:.1f} MB | {r['ours']:.1f} | {r['pyvips']:.1f} "
            f"| {r['naive']:.1f} | {r['ours'] / r['pyvips']:.2f}x | {r['naive'] / r['ours']:.1f}x "
            f"| {r['ours_mb']:.1f} | {r['pyvips_mb']:.1f} | {r['naive_mb']:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--memory", nargs=2, metavar=("METHOD", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory:
        _measure_memory(args.memory[0], Path(args.memory[1]))
        return
    import pyvips

    print(
        f"Pillow {PIL.__version__}, libvips {pyvips.version(0)}.{pyvips.version(1)}, "
        f"pyvips {pyvips.__version__}, Python {sys.version.split()[0]}, {args.runs} runs\n"
    )
    print(table(run(args.runs)))


if __name__ == "__main__":
    main()
