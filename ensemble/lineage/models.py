"""Source links: "this record version is built on that record version", with a role.

Links form a directed acyclic graph between records (the lineage). A link belongs to the version
that declares it and is never changed afterwards: new sources mean a new version with new links,
so the history of what a version was built on stays true. The record and the version number on
either side are stored beside the version (a version never moves to another record, nor changes
number) so that record-level questions — loops, "remixed in", "never remixed" — and the graph
walks read one indexed table, without touching the large versions table.
"""

from typing import ClassVar

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from ensemble.records.models import Record, RecordVersion


class Role(models.TextChoices):
    MUSIC = "music", "Set to music"
    FOOTAGE = "footage", "Footage"
    VOICE = "voice", "Voice"
    LYRICS = "lyrics", "Lyrics"
    TEXT = "text", "Text"
    TRANSLATION = "translation", "Translation"
    ARTWORK = "artwork", "Artwork"
    EDIT = "edit", "Edit"
    SAMPLE = "sample", "Sample"
    OTHER = "other", "Other"


ROLE_OTHER_MAX_LENGTH = 60


class SourceLink(models.Model):
    """`version` (of `record`) is built on `source_version` (of `source_record`)."""

    version = models.ForeignKey(
        RecordVersion, on_delete=models.PROTECT, related_name="source_links", db_index=False
    )
    source_version = models.ForeignKey(
        RecordVersion, on_delete=models.PROTECT, related_name="derived_links", db_index=False
    )
    record = models.ForeignKey(
        Record, on_delete=models.PROTECT, related_name="source_links", db_index=False
    )
    source_record = models.ForeignKey(
        Record, on_delete=models.PROTECT, related_name="derived_links", db_index=False
    )
    # The versions' numbers, which never change either: walks read the links, not the versions.
    version_number = models.PositiveIntegerField()
    source_version_number = models.PositiveIntegerField()
    role = models.CharField(max_length=16, choices=Role.choices)
    role_other = models.CharField(
        max_length=ROLE_OTHER_MAX_LENGTH, blank=True, help_text="What the source is, for “other”."
    )
    start_seconds = models.FloatField(null=True, blank=True)
    end_seconds = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["version", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["version", "source_version"], name="sourcelink_unique"),
            models.CheckConstraint(
                condition=~Q(record=F("source_record")), name="sourcelink_not_self"
            ),
            models.CheckConstraint(
                condition=Q(start_seconds__isnull=True) | Q(start_seconds__gte=0),
                name="sourcelink_start_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(start_seconds__isnull=True)
                | Q(end_seconds__isnull=True)
                | Q(end_seconds__gt=F("start_seconds")),
                name="sourcelink_range_forward",
            ),
        ]
        indexes: ClassVar = [
            # Walking up from a version (ancestry, credits) and down (descendants): keyed by the
            # near end and the far one, and holding every column a walk reads, so that each step
            # of a recursive walk is one index-only lookup (key columns rather than INCLUDE,
            # which SQLite does not have). The unique constraint stays for integrity.
            models.Index(
                fields=[
                    "version",
                    "source_version",
                    "source_record",
                    "source_version_number",
                    "role",
                    "role_other",
                    "start_seconds",
                    "end_seconds",
                ],
                name="sourcelink_walk_up_idx",
            ),
            models.Index(
                fields=[
                    "source_version",
                    "version",
                    "record",
                    "version_number",
                    "role",
                    "role_other",
                    "start_seconds",
                    "end_seconds",
                ],
                name="sourcelink_walk_down_idx",
            ),
            # record level, both directions (cycles, remix counts, "never remixed")
            models.Index(fields=["record", "source_record"], name="sourcelink_record_up_idx"),
            models.Index(fields=["source_record", "record"], name="sourcelink_record_down_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.version_id} ← {self.source_version_id} ({self.role})"

    @property
    def role_label(self) -> str:
        if self.role == Role.OTHER and self.role_other:
            return self.role_other
        return Role(self.role).label
