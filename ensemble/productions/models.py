"""Productions, their cuts (OpenTimelineIO documents), what the cuts use, renders and extras.

A cut's `timeline` is the document: everything else about a cut (`CutItem` rows, credits, the
render spec, exports) is derived from it. `CutItem` rows are rewritten from the document by
`services` on every change, so "which versions does this cut use, in what role" is plain SQL.
A `Render` is a job row, moved only by conditional updates in `jobs.py` (like `MediaJob`).
"""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


def cover_path(production: "Production", filename: str) -> str:
    return f"productions/{production.pk or 'new'}/{filename}"


class Production(models.Model):
    collaboration = models.ForeignKey(
        "collabs.Collaboration",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="productions",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="productions"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=20000, blank=True, help_text="Markdown.")
    description_html = models.TextField(blank=True)
    cover = models.ImageField(upload_to=cover_path, blank=True)
    commercial = models.BooleanField(
        default=True,
        help_text="Earns money (revenue share): sources that forbid commercial use may not enter.",
    )
    release_at = models.DateTimeField(
        null=True, blank=True, help_text="When it is published; empty: an unreleased draft."
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes: ClassVar = [
            models.Index(fields=["release_at"], name="production_release_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_released(self) -> bool:
        return self.release_at is not None and self.release_at <= timezone.now()


class Cut(models.Model):
    """One version of a production ("Official", "Extended", …): an OpenTimelineIO timeline."""

    production = models.ForeignKey(Production, on_delete=models.CASCADE, related_name="cuts")
    name = models.CharField(max_length=80)
    position = models.PositiveIntegerField(default=0)
    timeline = models.JSONField(default=dict, help_text="The OpenTimelineIO document (otio_json).")
    rule = models.JSONField(
        null=True, blank=True, help_text="The rule the cut is made from; empty: made by hand."
    )
    revision = models.PositiveIntegerField(default=1, help_text="Bumped on every change.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    editors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="edited_cuts"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["production", "position", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["production", "name"], name="cut_name_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.production} — {self.name}"


class TrackKind(models.TextChoices):
    VIDEO = "video", "Video"
    AUDIO = "audio", "Audio"
    TEXT = "text", "Text"


class CutItem(models.Model):
    """A record version a cut uses, where and for how long (derived from the timeline)."""

    cut = models.ForeignKey(Cut, on_delete=models.CASCADE, related_name="items")
    version = models.ForeignKey(
        "records.RecordVersion", on_delete=models.PROTECT, related_name="cut_items"
    )
    record = models.ForeignKey("records.Record", on_delete=models.PROTECT, related_name="+")
    track = models.CharField(max_length=8, choices=TrackKind.choices)
    role = models.CharField(max_length=16, help_text="Credit role: footage, music, voice, …")
    position = models.PositiveIntegerField(help_text="Order of first appearance in the cut.")
    seconds = models.FloatField(default=0.0, help_text="Seconds of the source used.")

    class Meta:
        ordering = ["cut", "position", "id"]
        indexes: ClassVar = [
            models.Index(fields=["cut", "position"], name="cutitem_cut_idx"),
            models.Index(fields=["record"], name="cutitem_record_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.version_id} in cut {self.cut_id} ({self.track})"


class Render(models.Model):
    """The rendering of one revision of a cut: a job row like `MediaJob`.

    queued ──claim──▶ running ──publish──▶ succeeded
       ▲                 │  └──cancel──▶ cancelled
       └──retry──────────┴──failure──▶ failed
    """

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Rendering"
        SUCCEEDED = "succeeded", "Ready"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    ACTIVE: ClassVar = (State.QUEUED, State.RUNNING)

    cut = models.ForeignKey(Cut, on_delete=models.CASCADE, related_name="renders")
    revision = models.PositiveIntegerField(help_text="The cut's revision rendered.")
    timeline = models.JSONField(default=dict, help_text="The cut's document at that revision.")
    height = models.PositiveIntegerField(default=1080)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    progress = models.FloatField(default=0.0, help_text="0 to 1.")
    message = models.TextField(blank=True, help_text="What the producer reads when it fails.")
    detail = models.TextField(blank=True, help_text="FFmpeg's own words, for staff.")
    output = models.FileField(max_length=255, blank=True)
    ladder = models.JSONField(default=list, blank=True, help_text="Playback renditions.")
    duration = models.FloatField(null=True, blank=True)
    size_bytes = models.BigIntegerField(default=0)
    worker = models.CharField(max_length=120, blank=True, help_text="host:pid of the runner.")
    attempts = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    queued_at = models.DateTimeField(default=timezone.now)
    run_after = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-queued_at", "-id"]
        constraints: ClassVar = [
            # One render of a cut at a height at a time: a second request is a 409.
            models.UniqueConstraint(
                fields=["cut", "height"],
                condition=Q(state__in=["queued", "running"]),
                name="render_one_active",
            ),
            models.CheckConstraint(condition=Q(height__in=[1080, 2160]), name="render_height"),
        ]
        indexes: ClassVar = [
            models.Index(fields=["state", "heartbeat_at"], name="render_sweep_idx"),
        ]

    def __str__(self) -> str:
        return f"render {self.pk} of cut {self.cut_id} r{self.revision} ({self.state})"

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE

    @property
    def percent(self) -> int:
        return round(self.progress * 100)


class Extra(models.Model):
    """Unseen footage, behind the scenes: a record attached to a production, with its own
    release time (None: released with the production)."""

    production = models.ForeignKey(Production, on_delete=models.CASCADE, related_name="extras")
    record = models.ForeignKey("records.Record", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200, blank=True)
    release_at = models.DateTimeField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["production", "position", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["production", "record"], name="extra_unique"),
        ]

    def __str__(self) -> str:
        return self.title or f"extra {self.pk}"
