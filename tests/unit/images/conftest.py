from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pytest
from PIL import Image

from shared.config import ThumbnailSettings
from shared.images.pipeline import create_thumbnail

if TYPE_CHECKING:
    from collections.abc import Callable

    from shared.images import Thumbnail

Make = "Callable[..., tuple[Thumbnail, Image.Image]]"


@pytest.fixture
def make() -> Callable[..., tuple[Thumbnail, Image.Image]]:
    """Run the pipeline on `data` (default settings unless overridden) and reopen the output."""

    def run(data: bytes, **settings: object) -> tuple[Thumbnail, Image.Image]:
        thumbnail = create_thumbnail(data, ThumbnailSettings(**settings))  # type: ignore[arg-type]
        output = Image.open(io.BytesIO(thumbnail.data))
        output.load()
        return thumbnail, output

    return run
