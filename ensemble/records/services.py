"""Writes about records: create, new versions, edit, publish and unpublish.

Every function checks its input with the rules in `validation`, runs in one transaction and
raises an EnsembleError (with the HTTP status and a plain message) before writing anything
when the input is refused.
"""

import hashlib
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from ensemble.accounts.models import Member
from ensemble.core.errors import Conflict, EnsembleError, TooLarge, UnsupportedMedia
from ensemble.core.markdown import markdown_to_html
from ensemble.core.uploads import max_upload_bytes, too_large_message
from ensemble.feedback.services import activity_record_posted
from ensemble.lineage.notify import remix_notify
from ensemble.lineage.services import (
    SourceSpec,
    record_licence_check,
    source_links_copy_forward,
    source_links_set,
)
from ensemble.media.jobs import media_job_enqueue
from ensemble.media.probe import filter_fields
from ensemble.media.sniff import MediaRefused, extensions_for, sniff

from . import validation as v
from .models import Kind, Record, RecordVersion, Tag
from .storage import original_store, sha256_of


def record_create_text(
    *,
    author: Member,
    title: str,
    text: str,
    description: str = "",
    tags: list[str] | str | None = None,
    city: str = "",
    licence: str | None = None,
    published: bool = True,
    sources: Sequence[SourceSpec] = (),
) -> Record:
    """A text record; `sources` are the records it is built on (see ensemble.lineage)."""
    fields = _clean_fields(title, description, tags, city, licence)
    body = v.clean_body(text)
    with transaction.atomic():
        record = _record_insert(author=author, kind=Kind.TEXT, published=published, **fields)
        version = _version_insert_text(record=record, text=body, note="")
        _sources_declare(version=version, sources=sources, actor=author, licence=licence)
        activity_record_posted(record=record)
    return record


def record_create_upload(
    *,
    author: Member,
    upload: UploadedFile,
    kind: str | None = None,
    title: str = "",
    description: str = "",
    tags: list[str] | str | None = None,
    city: str = "",
    licence: str | None = None,
    published: bool = True,
    sources: Sequence[SourceSpec] = (),
) -> Record:
    """A new audio, video or image record from an uploaded file (the kind follows the file)."""
    filename = v.clean_filename(upload.name)
    media_kind = _upload_kind(kind, filename)
    fields = _clean_fields(title or Path(filename).stem, description, tags, city, licence)
    accepted = _upload_accept(upload, kind=media_kind, filename=filename, author=author)
    with transaction.atomic():
        record = _record_insert(author=author, kind=media_kind, published=published, **fields)
        version = _version_insert_media(record=record, accepted=accepted, note="")
        _sources_declare(version=version, sources=sources, actor=author, licence=licence)
        activity_record_posted(record=record)
    return record


def record_version_add_upload(
    *,
    record: Record,
    upload: UploadedFile,
    note: str = "",
    sources: Sequence[SourceSpec] | None = None,
) -> RecordVersion:
    """A new file version. Its sources are the previous version's unless `sources` is given:
    links change only with a new version, so history stays true."""
    if record.kind == Kind.TEXT:
        raise EnsembleError("A text record changes by editing its text, not by uploading a file.")
    filename = v.clean_filename(upload.name)
    _upload_kind(record.kind, filename)
    note = v.clean_note(note)
    accepted = _upload_accept(
        upload, kind=Kind(record.kind), filename=filename, author=record.author
    )
    with transaction.atomic():
        locked = Record.objects.select_for_update(no_key=True, of=("self",)).get(pk=record.pk)
        version = _version_insert_media(record=locked, accepted=accepted, note=note)
        _sources_renew(version=version, sources=sources, actor=record.author)
        return version


def record_version_add_text(
    *,
    record: Record,
    text: str,
    note: str = "",
    sources: Sequence[SourceSpec] | None = None,
) -> RecordVersion:
    if record.kind != Kind.TEXT:
        raise EnsembleError("Only text records have text to edit; upload a new file instead.")
    body = v.clean_body(text)
    note = v.clean_note(note)
    with transaction.atomic():
        locked = (
            Record.objects.select_for_update(no_key=True, of=("self",))
            .select_related("current_version")
            .get(pk=record.pk)
        )
        unchanged = locked.current_version and locked.current_version.text == body
        if unchanged and sources is None:
            raise Conflict(
                "Nothing changed: the text is the same as the current version.", field="text"
            )
        version = _version_insert_text(record=locked, text=body, note=note)
        _sources_renew(version=version, sources=sources, actor=record.author)
        return version


