"""Records in the API: list with filters and cursor pagination, read, create, version, edit."""

from typing import Literal

from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from ensemble.core.api_auth import PUBLIC_READ, ApiRequest, member_auth, optional_auth
from ensemble.core.errors import EnsembleError
from ensemble.core.schemas import error_responses
from ensemble.lineage import selectors as lineage
from ensemble.lineage.attribution import attribution_text
from ensemble.lineage.services import SourceSpec

from . import access, selectors, services
from .models import Record
from .schemas import (
    LineageEdgeOut,
    LineageNodeOut,
    LineageOut,
    RecordOut,
    RecordPage,
    RecordPatch,
    SourceIn,
    TextRecordIn,
    TextVersionIn,
    VersionOut,
)

router = Router(tags=["records"])


class FeedQuery(Schema):
    kind: str = ""
    tag: str = ""
    city: str = ""
    author: str = ""
    resolution: int | None = Field(None, ge=1, le=100_000, description="at least: 2160 for 4K")
    codec: str = ""
    camera: str = Field("", description="part of the camera make or model")
    orientation: Literal["", "landscape", "portrait", "square"] = ""
    never_remixed: bool = Field(False, description="only records nobody has built on yet")
    cursor: str | None = None
    limit: int = 24


_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 415, 422)


def _sources_form(raw: str) -> list[SourceSpec] | None:
    """Sources sent in a multipart form as JSON; empty means none (or: keep the previous)."""
    if not raw.strip():
        return None
    try:
        items = TypeAdapter(list[SourceIn]).validate_json(raw)
    except PydanticValidationError as exc:
        raise EnsembleError(
            'sources must be a JSON list like [{"record_id": 1, "role": "music"}]: '
            + "; ".join(str(e["msg"]) for e in exc.errors()[:3]),
            field="sources",
        ) from exc
    return [item.spec() for item in items]


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
            never_remixed=query.never_remixed,
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
    fields = payload.dict(exclude={"sources"})
    record = services.record_create_text(
        author=request.auth, **fields, sources=[source.spec() for source in payload.sources]
    )
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
    sources: Form[str] = "",
) -> Status[RecordOut]:
    """Upload an audio, video or image file as a new record (multipart form). `sources` is a
    JSON list of what it is built on: `[{"record_id": 1, "role": "music"}]`."""
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
        sources=_sources_form(sources) or (),
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
    request: ApiRequest,
    record_id: int,
    file: File[UploadedFile],
    note: Form[str] = "",
    sources: Form[str] = "",
) -> Status[VersionOut]:
    """A new version of an audio, video or image record from a new file."""
    record = access.record_for_author(member=request.auth, record_id=record_id)
    version = services.record_version_add_upload(
        record=record, upload=file, note=note, sources=_sources_form(sources)
    )
    return Status(201, VersionOut.from_version(version))


@router.post("/{record_id}/versions/text", response={201: VersionOut, **_ERRORS}, auth=member_auth)
def record_version_text(
    request: ApiRequest, record_id: int, payload: TextVersionIn
) -> Status[VersionOut]:
    """A new version of a text record."""
    record = access.record_for_author(member=request.auth, record_id=record_id)
    version = services.record_version_add_text(
        record=record,
        text=payload.text,
        note=payload.note,
        sources=None if payload.sources is None else [s.spec() for s in payload.sources],
    )
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


@router.get(
    "/{record_id}/lineage",
    response={200: LineageOut, **_ERRORS},
    auth=optional_auth,
    openapi_extra=PUBLIC_READ,
)
def record_lineage(request: ApiRequest, record_id: int) -> LineageOut:
    """What the record is built on (all the way up) and everything built on it (all the way
    down), with roles. Unpublished records in the lineage keep their artist's credit."""
    record = access.record_for_viewer(viewer=request.auth, record_id=record_id)
    sources = (
        lineage.version_sources(version=record.current_version, viewer=request.auth)
        if record.current_version
        else []
    )
    up = lineage.record_ancestry(record=record, viewer=request.auth, limit=5000)
    down = lineage.record_descendants(record_id=record.pk, viewer=request.auth, limit=5000)
    nodes = {**up.nodes, **down.nodes}

    def node_out(node: lineage.LineageNode) -> LineageNodeOut:
        return LineageNodeOut(
            record_id=node.record_id, version=node.version_number,
            title=node.title if node.available else None, kind=node.kind,
            artist=node.author_name, available=node.available, depth=node.depth,
        )  # fmt: skip

    def edge_out(edge: lineage.LineageEdge) -> LineageEdgeOut:
        remix, source = nodes.get(edge.version_id), nodes.get(edge.source_version_id)
        return LineageEdgeOut(
            record_id=remix.record_id if remix else None,
            version=remix.version_number if remix else 0,
            source_record_id=source.record_id if source else None,
            source_version=source.version_number if source else 0,
            role=edge.role_label,
        )

    roots = set(up.root_version_ids) | set(down.root_version_ids)
    return LineageOut(
        attribution=attribution_text(record=record, sources=sources),
        built_on=[
            LineageEdgeOut(
                record_id=record.pk,
                version=record.current_version.number,
                source_record_id=s.node.record_id,
                source_version=s.node.version_number,
                role=s.role_label,
            )
            for s in sources
            if record.current_version
        ],
        remixed_in_count=lineage.record_remixes(record=record, viewer=request.auth, limit=0).count,
        ancestors=[node_out(n) for n in up.ordered() if n.version_id not in roots],
        descendants=[node_out(n) for n in down.ordered() if n.version_id not in roots],
        edges=[edge_out(e) for e in [*up.edges, *down.edges]],
    )
