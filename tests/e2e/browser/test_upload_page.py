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
from azure.storage.blob import BlobServiceClient
from PIL import Image

from devhost.auth import mint
from devhost.azurite import running_azurite
from tests.e2e.harness import ROOT, DevhostProcess
from tests.unit.images import factories as f

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from devhost.auth import LocalIssuer
    from devhost.azurite import Azurite

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
    assert shown["step"] is None  # every step worked: the app refused the image
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
        assert shown["step"] == "upload-url"
        assert shown["image"] is None


@pytest.fixture
def own_storage(tmp_path: Path) -> Iterator[Azurite]:
    """An Azurite of its own with no CORS rule, as a user's own emulator starts (the VS Code
    Azurite extension's, say): the session's has the rule the e2e fixtures set."""
    with running_azurite(tmp_path / "azurite", log_file=tmp_path / "azurite.log") as storage:
        yield storage


@pytest.fixture
def devhost_alone(own_storage: Azurite, tmp_path: Path) -> Iterator[DevhostProcess]:
    """`python -m devhost` against that Azurite, started without make run's launcher (which
    sets the rule itself) and without the e2e fixtures' rule."""
    host = DevhostProcess(ROOT, own_storage.connection_string, tmp_path / "devhost.log")
    host.start()
    yield host
    host.stop()


def _admitted_origins(connection_string: str) -> set[str]:
    with BlobServiceClient.from_connection_string(connection_string) as service:
        rules = service.get_service_properties()["cors"] or []
    return {
        origin
        for rule in rules
        if "PUT" in rule.allowed_methods.split(",")
        for origin in rule.allowed_origins.split(",")
    }


def test_devhost_alone_lets_its_page_upload_to_a_local_azurite(
    devhost_alone: DevhostProcess, own_storage: Azurite, chromium: str, tmp_path: Path
) -> None:
    assert _admitted_origins(own_storage.connection_string) == {
        f"http://localhost:{devhost_alone.port}",
        f"http://127.0.0.1:{devhost_alone.port}",
    }
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(f.oriented_jpeg(1, (64, 48)))

    shown = use_page(devhost_alone, chromium, photo, tmp_path / "alone.png", token=None)

    assert shown["state"] == "ready", shown
    assert shown["problems"] == []


def test_without_the_cors_rule_the_page_names_the_put_and_the_fix(
    devhost_alone: DevhostProcess, own_storage: Azurite, chromium: str, tmp_path: Path
) -> None:
    with BlobServiceClient.from_connection_string(own_storage.connection_string) as service:
        service.set_service_properties(cors=[])  # as an emulator nothing has set up
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(f.oriented_jpeg(1, (64, 48)))

    shown = use_page(devhost_alone, chromium, photo, tmp_path / "no-cors.png", token=None)

    assert shown["state"] == "failed", shown
    assert shown["step"] == "put"
    assert shown["error"] == (
        "Storage did not accept the upload from this page: the PUT to "
        f"http://127.0.0.1:{own_storage.blob_port} got no answer the page may read "
        "(TypeError: Failed to fetch). Its blob service needs a CORS rule for "
        f"{devhost_alone.base_url}: python -m devhost and make run set one on a local "
        'Azurite; elsewhere see docs/images.md, "Browser uploads and CORS".'
    )
    # The browser's own reason, which the page cannot read: the preflight was refused.
    assert any("CORS" in problem for problem in shown["problems"]), shown["problems"]