def record_update(
    *,
    record: Record,
    title: str,
    description: str = "",
    tags: list[str] | str | None = None,
    city: str = "",
    licence: str | None = None,
) -> Record:
    """Change what describes a record. The content itself changes only through new versions."""
    fields = _clean_fields(title, description, tags, city, licence)
    if fields["licence"] != record.licence:  # a remix's licence must suit its sources
        fields["licence"] = record_licence_check(record=record, licence=fields["licence"])
    tag_names = fields.pop("tags")
    with transaction.atomic():
        for name, value in fields.items():
            setattr(record, name, value)
        record.save(update_fields=[*fields, "updated_at"])
        record.tags.set(_tags_get_or_create(tag_names))
    return record


def record_edit(
    *,
    record: Record,
    title: str,
    description: str = "",
    tags: list[str] | str | None = None,
    city: str = "",
    licence: str | None = None,
    text: str | None = None,
    note: str = "",
) -> Record:
    """The edit page: new details and, for a text record, its text, all or nothing.

    A new version is made only when the text differs from the current one once cleaned (a
    browser sends line breaks as CRLF; the stored text has LF), so changing only the title
    of a poem does not make a version or a "nothing changed" refusal.
    """
    if text is not None and record.kind != Kind.TEXT:
        raise EnsembleError("Only text records have text to edit; upload a new file instead.")
    body = v.clean_body(text) if text is not None else None
    note = v.clean_note(note)
    _clean_fields(title, description, tags, city, licence)  # refuse before writing anything
    with transaction.atomic():
        record_update(
            record=record,
            title=title,
            description=description,
            tags=tags,
            city=city,
            licence=licence,
        )
        current = record.current_version
        if body is not None and (current is None or current.text != body):
            record_version_add_text(record=record, text=body, note=note)
            record.refresh_from_db(fields=["current_version"])
    return record


def record_unpublish(*, record: Record) -> Record:
    """Hide a record from everyone but its author. Its rows and files stay."""
    if record.published:
        record.published = False
        record.save(update_fields=["published", "updated_at"])
    return record


def record_publish(*, record: Record) -> Record:
    if not record.published:
        with transaction.atomic():
            record.published = True
            record.save(update_fields=["published", "updated_at"])
            activity_record_posted(record=record)
    return record


# Internals ----------------------------------------------------------------------------------


def _sources_declare(
    *,
    version: RecordVersion,
    sources: Sequence[SourceSpec],
    actor: Member,
    licence: str | None,
) -> None:
    """Link a new version to its sources (the licence follows them) and tell their artists."""
    if not sources:
        return
    links = source_links_set(version=version, sources=sources, actor=actor, licence=licence)
    remix_notify(remix=version.record, links=links, actor=actor)


def _sources_renew(
    *, version: RecordVersion, sources: Sequence[SourceSpec] | None, actor: Member
) -> None:
    if sources is None:
        source_links_copy_forward(version=version)
    else:
        _sources_declare(
            version=version, sources=sources, actor=actor, licence=version.record.licence
        )


class _Accepted:
    """An upload that passed every check: where its bytes are and what they are."""

    def __init__(self, *, upload: UploadedFile, filename: str, extension: str, sha256: str,
                 container: str, content_type: str, facts: dict[str, Any]) -> None:  # fmt: skip
        self.upload = upload
        self.filename = filename
        self.extension = extension
        self.sha256 = sha256
        self.container = container
        self.content_type = content_type
        self.facts = facts


def _clean_fields(
    title: str, description: str, tags: list[str] | str | None, city: str, licence: str | None
) -> dict[str, Any]:
    return {
        "title": v.clean_title(title),
        "description": v.clean_description(description),
        "tags": v.clean_tags(tags),
        "city": v.clean_city(city),
        "licence": v.clean_licence(licence),
    }


