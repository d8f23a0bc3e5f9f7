"""Why an upload cannot become a thumbnail.

Every class here is a permanent failure: the same bytes fail the same way on every retry, so
callers record the reason `code` and stop instead of letting the host retry and poison the blob.
"""

from __future__ import annotations

from shared.errors import AppError

__all__ = [
    "REASONS",
    "CorruptImage",
    "FormatNotAllowed",
    "ImageRejected",
    "NotAnImage",
    "TooLarge",
    "TooManyPixels",
    "UploadMethodNotAllowed",
]


class ImageRejected(AppError):
    """Base for every reason an upload is refused as a thumbnail source."""

    code = "image-rejected"


class NotAnImage(ImageRejected):
    """The bytes are not an image in any format we recognise (text, empty, random)."""

    code = "not-an-image"


class FormatNotAllowed(ImageRejected):
    """An image, but in a format outside the allow-list (TIFF, PSD, EPS, SVG, ...)."""

    code = "format-not-allowed"


class TooManyPixels(ImageRejected):
    """The header declares more pixels than allowed (a likely decompression bomb)."""

    code = "too-many-pixels"


class TooLarge(ImageRejected):
    """The upload has more bytes than allowed."""

    code = "too-large"


class CorruptImage(ImageRejected):
    """An allowed format that cannot be decoded: truncated, damaged or malformed."""

    code = "corrupt"


class UploadMethodNotAllowed(ImageRejected):
    """The blob was not made by an upload (Put Blob, Put Block List) but, say, by a
    server-side copy: only uploads become thumbnails (docs/images.md, "Oversized uploads")."""

    code = "upload-method-not-allowed"


# Every reason code a `failed` status can carry, in the order above (the OpenAPI enum).
REASONS = tuple(cls.code for cls in ImageRejected.__subclasses__())
