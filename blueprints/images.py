"""Thumbnails: the blob trigger, the queue of refused uploads, and the status and upload-URL
endpoints.

Each function parses its trigger, calls one use case in `shared.images` and maps the result
back. Pillow and the storage SDKs load on first use, not when the app is imported. Every
binding is on the uploads account (UploadsStorage), apart from the host's own.
"""

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import azure.functions as func

from blueprints.endpoint import Blueprint
from blueprints.http import json_response, read_json
from blueprints.lazy import lazy_module
from shared.config import UPLOADS_CONNECTION

if TYPE_CHECKING:
    from shared import bootstrap, telemetry
    from shared.auth import Caller
    from shared.images import rejections, service, status
else:
    bootstrap = lazy_module("shared.bootstrap")
    rejections = lazy_module("shared.images.rejections")
    service = lazy_module("shared.images.service")
    status = lazy_module("shared.images.status")
    telemetry = lazy_module("shared.telemetry")

bp = Blueprint()
UPLOADS = "uploads"  # the container the upload URLs point at (shared.images.store.UPLOADS)


# Event Grid source: the only blob trigger Flex Consumption runs (docs/images.md, "Events").
@bp.blob_trigger(
    arg_name="upload",
    path=f"{UPLOADS}/{{name}}",
    connection=UPLOADS_CONNECTION,
    source=func.BlobSource.EVENT_GRID,
)
async def make_thumbnail(upload: func.InputStream, context: func.Context) -> None:
    """Bad images are recorded as failed and return normally (no retries, no poison queue);
    storage errors raise, so the host retries the delivery. Each delivery reads the blob as
    it is now; duplicate, late or reordered events are harmless because the core writes
    only for the current version and never lets an older one replace a newer one."""
    delivery = service.Upload(
        (upload.name or "").removeprefix(f"{UPLOADS}/"),
        upload.read,
        version=status.SourceVersion.from_properties(getattr(upload, "blob_properties", None)),
        length=upload.length,
    )
    with telemetry.invocation(context.invocation_id):
        await service.process_upload(
            delivery, store=await bootstrap.image_store(), settings=bootstrap.settings().images
        )


# Event Grid's other subscriptions put here what make_thumbnail's does not deliver: uploads
# over THUMBNAIL_MAX_BYTES, and blobs not made by an upload (docs/images.md, "Oversized uploads").
@bp.queue_trigger(arg_name="message", queue_name="uploads-rejected", connection=UPLOADS_CONNECTION)
async def reject_upload(message: func.QueueMessage, context: func.Context) -> None:
    """Records the blob `failed` with its reason and deletes it, without reading its bytes.
    An unreadable message is logged and dropped (it names no blob to record); storage errors
    raise, so the host retries."""
    with telemetry.invocation(context.invocation_id):
        await rejections.reject_upload(
            message.get_body(),
            UPLOADS,
            store=await bootstrap.image_store(),
            settings=bootstrap.settings().images,
        )


@bp.endpoint("images/{*name}", methods=["GET", "OPTIONS"])
async def get_image_status(req: func.HttpRequest, caller: "Caller") -> func.HttpResponse:
    status = await service.get_status(
        req.route_params.get("name", ""),
        caller=caller,
        store=await bootstrap.image_store(),
        settings=bootstrap.settings().images,
        now=datetime.now(UTC),
    )
    return json_response(200, status.to_public())


@bp.endpoint("images", methods=["POST", "OPTIONS"])
async def create_image_upload(req: func.HttpRequest, caller: "Caller") -> func.HttpResponse:
    ticket = await service.create_upload(
        read_json(req), caller=caller, store=await bootstrap.image_store(), now=datetime.now(UTC)
    )
    body = {
        "name": ticket.name,
        "upload_url": ticket.upload_url,
        "expires_at": ticket.expires_at.isoformat().replace("+00:00", "Z"),
    }
    # 200, not 201: nothing exists until the bytes are PUT (GET /api/images/{name} is 404
    # until then), so there is no Location to point at (docs/errors.md).
    return json_response(200, body)
