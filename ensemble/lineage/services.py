"""Writes about lineage: declaring what a version is built on.

Links belong to a version and are never changed: a record changes its sources by making a new
version. Every rule is checked inside one transaction that holds the lineage lock, so two
requests that together would close a loop cannot both succeed:

- PostgreSQL: `pg_advisory_xact_lock` on one lineage key, released when the transaction ends.
- SQLite: write transactions are serialised (`BEGIN IMMEDIATE`, set in the settings), and every
  transaction here writes, so it already holds the database's write lock when it reads.

No row is locked FOR UPDATE here: inserting a link takes a FOR KEY SHARE lock on both records
(the foreign keys), and a FOR UPDATE held by another lineage write would turn the wait for the
lineage lock into a deadlock. Callers that lock a record row in the same transaction should use
`select_for_update(no_key=True)` for the same reason.

Call these inside the transaction that creates the version (`transaction.atomic()` around both),
so a refused source leaves no version behind either.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection, transaction

from ensemble.accounts.models import Member
from ensemble.core.errors import Conflict, EnsembleError, NotAllowed, NotFound
from ensemble.core.text import clean_line
from ensemble.records.models import Licence, Record, RecordVersion

from .licences import LicensedSource, licence_for_remix
from .models import ROLE_OTHER_MAX_LENGTH, Role, SourceLink
from .selectors import record_path_upstream

MAX_SOURCES = 50
# Any constant works; this one spells "lineage" in ASCII, so it is easy to spot in pg_locks.
LINEAGE_LOCK_KEY = 0x6C696E65616765


@dataclass(frozen=True)
class SourceSpec:
    """A source as a member declares it: a record, the version used (the current one when
    None), the role it plays and, for audio and video, optionally the range used in seconds."""

    record_id: int
    role: str
    version_number: int | None = None
    role_other: str = ""
    start_seconds: float | None = None
    end_seconds: float | None = None


@dataclass(frozen=True)
class _Resolved:
    spec: SourceSpec
    record: Record
    version: RecordVersion
    role: str
    role_other: str


def source_links_set(
    *,
    version: RecordVersion,
    sources: Sequence[SourceSpec],
    actor: Member,
    licence: str | None = None,
) -> list[SourceLink]:
    """Declare what a new version is built on, and give its record the licence that follows.

    `licence` is the artist's choice (None: the Ensemble remix licence when the sources allow
    it, otherwise the least restrictive licence they allow); see `licences.licence_for_remix`.
    The record's licence is updated to the result. Refused — with nothing written — when the
    actor is not the record's author, the version already has sources, a source is unknown,
    unpublished (and not the actor's own) or the record itself, a source is listed twice, a
    role is unknown, a range is reversed or outside the source, a source forbids derivatives,
    the licences cannot be combined or the choice is not allowed, or a link would close a loop.
    """
    if not sources:
        return []
    with transaction.atomic():
        _lineage_lock()  # first: every read below sees what earlier lineage writes committed
        record = Record.objects.get(pk=version.record_id)
        if record.author_id != actor.pk:
            raise NotAllowed("Only the record's author can declare what it is built on.")
        if SourceLink.objects.filter(version=version).exists():
            raise Conflict(
                f"Version {version.number} of “{record.title}” already has its sources; "
                "sources change only with a new version.",
                field="sources",
            )
        resolved, result = _plan(actor=actor, record=record, sources=sources, licence=licence)
        links = SourceLink.objects.bulk_create(
            [
                SourceLink(
                    version=version,
                    record=record,
                    source_version=item.version,
                    source_record=item.record,
                    version_number=version.number,
                    source_version_number=item.version.number,
                    role=item.role,
                    role_other=item.role_other,
                    start_seconds=item.spec.start_seconds,
                    end_seconds=item.spec.end_seconds,
                )
                for item in resolved
            ]
        )
        if record.licence != result:
            record.licence = result
            record.save(update_fields=["licence", "updated_at"])
            if RecordVersion.record.is_cached(version):
                version.record.licence = result
    return links


def source_links_check(
    *,
    actor: Member,
    sources: Sequence[SourceSpec],
    record: Record | None = None,
    licence: str | None = None,
) -> Licence:
    """Check sources before anything is written (for forms): the licence they would give, or
    the same error `source_links_set` would raise. `record` is None for a record not made yet.
    The answer can change before the write; `source_links_set` checks again under the lock.
    """
    if not sources:
        return Licence(licence) if licence else Licence.ENSEMBLE
    return _plan(actor=actor, record=record, sources=sources, licence=licence)[1]


def source_links_copy_forward(*, version: RecordVersion) -> list[SourceLink]:
    """Give a new version the sources of the version before it, for a new version made without
    new sources. The record-level graph does not change, so no loop can appear and the licence
    stays as it is. Does nothing when the version already has sources or is the first.
    """
    with transaction.atomic():
        if SourceLink.objects.filter(version=version).exists():
            return []
        previous = (
            RecordVersion.objects.filter(record_id=version.record_id, number__lt=version.number)
            .order_by("-number")
            .first()
        )
        if previous is None:
            return []
        return SourceLink.objects.bulk_create(
            [
                SourceLink(
                    version=version,
                    record_id=version.record_id,
                    source_version_id=link.source_version_id,
                    source_record_id=link.source_record_id,
                    version_number=version.number,
                    source_version_number=link.source_version_number,
                    role=link.role,
                    role_other=link.role_other,
                    start_seconds=link.start_seconds,
                    end_seconds=link.end_seconds,
                )
                for link in SourceLink.objects.filter(version=previous).order_by("id")
            ]
        )


def record_licence_check(*, record: Record, licence: str) -> Licence:
    """The licence `record` may change to, given the sources of its current version (for
    `record_update`): the licence, or EnsembleError saying which licences the sources allow."""
    if record.current_version_id is None:
        return Licence(licence)
    sources = [
        LicensedSource(link.source_record.licence, _name(link.source_record))
        for link in SourceLink.objects.filter(version_id=record.current_version_id)
        .select_related("source_record__author")
        .order_by("id")
    ]
    return licence_for_remix(chosen=licence, sources=sources)


# Internals ----------------------------------------------------------------------------------


def _lineage_lock() -> None:
    """Serialise lineage writes until the transaction ends (see the module's docstring)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LINEAGE_LOCK_KEY])


def _plan(
    *, actor: Member, record: Record | None, sources: Sequence[SourceSpec], licence: str | None
) -> tuple[list[_Resolved], Licence]:
    if len(sources) > MAX_SOURCES:
        raise EnsembleError(f"At most {MAX_SOURCES} sources per version.", field="sources")
    cleaned = [(spec, *_clean_role(spec)) for spec in sources]
    for spec, _, _ in cleaned:
        _check_range_shape(spec)
    resolved = _resolve(actor=actor, record=record, cleaned=cleaned)
    for item in resolved:
        _check_range_fits(item)
    result = licence_for_remix(
        chosen=licence,
        sources=[LicensedSource(item.record.licence, _name(item.record)) for item in resolved],
    )
    if record is not None and record.pk is not None:
        _check_no_loop(record, resolved)
    return resolved, result


def _clean_role(spec: SourceSpec) -> tuple[str, str]:
    if spec.role not in Role.values:
        choices = ", ".join(Role.values)
        raise EnsembleError(
            f"Unknown role {spec.role!r} for record {spec.record_id}: choose one of {choices}.",
            field="role",
        )
    if spec.role != Role.OTHER:
        return spec.role, ""
    other = clean_line(
        spec.role_other,
        field="role_other",
        label="The role",
        max_length=ROLE_OTHER_MAX_LENGTH,
        required=True,
    )
    return spec.role, other


def _check_range_shape(spec: SourceSpec) -> None:
    start, end = spec.start_seconds, spec.end_seconds
    for value in (start, end):
        if value is not None and (isinstance(value, bool) or not math.isfinite(value)):
            raise EnsembleError("A range is given in seconds, as a number.", field="range")
    if start is not None and start < 0:
        raise EnsembleError("A range cannot start before 0 seconds.", field="range")
    if start is not None and end is not None and end <= start:
        raise EnsembleError(
            f"The range used must end after it starts: {_seconds(start)} to {_seconds(end)} "
            "is reversed or empty.",
            field="range",
        )
    if end is not None and end <= 0:
        raise EnsembleError("A range must end after 0 seconds.", field="range")


def _check_range_fits(item: _Resolved) -> None:
    start, end = item.spec.start_seconds, item.spec.end_seconds
    if start is None and end is None:
        return
    what = f"“{item.record.title}” version {item.version.number}"
    duration = item.version.duration
    if duration is None:
        if item.record.is_media:
            return  # not probed yet: the range is kept as given
        raise EnsembleError(
            f"{what} is {item.record.get_kind_display().lower()}, which has no duration to take "
            "a range from.",
            field="range",
        )
    for value in (start, end):
        if value is not None and value > duration + 1e-6:
            raise EnsembleError(
                f"{what} is {_seconds(duration)} long; the range used must lie within it "
                f"({_seconds(value)} is outside).",
                field="range",
            )
    if start is not None and start >= duration:
        raise EnsembleError(
            f"{what} is {_seconds(duration)} long; a range cannot start at its end.",
            field="range",
        )


def _resolve(
    *, actor: Member, record: Record | None, cleaned: list[tuple[SourceSpec, str, str]]
) -> list[_Resolved]:
    ids = {spec.record_id for spec, _, _ in cleaned}
    records = Record.objects.select_related("author", "current_version").in_bulk(ids)
    wanted = {
        (spec.record_id, spec.version_number)
        for spec, _, _ in cleaned
        if spec.version_number is not None
    }
    versions = {
        (v.record_id, v.number): v
        for v in RecordVersion.objects.filter(
            record_id__in={record_id for record_id, _ in wanted},
            number__in={number for _, number in wanted},
        )
    }
    resolved: list[_Resolved] = []
    seen: set[int] = set()
    for spec, role, role_other in cleaned:
        if record is not None and spec.record_id == record.pk:
            raise EnsembleError(
                "A record cannot be built on itself; its earlier versions are already its history.",
                field="sources",
            )
        source = records.get(spec.record_id)
        if source is None or not (source.published or source.author_id == actor.pk):
            raise NotFound(
                f"There is no record {spec.record_id}, or it is not published.", field="sources"
            )
        if spec.version_number is None:
            version = source.current_version
        else:
            version = versions.get((source.pk, spec.version_number))
        if version is None:
            raise NotFound(
                f"“{source.title}” has no version {spec.version_number}.", field="sources"
            )
        if version.pk in seen:
            raise Conflict(
                f"“{source.title}” version {version.number} is listed twice; list each source "
                "once.",
                field="sources",
            )
        seen.add(version.pk)
        version.record = source
        resolved.append(_Resolved(spec, source, version, role, role_other))
    return resolved


def _check_no_loop(record: Record, resolved: list[_Resolved]) -> None:
    path = record_path_upstream(
        from_record_ids=[item.record.pk for item in resolved], to_record_id=record.pk
    )
    if path is None:
        return
    titles = dict(Record.objects.filter(pk__in=path).values_list("pk", "title"))
    shown = [f"“{titles[pk]}”" for pk in path]
    if len(shown) > 6:
        shown = [*shown[:3], "…", *shown[-2:]]
    chain = " → ".join(shown)
    start = titles[path[0]]
    steps = len(path) - 1
    through = "directly" if steps == 1 else f"through {steps} steps: {chain}"
    raise Conflict(
        f"“{start}” is already built on “{record.title}” ({through}), so “{record.title}” cannot "
        "be built on it: lineage cannot loop.",
        field="sources",
    )


def _name(record: Record) -> str:
    return f"“{record.title}” by {record.author.name}"


def _seconds(value: float) -> str:
    return f"{value:g} s"