def _upload_kind(kind: str | None, filename: str) -> Kind:
    extension = v.extension_of(filename)
    if kind:
        chosen = v.clean_kind(kind)
        if chosen == Kind.TEXT:
            raise EnsembleError("Text records are written in the page, not uploaded.", field="kind")
        if extension not in extensions_for(chosen):
            allowed = ", ".join(sorted(extensions_for(chosen)))
            raise UnsupportedMedia(
                f"“{filename}” is not accepted as {chosen.label.lower()}: use one of {allowed}.",
                field="file",
            )
        return chosen
    for candidate in (Kind.VIDEO, Kind.AUDIO, Kind.IMAGE):
        if extension in extensions_for(candidate):
            return candidate
    raise UnsupportedMedia(
        f"“{filename}” is not a file type Ensemble accepts (video, audio or image).", field="file"
    )


def _upload_accept(upload: UploadedFile, *, kind: Kind, filename: str, author: Member) -> _Accepted:
    if not upload.size:
        raise EnsembleError("The file is empty.", field="file")
    if upload.size > max_upload_bytes():
        raise TooLarge(too_large_message(), field="file")
    extension = v.extension_of(filename)
    with _local_path(upload) as path:
        try:
            sniffed = sniff(path, kind=kind, extension=extension)
        except MediaRefused as exc:
            raise UnsupportedMedia(f"“{filename}”: {exc}", field="file") from exc
    sha256 = sha256_of(upload)
    earlier = (
        RecordVersion.objects.filter(record__author=author, sha256=sha256)
        .select_related("record")
        .first()
    )
    if earlier is not None:
        raise Conflict(
            f"You already uploaded this file: “{earlier.record.title}”, version {earlier.number}.",
            field="file",
        )
    return _Accepted(
        upload=upload, filename=filename, extension=extension, sha256=sha256,
        container=sniffed.container, content_type=sniffed.content_type, facts=sniffed.facts,
    )  # fmt: skip


@contextmanager
def _local_path(upload: UploadedFile) -> Iterator[Path]:
    """A path on local disk for the upload (Django keeps big uploads in a temporary file)."""
    temporary_path = getattr(upload, "temporary_file_path", None)
    if temporary_path is not None:
        yield Path(temporary_path())
        return
    with tempfile.NamedTemporaryFile(suffix=".upload") as copy:
        upload.seek(0)
        shutil.copyfileobj(upload, copy)
        copy.flush()
        upload.seek(0)
        yield Path(copy.name)


def _record_insert(
    *, author: Member, kind: Kind, published: bool, tags: list[str], **fields: Any
) -> Record:
    record = Record.objects.create(author=author, kind=kind, published=published, **fields)
    if tags:
        record.tags.set(_tags_get_or_create(tags))
    return record


def _tags_get_or_create(names: list[str]) -> list[Tag]:
    existing = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    missing = [Tag(name=name) for name in names if name not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    return [existing[name] for name in names]


def _next_number(record: Record) -> int:
    last = record.versions.order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


def _version_insert_text(*, record: Record, text: str, note: str) -> RecordVersion:
    version = RecordVersion.objects.create(
        record=record,
        number=_next_number(record),
        note=note,
        text=text,
        text_html=markdown_to_html(text),
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        size_bytes=len(text.encode("utf-8")),
        content_type="text/markdown",
    )
    _version_make_current(record, version)
    return version


def _version_insert_media(*, record: Record, accepted: _Accepted, note: str) -> RecordVersion:
    name = original_store(accepted.upload, sha256=accepted.sha256, extension=accepted.extension)
    version = RecordVersion.objects.create(
        record=record,
        number=_next_number(record),
        note=note,
        sha256=accepted.sha256,
        original=name,
        original_filename=accepted.filename,
        size_bytes=accepted.upload.size or 0,
        content_type=accepted.content_type,
        container=accepted.container,
        probe=accepted.facts,
        **filter_fields(accepted.facts),
    )
    _version_make_current(record, version)
    media_job_enqueue(version=version)
    return version


def _version_make_current(record: Record, version: RecordVersion) -> None:
    record.current_version = version
    record.save(update_fields=["current_version", "updated_at"])
