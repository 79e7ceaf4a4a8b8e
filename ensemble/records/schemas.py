"""API shapes for records."""

from datetime import datetime
from typing import Any

from ninja import Schema

from ensemble.lineage.services import SourceSpec
from ensemble.media.selectors import rendition_url

from .models import Record, RecordVersion


class AuthorOut(Schema):
    username: str
    name: str
    url: str


class RenditionOut(Schema):
    name: str
    role: str
    url: str
    content_type: str
    width: int | None
    height: int | None
    size_bytes: int


class ProcessingOut(Schema):
    state: str
    progress: float
    message: str


class VersionOut(Schema):
    number: int
    note: str
    created_at: datetime
    sha256: str
    size_bytes: int
    content_type: str
    original_filename: str
    original_url: str | None
    text: str | None
    text_html: str | None
    probe: dict[str, Any]
    resolution: int | None
    orientation: str
    codec: str
    camera: str
    processing: ProcessingOut | None
    renditions: list[RenditionOut]

    @staticmethod
    def from_version(version: RecordVersion) -> "VersionOut":
        job = getattr(version, "media_job", None) if version.original else None
        return VersionOut(
            number=version.number,
            note=version.note,
            created_at=version.created_at,
            sha256=version.sha256,
            size_bytes=version.size_bytes,
            content_type=version.content_type,
            original_filename=version.original_filename,
            original_url=version.original_url if version.original else None,
            text=version.text if not version.original else None,
            text_html=version.text_html if not version.original else None,
            probe=version.probe,
            resolution=version.resolution,
            orientation=version.orientation,
            codec=version.codec,
            camera=version.camera,
            processing=(
                ProcessingOut(state=job.state, progress=job.progress, message=job.message)
                if job is not None
                else None
            ),
            renditions=[
                RenditionOut(
                    name=r.name,
                    role=r.role,
                    url=rendition_url(r),
                    content_type=r.content_type,
                    width=r.width,
                    height=r.height,
                    size_bytes=r.size_bytes,
                )
                for r in version.renditions.all()
            ],
        )


class RecordOut(Schema):
    id: int
    kind: str
    title: str
    description: str
    tags: list[str]
    city: str
    licence: str
    licence_url: str
    published: bool
    author: AuthorOut
    url: str
    created_at: datetime
    updated_at: datetime
    current_version: VersionOut | None

    @staticmethod
    def from_record(record: Record) -> "RecordOut":
        return RecordOut(
            id=record.pk,
            kind=record.kind,
            title=record.title,
            description=record.description,
            tags=[tag.name for tag in record.tags.all()],
            city=record.city,
            licence=record.licence,
            licence_url=record.licence_url,
            published=record.published,
            author=AuthorOut(
                username=record.author.username,
                name=record.author.name,
                url=record.author.get_absolute_url(),
            ),
            url=record.get_absolute_url(),
            created_at=record.created_at,
            updated_at=record.updated_at,
            current_version=(
                VersionOut.from_version(record.current_version) if record.current_version else None
            ),
        )


class RecordPage(Schema):
    items: list[RecordOut]
    next_cursor: str | None


class SourceIn(Schema):
    """A record this one is built on: the version used (the current one when left out), the
    role it plays, and for audio and video optionally the range used, in seconds."""

    record_id: int
    role: str
    version: int | None = None
    role_other: str = ""
    start_seconds: float | None = None
    end_seconds: float | None = None

    def spec(self) -> SourceSpec:
        return SourceSpec(
            record_id=self.record_id, role=self.role, version_number=self.version,
            role_other=self.role_other, start_seconds=self.start_seconds,
            end_seconds=self.end_seconds,
        )  # fmt: skip


class LineageNodeOut(Schema):
    record_id: int | None
    version: int
    title: str | None
    kind: str
    artist: str
    available: bool
    depth: int


class LineageEdgeOut(Schema):
    record_id: int | None
    version: int
    source_record_id: int | None
    source_version: int
    role: str


class LineageOut(Schema):
    attribution: str
    built_on: list[LineageEdgeOut]
    remixed_in_count: int
    ancestors: list[LineageNodeOut]
    descendants: list[LineageNodeOut]
    edges: list[LineageEdgeOut]


class TextRecordIn(Schema):
    title: str
    text: str
    description: str = ""
    tags: list[str] = []
    city: str = ""
    licence: str | None = None
    published: bool = True
    sources: list[SourceIn] = []


class RecordPatch(Schema):
    title: str | None = None
    description: str | None = None
    tags: list[str] | None = None
    city: str | None = None
    licence: str | None = None


class TextVersionIn(Schema):
    text: str
    note: str = ""
    sources: list[SourceIn] | None = None  # None: the previous version's sources
