"""Upload handling: stream to disk in chunks and stop at the size cap.

Django's temporary-file handler already writes each chunk to disk, so peak memory does not
grow with the file. This subclass counts bytes and stops reading once the cap is passed
(a client can lie about Content-Length or send chunked bodies); the view then answers 413.
"""

from typing import Any, BinaryIO, cast

from django.conf import settings
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError

from .errors import EnsembleError, TooLarge


def max_upload_bytes() -> int:
    return int(settings.ENSEMBLE_MAX_UPLOAD_BYTES)


def human_size(num_bytes: int) -> str:
    size = float(num_bytes)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


class CappedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    def receive_data_chunk(self, raw_data: bytes, start: int) -> Any:
        if start + len(raw_data) > max_upload_bytes():
            self.request.upload_too_large = True  # type: ignore[union-attr]
            self.file.close()
            raise StopUpload(connection_reset=False)
        return super().receive_data_chunk(raw_data, start)


def upload_was_too_large(request: Any) -> bool:
    return bool(getattr(request, "upload_too_large", False))


def too_large_message() -> str:
    return f"That file is too large: the limit is {human_size(max_upload_bytes())}."


# The OpenAPI request body of an endpoint that reads a picture with `multipart_put_file`
# (pass it as `openapi_extra`).
PICTURE_PUT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "A JPEG, PNG or WebP picture; it is re-encoded "
                            "without its metadata.",
                        }
                    },
                }
            }
        },
    }
}


def multipart_put_file(request: HttpRequest, *, field: str = "file") -> Any:
    """The uploaded `field` of a multipart PUT (Django parses multipart bodies of POSTs only),
    or an EnsembleError saying how to send it."""
    if request.content_type != "multipart/form-data":
        raise EnsembleError(
            f"Send the picture as multipart/form-data, in a field named “{field}”.", field=field
        )
    try:
        _fields, files = request.parse_file_upload(request.META, cast(BinaryIO, request))
    except MultiPartParserError as exc:
        raise EnsembleError(f"The form could not be read: {exc}", field=field) from exc
    if upload_was_too_large(request):
        raise TooLarge(too_large_message(), field=field)
    upload = files.get(field)
    if upload is None:
        raise EnsembleError(f"Send the picture in a field named “{field}”.", field=field)
    return upload
