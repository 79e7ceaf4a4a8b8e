"""Records in the API: list with filters and cursor pagination, read, create, version, edit."""

from typing import Literal

from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from ensemble.core.api_auth import PUBLIC_READ, ApiRequest, member_auth, optional_auth

from . import access, selectors, services
from .models import Record
from .schemas import RecordOut, RecordPage, RecordPatch, TextRecordIn, TextVersionIn, VersionOut

router = Router(tags=["records"])


class Error(Schema):
    detail: str


class FeedQuery(Schema):
    kind: str = ""
    tag: str = ""
    city: str = ""
    author: str = ""
    resolution: int | None = Field(None, ge=1, le=100_000, description="at least: 2160 for 4K")
    codec: str = ""
    camera: str = Field("", description="part of the camera make or model")
    orientation: Literal["", "landscape", "portrait", "square"] = ""
    cursor: str | None = None
    limit: int = 24


_ERRORS = {
    400: Error,
    401: Error,
    403: Error,
    404: Error,
    409: Error,
    413: Error,
    415: Error,
    422: Error,
}


def _out(record: Record) -> RecordOut:
    fresh = access.record_for_viewer(viewer=record.author, record_id=record.pk)
    return RecordOut.from_record(fresh)


@router.get(
    "", response={200: RecordPage, **_ERRORS}, auth=optional_auth, openapi_extra=PUBLIC_READ
)
def records_list(request: ApiRequest, query: Query[FeedQuery]) -> RecordPage:
    """Published records, newest first. Pass `next_cursor` back as `cursor` for the next page."""
    limit = min(max(query.limit, 1), 100)
    page = selectors.records_feed(
        viewer=request.auth,
        filters=selectors.FeedFilters(
            kind=query.kind,
            tag=query.tag,
            city=query.city,
            author=query.author,
            resolution=query.resolution,
            codec=query.codec,
            camera=query.camera,
            orientation=query.orientation,
        ),
        cursor=query.cursor,
        limit=limit,
    )
    return RecordPage(
        items=[RecordOut.from_record(r) for r in page.records], next_cursor=page.next_cursor
    )


# The fixed paths (/text, /upload) come before /{record_id}: Django tries URL patterns in
# order, and /{record_id} (a plain string segment) would otherwise take /text and answer
# 405 to every POST.
@router.post("/text", response={201: RecordOut, **_ERRORS}, auth=member_auth)
def record_create_text(request: ApiRequest, payload: TextRecordIn) -> Status[RecordOut]:
    """Write a text record (poem, lyrics, script) in Markdown."""
    record = services.record_create_text(author=request.auth, **payload.dict())
    return Status(201, _out(record))


@router.post("/upload", response={201: RecordOut, **_ERRORS}, auth=member_auth)
def record_create_upload(
    request: ApiRequest,
    file: File[UploadedFile],
    title: Form[str] = "",
    kind: Form[str] = "",
    description: Form[str] = "",
    tags: Form[str] = "",
    city: Form[str] = "",
    licence: Form[str] = "",
    published: Form[bool] = True,
) -> Status[RecordOut]:
    """Upload an audio, video or image file as a new record (multipart form)."""
    record = services.record_create_upload(
        author=request.auth,
        upload=file,
        kind=kind or None,
        title=title,
        description=description,
        tags=tags,
        city=city,
        licence=licence or None,
        published=published,
    )
    return Status(201, _out(record))


@router.get(
    "/{record_id}",
    response={200: RecordOut, **_ERRORS},
    auth=optional_auth,
    openapi_extra=PUBLIC_READ,
)
def record_read(request: ApiRequest, record_id: int) -> RecordOut:
    return RecordOut.from_record(access.record_for_viewer(viewer=request.auth, record_id=record_id))


@router.get(
    "/{record_id}/versions",
    response={200: list[VersionOut], **_ERRORS},
    auth=optional_auth,
    openapi_extra=PUBLIC_READ,
)
def record_versions(request: ApiRequest, record_id: int) -> list[VersionOut]:
    record = access.record_for_viewer(viewer=request.auth, record_id=record_id)
    return [VersionOut.from_version(v) for v in selectors.record_versions(record=record)]


@router.post("/{record_id}/versions", response={201: VersionOut, **_ERRORS}, auth=member_auth)
def record_version_upload(
    request: ApiRequest, record_id: int, file: File[UploadedFile], note: Form[str] = ""
) -> Status[VersionOut]:
    """A new version of an audio, video or image record from a new file."""
    record = access.record_for_author(member=request.auth, record_id=record_id)
    version = services.record_version_add_upload(record=record, upload=file, note=note)
    return Status(201, VersionOut.from_version(version))


@router.post("/{record_id}/versions/text", response={201: VersionOut, **_ERRORS}, auth=member_auth)
def record_version_text(
    request: ApiRequest, record_id: int, payload: TextVersionIn
) -> Status[VersionOut]:
    """A new version of a text record."""
    record = access.record_for_author(member=request.auth, record_id=record_id)
    version = services.record_version_add_text(record=record, text=payload.text, note=payload.note)
    return Status(201, VersionOut.from_version(version))


@router.patch("/{record_id}", response={200: RecordOut, **_ERRORS}, auth=member_auth)
def record_edit(request: ApiRequest, record_id: int, payload: RecordPatch) -> RecordOut:
    """Change title, description, tags, city or licence; fields left out or null stay as is."""
    record = access.record_for_author(member=request.auth, record_id=record_id)
    changes = payload.dict(exclude_unset=True, exclude_none=True)
    services.record_update(
        record=record,
        title=changes.get("title", record.title),
        description=changes.get("description", record.description),
        tags=changes.get("tags", [tag.name for tag in record.tags.all()]),
        city=changes.get("city", record.city),
        licence=changes.get("licence", record.licence),
    )
    return _out(record)


@router.post("/{record_id}/unpublish", response={200: RecordOut, **_ERRORS}, auth=member_auth)
def record_unpublish(request: ApiRequest, record_id: int) -> RecordOut:
    """Hide the record from everyone but you. Nothing is deleted."""
    record = access.record_for_author(member=request.auth, record_id=record_id)
    return _out(services.record_unpublish(record=record))


@router.post("/{record_id}/publish", response={200: RecordOut, **_ERRORS}, auth=member_auth)
def record_publish(request: ApiRequest, record_id: int) -> RecordOut:
    record = access.record_for_author(member=request.auth, record_id=record_id)
    return _out(services.record_publish(record=record))
