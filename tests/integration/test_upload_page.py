"""GET /api/upload serves the upload page's files through the registered function, with a
policy that lets its scripts reach only the app and the blob endpoint. (The page at work in a
browser: tests/e2e/browser/test_upload_page.py.)"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from blueprints.upload_page import WEB_FILES, WEB_ROOT
from tests.support import call_http, json_of
from tools.funcignore import azd_files, core_tools_files, read_rules

if TYPE_CHECKING:
    from devhost.azurite import Azurite

ROOT = Path(__file__).resolve().parents[2]


class _Links(HTMLParser):
    """The URLs of the page's scripts and style sheets."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        url = found.get("src") if tag == "script" else found.get("href") if tag == "link" else None
        if url:
            self.urls.append(url)


def route_prefix() -> str:
    host = json.loads((ROOT / "host.json").read_text("utf-8"))
    return "/" + str(host["extensions"]["http"]["routePrefix"])


@pytest.mark.parametrize(
    ("file", "media_type"),
    [(None, "text/html"), ("upload.js", "text/javascript"), ("upload.css", "text/css")],
)
async def test_each_page_file_is_served_with_its_type_and_policy(
    storage_env: Azurite, file: str | None, media_type: str
) -> None:
    response = await call_http("upload_page", "GET", route_params={"file": file} if file else {})

    assert response.status_code == 200
    assert response.mimetype == media_type and response.charset == "utf-8"
    assert response.get_body() == (WEB_ROOT / WEB_FILES[file or ""][0]).read_bytes()
    policy = response.headers["Content-Security-Policy"]
    blob = f"http://127.0.0.1:{storage_env.blob_port}"
    assert "default-src 'none'" in policy and "script-src 'self';" in policy
    assert f"connect-src 'self' {blob};" in policy and f"img-src {blob};" in policy
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("file", ["index.html", "../function_app.py", "upload.js.map", "x"])
async def test_nothing_else_is_served(storage_env: Azurite, file: str) -> None:
    response = await call_http("upload_page", "GET", route_params={"file": file})

    assert response.status_code == 404
    assert json_of(response)["type"].endswith(":not-found")


def test_the_page_links_its_files_and_the_api_under_the_route_prefix() -> None:
    """index.html's and upload.js's absolute paths follow host.json's routePrefix."""
    links = _Links()
    links.feed((WEB_ROOT / "index.html").read_text("utf-8"))
    prefix = route_prefix()
    assert sorted(links.urls) == sorted(f"{prefix}/upload/{name}" for name in WEB_FILES if name)
    script = (WEB_ROOT / "upload.js").read_text("utf-8")
    assert re.search(rf'^const API = "{prefix}";', script, re.MULTILINE)


def test_the_page_files_are_deployed() -> None:
    """.funcignore leaves web/ in the package that `func azure functionapp publish` and
    `azd deploy` upload, each read with its own rules (tools/funcignore.py)."""
    rules = read_rules((ROOT / ".funcignore").read_text("utf-8"))
    wanted = {(WEB_ROOT / name).relative_to(ROOT).as_posix() for name, _ in WEB_FILES.values()}
    assert wanted <= set(core_tools_files(ROOT, rules))
    assert wanted <= set(azd_files(ROOT, rules))
