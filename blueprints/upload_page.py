"""The upload page (`GET /api/upload`): pick an image, upload it straight to storage, see its
thumbnail. Static files from `web/`, no build step; docs/images.md, "The upload page".

Anonymous (an excluded path of App Service authentication too), because the page holds
nothing: the API calls it makes carry the access token the user pastes, as a Bearer token read
from the field for each upload and never stored. A token field rather than the platform's
sign-in session, so the page works the same on Azure and under devhost --easy-auth and needs
no redirect URI or client secret (docs/images.md, "The upload page"). The files are read once
per process on first request; importing this module reads nothing, so other functions' cold
start does not pay for the page.
"""

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import azure.functions as func

from blueprints.endpoint import Blueprint
from blueprints.lazy import lazy_module
from shared.errors import NotFound

if TYPE_CHECKING:
    from shared import bootstrap
else:
    bootstrap = lazy_module("shared.bootstrap")

__all__ = ["WEB_FILES", "WEB_ROOT", "bp"]

WEB_ROOT = Path(__file__).resolve().parent.parent / "web"
# URL path segment after /api/upload -> (file in web/, media type). Nothing else is served.
WEB_FILES = {
    "": ("index.html", "text/html"),
    "upload.js": ("upload.js", "text/javascript"),
    "upload.css": ("upload.css", "text/css"),
}

bp = Blueprint()


@bp.endpoint("upload/{file?}", methods=["GET"], anonymous=True)
async def upload_page(req: func.HttpRequest) -> func.HttpResponse:
    name = req.route_params.get("file") or ""
    if name not in WEB_FILES:
        raise NotFound(f"The upload page has no file {name!r}.")
    file_name, media_type = WEB_FILES[name]
    return func.HttpResponse(
        _read(file_name),
        status_code=200,
        mimetype=media_type,
        charset="utf-8",
        headers=_security_headers(),
    )


@cache
def _read(file_name: str) -> bytes:
    return (WEB_ROOT / file_name).read_bytes()


def _security_headers() -> dict[str, str]:
    """Scripts and styles from the app only; requests and images to the app and the blob
    endpoint that upload and thumbnail URLs point at; no referrer, so a SAS never leaks."""
    storage = bootstrap.blob_origin()
    policy = (
        "default-src 'none'; script-src 'self'; style-src 'self'; "
        f"connect-src 'self' {storage}; img-src {storage}; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
    }
