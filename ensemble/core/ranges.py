"""Serve stored files with HTTP Range support, so players can seek in long media."""

import re
from collections.abc import Iterator
from typing import Any

from django.core.files.storage import Storage
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header, http_date, parse_etags

_RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
_CHUNK = 256 * 1024


def _stream(storage: Storage, name: str, start: int, length: int) -> Iterator[bytes]:
    """The bytes, read as they are sent; the file is opened only once sending starts."""
    with storage.open(name, "rb") as handle:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(_CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk


def _none_match_fails(header: str | None, quoted_etag: str) -> bool:
    """True when If-None-Match names this file's ETag (a list, `*` and W/ forms included)."""
    if not header:
        return False
    etags = parse_etags(header)
    return etags == ["*"] or quoted_etag in {etag.removeprefix("W/") for etag in etags}


def ranged_file_response(
    request: HttpRequest,
    *,
    storage: Storage,
    name: str,
    content_type: str,
    etag: str,
    download_name: str | None = None,
) -> HttpResponseBase:
    """A 200, 206, 304 or 416 answer for the stored file `name`, honouring one byte range."""
    size = storage.size(name)
    quoted_etag = f'"{etag}"'
    if _none_match_fails(request.headers.get("If-None-Match"), quoted_etag):
        not_modified = HttpResponse(status=304)
        not_modified["ETag"] = quoted_etag
        return not_modified

    start, end = 0, size - 1
    status = 200
    range_header = request.headers.get("Range", "")
    if_range = request.headers.get("If-Range")
    if range_header and (if_range is None or if_range == quoted_etag):
        match = _RANGE_RE.match(range_header.strip())
        if match and (match[1] or match[2]):
            if match[1]:
                start = int(match[1])
                end = min(int(match[2]), size - 1) if match[2] else size - 1
            else:  # a suffix range: the last N bytes
                start = max(size - int(match[2]), 0)
            if start > end or start >= size:
                unsatisfiable = HttpResponse(status=416)
                unsatisfiable["Content-Range"] = f"bytes */{size}"
                return unsatisfiable
            status = 206

    length = end - start + 1
    response = StreamingHttpResponse(
        _stream(storage, name, start, length), status=status, content_type=content_type
    )
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = quoted_etag
    response["Cache-Control"] = "private, max-age=3600"
    response["Last-Modified"] = http_date(storage.get_modified_time(name).timestamp())
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    disposition = content_disposition_header(True, download_name) if download_name else None
    if disposition:
        response["Content-Disposition"] = disposition
    return response


def stored_image_response(request: HttpRequest, field: Any) -> HttpResponseBase:
    """A re-encoded WebP picture (a cover, a logo) from its image field. Its address carries
    `?v=` with the file's name, so such requests may be cached for good."""
    response = ranged_file_response(
        request,
        storage=field.storage,
        name=field.name,
        content_type="image/webp",
        etag=field.name.rsplit("/", 1)[-1],
    )
    if request.GET.get("v"):  # the address changes with the file
        response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
