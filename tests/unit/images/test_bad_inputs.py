"""Every bad upload ends as the right permanent failure, without decoding big buffers (how
fast each is refused, against a good photo's thumbnail: bench/bad_inputs.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from shared.config import ThumbnailSettings
from shared.images import ImageRejected, TooLarge, TooManyPixels
from shared.images.pipeline import create_thumbnail
from tests.unit.images import factories as f
from tests.unit.images.corpus import corpus

if TYPE_CHECKING:
    from pathlib import Path

CASES = sorted(corpus())
WARM_UP = f.encode(f.quadrants(), "PNG")


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 25


@pytest.mark.parametrize("name", CASES)
def test_bad_input_is_a_permanent_failure(name: str) -> None:
    data, code = corpus()[name]

    with pytest.raises(ImageRejected) as caught:
        create_thumbnail(data, ThumbnailSettings())

    assert caught.value.code == code, caught.value.detail


def test_too_many_bytes_is_refused_before_parsing() -> None:
    with pytest.raises(TooLarge):
        create_thumbnail(b"\xff\xd8\xff" + bytes(2000), ThumbnailSettings(max_bytes=1000))


def test_pillow_bomb_warning_is_an_error_even_above_our_limit() -> None:
    # 10000x10000 = 100 MP: under our raised limit, over Pillow's warning threshold (~89 MP).
    data = f.jpeg_with_dimensions(10000, 10000)

    with pytest.raises(TooManyPixels, match="decompression bomb"):
        create_thumbnail(data, ThumbnailSettings(max_pixels=10**9))


def test_corpus_runs_in_bounded_memory(tmp_path: Path) -> None:
    """In a fresh process, the whole corpus raises the peak RSS by far less than one decode
    of the bomb would need (20000x20000 at 1 byte a pixel is 400 MB). Linux only (/proc)."""
    for index, name in enumerate(CASES):
        (tmp_path / f"{index}.bin").write_bytes(corpus()[name][0])
    script = f"""
import json, pathlib
from shared.config import ThumbnailSettings
from shared.images import ImageRejected
from shared.images.pipeline import create_thumbnail

def status(field):
    lines = pathlib.Path("/proc/self/status").read_text().splitlines()
    return next(int(line.split()[1]) for line in lines if line.startswith(field + ":"))

create_thumbnail({WARM_UP!r}, ThumbnailSettings())  # imports and first-call allocations
pathlib.Path("/proc/self/clear_refs").write_text("5")  # peak RSS := current RSS
before = status("VmRSS")
codes = []
for path in sorted(pathlib.Path({str(tmp_path)!r}).glob("*.bin"), key=lambda p: int(p.stem)):
    try:
        create_thumbnail(path.read_bytes(), ThumbnailSettings())
    except ImageRejected as exc:
        codes.append(exc.code)
growth = status("VmHWM") - before
from PIL import Image
Image.new("L", (8000, 8000), 1).load()  # control: a 64 MB buffer must register
control = status("VmHWM") - before
print(json.dumps({{"growth_kb": growth, "control_kb": control, "codes": codes}}))
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    report = json.loads(result.stdout)

    assert report["codes"] == [corpus()[name][1] for name in CASES]
    assert report["control_kb"] > 48 * 1024  # the probe sees real allocations
    assert report["growth_kb"] < 32 * 1024, report["growth_kb"]
