"""Media jobs and what they make: one job per record version, renditions served from storage."""

from typing import ClassVar

from django.db import models
from django.utils import timezone


class MediaJob(models.Model):
    """The processing of one version's original into what the web needs.

    The state machine is moved only by conditional updates in `jobs.py`, so a job is claimed by
    one worker at a time and finishes exactly once, however often its task is delivered.
    """

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Processing"
        SUCCEEDED = "succeeded", "Ready"
        FAILED = "failed", "Failed"

    version = models.OneToOneField(
        "records.RecordVersion", on_delete=models.CASCADE, related_name="media_job"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    progress = models.FloatField(default=0.0, help_text="0 to 1.")
    attempts = models.PositiveSmallIntegerField(default=0)
    message = models.TextField(blank=True, help_text="What the artist reads when it fails.")
    detail = models.TextField(blank=True, help_text="Technical detail for staff.")
    worker = models.CharField(max_length=120, blank=True, help_text="host:pid of the runner.")
    queued_at = models.DateTimeField(default=timezone.now)
    run_after = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    manifest = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["state", "heartbeat_at"], name="mediajob_sweep_idx")
        ]

    def __str__(self) -> str:
        return f"media job for {self.version_id} ({self.state})"

    @property
    def is_active(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)

    @property
    def percent(self) -> int:
        return round(self.progress * 100)


class Rendition(models.Model):
    """One served file made from an original: a video rung, audio, poster, storyboard, size."""

    class Role(models.TextChoices):
        VIDEO = "video", "Video rendition"
        AUDIO = "audio", "Audio rendition"
        POSTER = "poster", "Poster"
        THUMBNAIL = "thumbnail", "Thumbnail"
        STORYBOARD = "storyboard", "Storyboard sprite"
        STORYBOARD_VTT = "storyboard_vtt", "Storyboard index"
        WAVEFORM = "waveform", "Waveform image"
        PEAKS = "peaks", "Waveform peaks"
        IMAGE = "image", "Image size"

    version = models.ForeignKey(
        "records.RecordVersion", on_delete=models.CASCADE, related_name="renditions"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    name = models.CharField(max_length=80, help_text="File name within the version's outputs.")
    file = models.FileField(max_length=255)
    content_type = models.CharField(max_length=60)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    bit_rate = models.PositiveIntegerField(null=True, blank=True)
    size_bytes = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["version", "role", "-height", "name"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["version", "name"], name="rendition_name_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} of version {self.version_id}"
