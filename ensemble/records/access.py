"""The one way to load a record a given person may see or change.

Unpublished records are invisible (404) to everyone but their author and staff; only the
author may change a record (403 for others who can see it).
"""

from django.contrib.auth.models import AnonymousUser

from ensemble.accounts.models import Member
from ensemble.core.errors import NotAllowed, NotFound

from .models import Record, RecordVersion

Viewer = Member | AnonymousUser


def can_see(viewer: Viewer, record: Record) -> bool:
    if record.published:
        return True
    if not viewer.is_authenticated:
        return False
    if viewer.is_staff:
        return True
    return record.author_id == viewer.pk


def record_for_viewer(*, viewer: Viewer, record_id: int) -> Record:
    record = (
        Record.objects.select_related("author", "current_version", "current_version__media_job")
        .prefetch_related("tags")
        .filter(pk=record_id)
        .first()
    )
    if record is None or not can_see(viewer, record):
        raise NotFound("There is no such record, or it is not published.")
    return record


def record_for_author(*, member: Viewer, record_id: int) -> Record:
    record = record_for_viewer(viewer=member, record_id=record_id)
    if record.author_id != member.pk:
        raise NotAllowed("Only the record's author can change it.")
    return record


def version_for_viewer(*, viewer: Viewer, record_id: int, number: int) -> RecordVersion:
    record = record_for_viewer(viewer=viewer, record_id=record_id)
    version = record.versions.filter(number=number).first()
    if version is None:
        raise NotFound(f"“{record.title}” has no version {number}.")
    version.record = record
    return version
