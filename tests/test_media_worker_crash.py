"""A media worker killed with SIGKILL mid-job: nothing half-written shows, the sweeper requeues
the job, and a new worker finishes it exactly once. Real processes on a real SQLite file."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ensemble.media.ffmpeg import ffmpeg_run, lavfi_input

MANAGE = [sys.executable, str(Path(__file__).resolve().parent.parent / "manage.py")]

CREATE_UPLOAD = """
from django.core.files.uploadedfile import SimpleUploadedFile
from ensemble.accounts.models import Member
from ensemble.records.services import record_create_upload
member = Member.objects.create_user("walker", "walker@example.com", "x" * 20)
data = open({path!r}, "rb").read()
record = record_create_upload(author=member, upload=SimpleUploadedFile("walk.mp4", data))
print(record.current_version.media_job.pk)
"""


@pytest.fixture
def site(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL=f"sqlite:///{tmp_path / 'site.sqlite3'}",
        MEDIA_ROOT=str(tmp_path / "media"),
        ENSEMBLE_MEDIA_STALE_SECONDS="600",  # only the dead-pid rule may requeue here
    )
    subprocess.run([*MANAGE, "migrate", "-v0"], env=env, check=True, timeout=300)
    return env


def _job(db: Path, job_id: int) -> tuple[str, int, float]:
    with sqlite3.connect(db) as connection:
        row = connection.execute(
            "SELECT state, attempts, progress FROM media_mediajob WHERE id = ?", (job_id,)
        ).fetchone()
    return str(row[0]), int(row[1]), float(row[2])


def _renditions(db: Path) -> list[str]:
    with sqlite3.connect(db) as connection:
        return [r[0] for r in connection.execute("SELECT file FROM media_rendition")]


@pytest.mark.xdist_group("serve")
def test_a_killed_worker_leaves_nothing_half_written_and_the_job_finishes_once(site, tmp_path):
    clip = tmp_path / "walk.mp4"
    ffmpeg_run(
        [*lavfi_input("testsrc2=size=640x360:rate=30:duration=8"),
         *lavfi_input("sine=frequency=330:duration=8"),
         "-vf", "noise=alls=40:allf=t", "-c:v", "libx264", "-preset", "ultrafast",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(clip)]
    )  # fmt: skip
    db = tmp_path / "site.sqlite3"
    created = subprocess.run(
        [*MANAGE, "shell", "-c", CREATE_UPLOAD.format(path=str(clip))],
        env=site, capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    job_id = int(created.stdout.strip().splitlines()[-1])
    assert _job(db, job_id)[0] == "queued"

    worker = subprocess.Popen(
        [*MANAGE, "db_worker", "--queue-name", "*", "--no-startup-delay", "--no-reload",
         "--interval", "0.1"],
        env=site, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while _job(db, job_id)[0] != "running":
            assert time.monotonic() < deadline, "the worker never started the job"
            assert worker.poll() is None, "the worker exited"
            time.sleep(0.05)
        time.sleep(0.5)  # well inside the encode
        assert _job(db, job_id)[0] == "running", "the job finished before it could be killed"
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()

    state, attempts, _ = _job(db, job_id)
    assert (state, attempts) == ("running", 1)
    assert _renditions(db) == []  # nothing of the killed run is visible

    swept = subprocess.run(
        [*MANAGE, "sweep"], env=site, capture_output=True, text=True, timeout=120
    )
    assert "Requeued 1 media job(s) and 0 render(s)." in swept.stdout, swept.stderr
    assert _job(db, job_id)[0] == "queued"

    subprocess.run(
        [*MANAGE, "db_worker", "--batch", "--queue-name", "*", "--no-startup-delay"],
        env=site, check=True, timeout=300, capture_output=True,
    )  # fmt: skip

    state, attempts, progress = _job(db, job_id)
    assert (state, attempts, progress) == ("succeeded", 2, 1.0)
    files = _renditions(db)
    assert len(files) == len(set(files)) > 0  # one set of renditions, no duplicates
    names = {Path(f).name for f in files}
    assert {"video-360p.mp4", "video-240p.mp4", "poster.jpg", "storyboard.vtt"} <= names
    media = Path(site["MEDIA_ROOT"])
    assert all((media / f).stat().st_size > 0 for f in files)
