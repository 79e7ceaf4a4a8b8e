"""Fixtures for collaboration tests: a leader, collaborations made through the services, and
video records whose media processing really ran (so their probe has resolution and camera).

- `leader` (username "producer") and `artist` (username "walker").
- `make_collaboration(leader=..., status="open", **fields)`: through the services; `fields`
  are those `collaboration_create` takes (min_width, off_spec, deadline, budget, …).
- `collaboration`: an open collaboration led by `leader`, with no media requirements.
- `collab_media`: small real clips made once per run: "small" (320×240, no camera),
  "sony" (320×240, tagged Sony ILME-FX3, in a .mov), "portrait" (240×320).
- `processed_video(author, key="small", title=...)`: a published video record from one of
  them, with its media job run to the end (probe, renditions).
- `unprocessed_video(author, ...)`: the same, with the job still queued.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ensemble.collabs import services
from ensemble.collabs.models import Collaboration, Status
from ensemble.media.ffmpeg import ffmpeg_run, file_url, lavfi_input
from ensemble.media.jobs import media_job_run
from ensemble.media.models import MediaJob
from ensemble.records.models import Record
from ensemble.records.services import record_create_upload

_X264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]


@pytest.fixture(scope="session")
def collab_media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("collab-media")
    clips = {
        "small": ("small.mp4", "320x240", []),
        "sony": ("sony.mov", "320x240", ["-metadata", "make=Sony", "-metadata", "model=ILME-FX3"]),
        "portrait": ("portrait.mp4", "240x320", []),
    }
    made = {}
    for key, (name, size, tags) in clips.items():
        path = folder / name
        ffmpeg_run(
            [*lavfi_input(f"testsrc2=size={size}:rate=15:duration=1"), *_X264, *tags,
             file_url(path)],
            timeout=120,
        )  # fmt: skip
        made[key] = path
    return made


@pytest.fixture
def leader(make_member: Callable[..., Any]) -> Any:
    return make_member(username="producer")


@pytest.fixture
def artist(make_member: Callable[..., Any]) -> Any:
    return make_member(username="walker")


@pytest.fixture
def make_collaboration(leader: Any) -> Callable[..., Collaboration]:
    def make(*, by: Any = None, status: str = Status.OPEN, **fields: Any) -> Collaboration:
        actor = by or leader
        fields.setdefault("title", "In a City")
        collaboration = services.collaboration_create(leader=actor, **fields)
        path = {
            Status.DRAFT: [],
            Status.OPEN: [Status.OPEN],
            Status.CURATING: [Status.OPEN, Status.CURATING],
            Status.CLOSED: [Status.OPEN, Status.CLOSED],
        }[Status(status)]
        for step in path:
            services.collaboration_status_set(actor=actor, collaboration=collaboration, status=step)
        collaboration.refresh_from_db()
        return collaboration

    return make


@pytest.fixture
def collaboration(make_collaboration: Callable[..., Collaboration]) -> Collaboration:
    return make_collaboration()


def _video(collab_media: dict[str, Path], author: Any, key: str, **fields: Any) -> Record:
    path = collab_media[key]
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    fields.setdefault("title", f"{key.title()} clip")
    return record_create_upload(author=author, upload=upload, kind="video", **fields)


@pytest.fixture
def unprocessed_video(collab_media: dict[str, Path]) -> Callable[..., Record]:
    def make(author: Any, key: str = "small", **fields: Any) -> Record:
        return _video(collab_media, author, key, **fields)

    return make


@pytest.fixture
def processed_video(collab_media: dict[str, Path]) -> Callable[..., Record]:
    def make(author: Any, key: str = "small", **fields: Any) -> Record:
        record = _video(collab_media, author, key, **fields)
        job = MediaJob.objects.get(version=record.current_version)
        done = media_job_run(job_id=job.pk)
        assert done is not None and done.state == MediaJob.State.SUCCEEDED, done
        return Record.objects.select_related("current_version").get(pk=record.pk)

    return make
