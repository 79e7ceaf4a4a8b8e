"""Tiny real originals for the render engine's tests, made once per run with FFmpeg (through
`ensemble.media.ffmpeg`) and probed with `ensemble.media.probe`.

Every clip is about a second long and small; the one 4K clip is one second of HEVC at 2 fps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ensemble.media.ffmpeg import ffmpeg_run, file_url, lavfi_input, media_input
from ensemble.media.probe import probe
from ensemble.productions.render import RenderClip

MOV = "mov,mp4,m4a,3gp,3g2,mj2"
X264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
X265 = ["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error"]


@dataclass(frozen=True)
class Original:
    path: Path
    facts: dict[str, Any]

    @property
    def container(self) -> str:
        return str(self.facts["container"])

    def clip(self, start: float = 0.0, duration: float = 1.0, **options: Any) -> RenderClip:
        return RenderClip(
            path=self.path,
            container=self.container,
            start=start,
            duration=duration,
            facts=self.facts,
            has_audio=bool(self.facts["audio"]),
            **options,
        )


def _make(path: Path, args: list[str]) -> Original:
    ffmpeg_run([*args, file_url(path)], timeout=120)
    return Original(path, probe(path))


@pytest.fixture(scope="session")
def originals(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Original]:
    folder = tmp_path_factory.mktemp("render-originals")
    made: dict[str, Original] = {}
    # 640x360 H.264 at 25 fps with AAC: the plain camera clip.
    made["landscape"] = _make(
        folder / "landscape.mp4",
        [*lavfi_input("testsrc2=size=640x360:rate=25:duration=1.2"),
         *lavfi_input("sine=frequency=440:duration=1.2"), *X264, "-c:a", "aac", "-shortest"],
    )  # fmt: skip
    # A phone: 320x180 stored, shown turned a quarter (portrait 180x320), variable frame rate.
    stored = folder / "phone-stored.mp4"
    ffmpeg_run(
        [*lavfi_input("testsrc2=size=320x180:rate=30:duration=1.2"),
         *lavfi_input("sine=frequency=660:duration=1.2"),
         "-vf", "select='not(eq(mod(n,7),3))',setpts='PTS+if(eq(mod(N,3),1),0.45/30/TB,0)'",
         "-fps_mode", "vfr", "-video_track_timescale", "600", *X264, "-c:a", "aac",
         "-shortest", file_url(stored)],
        timeout=120,
    )  # fmt: skip
    made["portrait"] = _make(
        folder / "portrait.mov",
        [*media_input(stored, MOV, options=["-display_rotation:v:0", "90"]), "-c", "copy"],
    )
    # 4:3 lo-fi: 320x240 at 15 fps, mono 22.05 kHz sound.
    made["four_three"] = _make(
        folder / "four-three.mkv",
        [*lavfi_input("testsrc2=size=320x240:rate=15:duration=1.2"),
         *lavfi_input("sine=frequency=550:duration=1.2:sample_rate=22050"), *X264,
         "-c:a", "aac", "-ac", "1", "-shortest"],
    )  # fmt: skip
    # Anamorphic: 480x360 stored with 4:3 pixels (shown 640x360), no sound at all.
    made["anamorphic"] = _make(
        folder / "anamorphic.mkv",
        [*lavfi_input("testsrc2=size=480x360:rate=24:duration=1.2"),
         "-vf", "setsar=4/3", *X264],
    )  # fmt: skip
    # 10-bit HEVC flagged HLG/BT.2020 (HDR), 320x180 at 12 fps, with sound.
    made["hdr"] = _make(
        folder / "hdr.mp4",
        [*lavfi_input("testsrc2=size=320x180:rate=12:duration=1.2"),
         *lavfi_input("sine=frequency=330:duration=1.2"),
         "-vf", "setparams=color_primaries=bt2020:color_trc=arib-std-b67:colorspace=bt2020nc",
         *X265, "-pix_fmt", "yuv420p10le", "-tag:v", "hvc1", "-c:a", "aac", "-shortest"],
    )  # fmt: skip
    # 4K HEVC camera footage: 3840x2160, one second at 2 fps, with sound.
    made["uhd"] = _make(
        folder / "uhd.mp4",
        [*lavfi_input("testsrc2=size=3840x2160:rate=2:duration=1"),
         *lavfi_input("sine=frequency=220:duration=1"),
         *X265, "-pix_fmt", "yuv420p", "-tag:v", "hvc1", "-c:a", "aac", "-shortest"],
    )  # fmt: skip
    # An audio bed shorter than the film (it loops): 0.8 s of a 110 Hz tone.
    made["bed"] = _make(
        folder / "bed.m4a",
        [*lavfi_input("sine=frequency=110:duration=0.8"), "-c:a", "aac", "-f", "mp4"],
    )
    return made


@pytest.fixture
def copy_original(tmp_path: Path) -> Callable[[Original, str], Original]:
    """A private copy of an original (to damage or delete), with the same facts."""

    def copy(original: Original, name: str) -> Original:
        target = tmp_path / name
        target.write_bytes(original.path.read_bytes())
        return Original(target, original.facts)

    return copy


# Productions: members, collaborations and records made through the real services ---------------

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402

from ensemble.collabs.tests.conftest import (  # noqa: E402, F401 - fixtures
    artist,
    collab_media,
    collaboration,
    leader,
    make_collaboration,
)
from ensemble.media.jobs import media_job_run  # noqa: E402
from ensemble.media.models import MediaJob  # noqa: E402
from ensemble.records.models import Record  # noqa: E402
from ensemble.records.services import record_create_upload  # noqa: E402


@pytest.fixture(scope="session")
def production_media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Small real originals for cuts: "clip" (320x180 H.264 + AAC, 2 s), "lofi" (320x240 4:3,
    2 s, no sound), "uhd" (3840x2160 HEVC, 1 s at 2 fps, with sound) and "tone" (3 s of AAC)."""
    folder = tmp_path_factory.mktemp("production-media")
    made = {
        "clip": ("clip.mp4", [*lavfi_input("testsrc2=size=320x180:rate=25:duration=2"),
                              *lavfi_input("sine=frequency=440:duration=2"), *X264,
                              "-c:a", "aac", "-shortest"]),
        "lofi": ("lofi.mp4", [*lavfi_input("testsrc2=size=320x240:rate=15:duration=2"), *X264]),
        "uhd": ("uhd.mp4", [*lavfi_input("testsrc2=size=3840x2160:rate=2:duration=1"),
                            *lavfi_input("sine=frequency=220:duration=1"), *X265,
                            "-pix_fmt", "yuv420p", "-tag:v", "hvc1", "-c:a", "aac", "-shortest"]),
        "tone": ("tone.m4a", [*lavfi_input("sine=frequency=110:duration=3"), "-c:a", "aac",
                              "-f", "mp4"]),
    }  # fmt: skip
    paths = {}
    for key, (name, args) in made.items():
        path = folder / name
        ffmpeg_run([*args, file_url(path)], timeout=120)
        paths[key] = path
    return paths


@pytest.fixture
def make_media(production_media: dict[str, Path]) -> Callable[..., Any]:
    """A published record of one of `production_media`, processed to the end (probe, ladder)."""

    def make(author: Any, key: str = "clip", **fields: Any) -> Record:
        path = production_media[key]
        fields.setdefault("title", key.title())
        kind = "audio" if key == "tone" else "video"
        record = record_create_upload(
            author=author,
            upload=SimpleUploadedFile(path.name, path.read_bytes()),
            kind=kind,
            **fields,
        )
        job = MediaJob.objects.get(version=record.current_version)
        done = media_job_run(job_id=job.pk)
        assert done is not None, "the job was not claimed"
        assert done.state == MediaJob.State.SUCCEEDED, done.message
        return Record.objects.select_related("current_version", "author").get(pk=record.pk)

    return make


@pytest.fixture
def small_ladder(settings: Any) -> None:
    """Fast media processing and renders: one small rung, 5 fps films."""
    settings.ENSEMBLE_LADDER_RUNGS = [{"height": 144, "max_bitrate": 300}]
    settings.ENSEMBLE_RENDER_FPS = 5
    settings.ENSEMBLE_RENDER_CREDITS_SECONDS = 1.0
