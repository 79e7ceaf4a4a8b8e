"""Records: one contribution each (text, audio, video or image), versioned and licensed."""

from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

if TYPE_CHECKING:
    from ensemble.media.selectors import Served


class Kind(models.TextChoices):
    TEXT = "text", "Text"
    AUDIO = "audio", "Audio"
    VIDEO = "video", "Video"
    IMAGE = "image", "Image"


class Licence(models.TextChoices):
    ENSEMBLE = "ensemble-remix", "Ensemble remix licence"
    CC_BY = "cc-by", "CC BY 4.0"
    CC_BY_SA = "cc-by-sa", "CC BY-SA 4.0"
    CC_BY_NC = "cc-by-nc", "CC BY-NC 4.0"
    CC_BY_NC_SA = "cc-by-nc-sa", "CC BY-NC-SA 4.0"
    CC_BY_ND = "cc-by-nd", "CC BY-ND 4.0"
    CC_BY_NC_ND = "cc-by-nc-nd", "CC BY-NC-ND 4.0"
    CC0 = "cc0", "CC0 1.0 (public domain)"


LICENCE_URLS = {
    Licence.ENSEMBLE: "/licence/",
    Licence.CC_BY: "https://creativecommons.org/licenses/by/4.0/",
    Licence.CC_BY_SA: "https://creativecommons.org/licenses/by-sa/4.0/",
    Licence.CC_BY_NC: "https://creativecommons.org/licenses/by-nc/4.0/",
    Licence.CC_BY_NC_SA: "https://creativecommons.org/licenses/by-nc-sa/4.0/",
    Licence.CC_BY_ND: "https://creativecommons.org/licenses/by-nd/4.0/",
    Licence.CC_BY_NC_ND: "https://creativecommons.org/licenses/by-nc-nd/4.0/",
    Licence.CC0: "https://creativecommons.org/publicdomain/zero/1.0/",
}


class Tag(models.Model):
    name = models.CharField(max_length=40, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Record(models.Model):
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="records"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=5000, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="records")
    city = models.CharField(max_length=80, blank=True)
    licence = models.CharField(max_length=16, choices=Licence.choices, default=Licence.ENSEMBLE)
    published = models.BooleanField(default=True)
    current_version = models.ForeignKey(
        "RecordVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes: ClassVar = [
            models.Index(fields=["published", "-created_at", "-id"], name="record_feed_idx"),
            models.Index(fields=["author", "-created_at"], name="record_author_idx"),
            models.Index(fields=["kind", "-created_at"], name="record_kind_idx"),
            models.Index(fields=["city"], name="record_city_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("records:detail", kwargs={"pk": self.pk})

    @property
    def licence_url(self) -> str:
        return LICENCE_URLS[Licence(self.licence)]

    @property
    def is_media(self) -> bool:
        return self.kind != Kind.TEXT


class RecordVersion(models.Model):
    """One state of a record. Versions are never changed once written; originals never move."""

    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Text records keep the Markdown and its sanitised rendering.
    text = models.TextField(blank=True)
    text_html = models.TextField(blank=True)
    # Media records keep the original, content-addressed by SHA-256 (text versions hash too).
    sha256 = models.CharField(max_length=64, db_index=True)
    original = models.FileField(max_length=200, blank=True)
    original_filename = models.CharField(max_length=255, blank=True)
    size_bytes = models.BigIntegerField(default=0)
    content_type = models.CharField(max_length=100, blank=True)
    container = models.CharField(max_length=60, blank=True, help_text="Probed format name.")
    probe = models.JSONField(default=dict, blank=True)
    # What the feed and API filter on, copied from the probe ("4K footage shot on camera X").
    resolution = models.PositiveIntegerField(
        null=True, blank=True, help_text="Resolution label as a number: 2160 for 4K."
    )
    orientation = models.CharField(max_length=10, blank=True)
    codec = models.CharField(max_length=32, blank=True)
    camera = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["record", "-number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["record", "number"], name="version_number_unique"),
        ]
        indexes: ClassVar = [
            models.Index(fields=["resolution"], name="version_resolution_idx"),
            models.Index(fields=["camera"], name="version_camera_idx"),
            models.Index(fields=["codec"], name="version_codec_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.record} v{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("records:version", kwargs={"pk": self.record_id, "number": self.number})

    @property
    def original_url(self) -> str:
        return reverse("records:original", kwargs={"pk": self.record_id, "number": self.number})

    @property
    def duration(self) -> float | None:
        value = self.probe.get("duration")
        return float(value) if value is not None else None

    @property
    def plays_in_browsers(self) -> bool:
        """Can a browser play the original as it is (before renditions exist)?"""
        return self.codec in {"h264", "vp8", "vp9", "av1", "aac", "mp3", "opus", "vorbis", "flac"}

    @cached_property
    def served(self) -> "Served":
        """The renditions, posters and previews made from this version, by purpose."""
        from ensemble.media.selectors import served_for

        return served_for(self)
