"""The upload page in a real browser: headless Chromium (Debian's `chromium`, driven by
`playwright-core` from npm through upload_page.mjs) against devhost --easy-auth and Azurite, as
`make run EASY_AUTH=1` sets them up and as on Azure: a customer pastes an access token (minted
by the local test issuer), chooses a file, presses Upload and sees the thumbnail or the reason.

Without Chromium or playwright-core these tests skip, saying what to install; under CI
(`CI` set) they fail instead, so a broken install can never pass as a skip. `make test`
installs both (apt-get as root, npm ci).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import uuid
from typing import TYPE_CHECKING, Any

import pytest
from PIL import Image

from devhost.auth import mint
from tests.e2e.harness import ROOT
from tests.unit.images import factories as f

if TYPE_CHECKING:
    from pathlib import Path

    from devhost.auth import LocalIssuer
    from tests.e2e.harness import DevhostProcess

pytestmark = pytest.mark.browser
DRIVER = ROOT / "tests" / "e2e" / "browser" / "upload_page.mjs"
PLAYWRIGHT = ROOT / "node_modules" / "playwright-core" / "package.json"


@pytest.fixture(scope="module")
def chromium() -> str:
    """Debian's chromium, or a skip (a failure under CI) that says what is missing."""
    executable = shutil.which("chromium")
    missing = [
        what
        for what, absent in (
            ("Chromium (`apt-get install chromium`)", executable is None),
            ("playwright-core (`npm ci`)", not PLAYWRIGHT.is_file()),
            ("Node.js", shutil.which("node") is None),
        )
        if absent
    ]
    if missing:
        message = f"browser test needs {', '.join(missing)}; `make test` installs them as root"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (CI must run the browser tests, not skip them)")
        pytest.skip(message)
    assert executable is not None
    return executable


@pytest.fixture(scope="module")
def host(easy_auth_host: DevhostProcess) -> DevhostProcess:
    return easy_auth_host


@pytest.fixture
def customer() -> str:
    return f"c-{uuid.uuid4().hex[:12]}"


def use_page(
    host: DevhostProcess, chromium: str, file: Path, screenshot: Path, token: str | None
) -> dict[str, Any]:
    """What the page showed after pasting `token`, choosing `file` and pressing Upload."""
    options = {
        "baseUrl": host.base_url,
        "file": str(file),
        "screenshot": str(screenshot),
        "chromium": chromium,
        "token": token,
    }
    run = subprocess.run(
        ["node", str(DRIVER), json.dumps(options)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert run.returncode == 0, f"{run.stderr[-3000:]}\nscreenshot: {screenshot}"
    shown: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    return shown


def test_choosing_a_jpeg_shows_its_thumbnail(
    host: DevhostProcess, issuer: LocalIssuer, customer: str, chromium: str, tmp_path: Path
) -> None:
    # As a phone stores a 640x480 photo: pixels sideways, EXIF orientation 6. Upright, its
    # thumbnail is 200x150; 150x200 would mean the orientation was lost on the way.
    photo = tmp_path / "sunset.jpg"
    photo.write_bytes(f.oriented_jpeg(6, (640, 480)))
    screenshot = tmp_path / "upload-page-ready.png"

    token = mint(issuer, str(uuid.uuid4()), customer=customer)
    shown = use_page(host, chromium, photo, screenshot, token)

    assert shown["state"] == "ready", shown
    assert (shown["status"], shown["error"], shown["problems"]) == ("Thumbnail ready.", None, [])
    image = shown["image"]
    assert image["complete"] and (image["naturalWidth"], image["naturalHeight"]) == (200, 150)
    assert image["alt"] == "Thumbnail of sunset.jpg"
    assert f"/thumbnails/{customer}/web/" in image["src"]  # the customer's own folder
    assert shown["thumbnails"] == [{"status": 200, "contentType": "image/jpeg"}]
    assert shown["pageStatus"] == 200
    assert shown["pageHeaders"]["content-type"].startswith("text/html")
    assert "script-src 'self'" in shown["pageHeaders"]["content-security-policy"]
    with Image.open(io.BytesIO(screenshot.read_bytes())) as picture:
        assert picture.format == "PNG" and picture.width == 800


def test_a_text_file_named_jpg_shows_why_it_failed(
    host: DevhostProcess, issuer: LocalIssuer, customer: str, chromium: str, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.jpg"
    notes.write_text("shopping list: eggs, milk\n", encoding="utf-8")

    token = f"Bearer {mint(issuer, str(uuid.uuid4()), customer=customer)}"  # pasted whole
    shown = use_page(host, chromium, notes, tmp_path / "upload-page-failed.png", token)

    assert shown["state"] == "failed", shown
    assert shown["error"] == "The file is not an image. (not-an-image)"
    assert shown["image"] is None
    assert shown["problems"] == []


def test_without_a_valid_token_the_page_says_so(
    host: DevhostProcess, issuer: LocalIssuer, customer: str, chromium: str, tmp_path: Path
) -> None:
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(f.oriented_jpeg(1, (64, 48)))
    expired = mint(issuer, str(uuid.uuid4()), customer=customer, expires_in=-600)

    for token in (None, expired):
        shown = use_page(host, chromium, photo, tmp_path / "upload-page-401.png", token)

        assert shown["state"] == "failed", shown
        assert shown["error"] == (
            "The app refused the upload: a valid access token is needed (HTTP 401)"
        )
        assert shown["image"] is None
