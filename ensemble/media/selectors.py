"""Reads for pages and the API: what a version has to serve, by purpose."""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.urls import reverse

from .models import MediaJob, Rendition

if TYPE_CHECKING:
    from ensemble.records.models import RecordVersion


def rendition_url(rendition: Rendition) -> str:
    version = rendition.version
    return reverse(
        "records:rendition",
        kwargs={"pk": version.record_id, "number": version.number, "name": rendition.name},
    )


@dataclass
class Served:
    """A version's renditions sorted by purpose (from one prefetched list, no extra queries)."""

    videos: list[Rendition] = field(default_factory=list)  # highest first
    by_name: dict[str, Rendition] = field(default_factory=dict)
    images: list[Rendition] = field(default_factory=list)  # widest first

    @classmethod
    def of(cls, renditions: list[Rendition]) -> "Served":
        served = cls(by_name={r.name: r for r in renditions})
        served.videos = sorted(
            (r for r in renditions if r.role == Rendition.Role.VIDEO),
            key=lambda r: -(r.height or 0),
        )
        served.images = sorted(
            (r for r in renditions if r.role == Rendition.Role.IMAGE),
            key=lambda r: -(r.width or 0),
        )
        return served

    def url(self, name: str) -> str | None:
        rendition = self.by_name.get(name)
        return rendition_url(rendition) if rendition else None

    @property
    def ready(self) -> bool:
        return bool(self.by_name)

    @property
    def default_video(self) -> Rendition | None:
        """What plays first: the largest rung up to 720p (smaller pages load it fast)."""
        fitting = [r for r in self.videos if min(r.width or 0, r.height or 0) <= 720]
        return fitting[0] if fitting else (self.videos[-1] if self.videos else None)

    @property
    def default_video_url(self) -> str | None:
        default = self.default_video
        return rendition_url(default) if default else None

    def video_sources(self) -> list[dict[str, object]]:
        default = self.default_video
        return [
            {
                "url": rendition_url(r),
                "label": f"{min(r.width or 0, r.height or 0)}p",
                "selected": r == default,
            }
            for r in self.videos
        ]

    def srcset(self, extension: str) -> str:
        return ", ".join(
            f"{rendition_url(r)} {r.width}w" for r in self.images if r.name.endswith(extension)
        )

    def largest_image(self, extension: str) -> str | None:
        for rendition in self.images:
            if rendition.name.endswith(extension):
                return rendition_url(rendition)
        return None

    # Names the engine gives its outputs (see ensemble/media/ingest.py).
    poster_webp = property(lambda self: self.url("poster.webp"))
    poster_jpg = property(lambda self: self.url("poster.jpg"))
    thumb_webp = property(lambda self: self.url("thumb-medium.webp"))
    thumb_jpg = property(lambda self: self.url("thumb-medium.jpg"))
    storyboard_vtt = property(lambda self: self.url("storyboard.vtt"))
    audio = property(lambda self: self.url("audio.m4a"))
    peaks = property(lambda self: self.url("waveform.json"))
    waveform_webp = property(lambda self: self.url("waveform.webp"))
    waveform_png = property(lambda self: self.url("waveform.png"))
    image_webp_srcset = property(lambda self: self.srcset(".webp"))
    image_jpg_srcset = property(lambda self: self.srcset(".jpg"))
    image_jpg = property(lambda self: self.largest_image(".jpg"))


def served_for(version: "RecordVersion") -> Served:
    return Served.of(list(version.renditions.all()))


def media_job_for(version: "RecordVersion") -> MediaJob | None:
    return MediaJob.objects.filter(version=version).first()
