"""Many machines: RQ workers on Redis and a PostgreSQL database, as `REDIS_URL` switches on.

Two worker processes take a batch of uploads from the `media` queue at once; every task is
delivered twice, and still every job runs exactly once. Real Redis (its own database number,
flushed before and after) and a PostgreSQL database of this test's own, dropped afterwards.
"""

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis

from ensemble.media.ffmpeg import ffmpeg_run, lavfi_input

MANAGE = [sys.executable, str(Path(__file__).resolve().parent.parent / "manage.py")]
REDIS_URL = "redis://127.0.0.1:6379/13"
PG = "postgresql://postgres@127.0.0.1:5432/"

UPLOAD_BATCH = """
import glob
from django.core.files.uploadedfile import SimpleUploadedFile
from ensemble.accounts.models import Member
from ensemble.media.jobs import _send
from ensemble.records.services import record_create_upload
member = Member.objects.create_user("crew", "crew@example.com", "x" * 20)
for path in sorted(glob.glob({folder!r} + "/*.mp4")):
    data = open(path, "rb").read()
    record = record_create_upload(author=member, upload=SimpleUploadedFile("walk.mp4", data))
    _send(record.current_version.media_job.pk)  # a duplicate delivery of the same job
"""


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[dict[str, str]]:
    name = f"ensemble_rq_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG + "postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    queue = redis.Redis.from_url(REDIS_URL)
    queue.flushdb()
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL=PG + name,
        REDIS_URL=REDIS_URL,
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    try:
        subprocess.run([*MANAGE, "migrate", "-v0"], env=env, check=True, timeout=300)
        yield env | {"DB_NAME": name}
    finally:
        queue.flushdb()
        with psycopg.connect(PG + "postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.xdist_group("serve")
def test_two_rq_workers_process_a_batch_once_each(cluster, tmp_path):
    clips = tmp_path / "clips"
    clips.mkdir()
    for n, colour in enumerate(["red", "green", "blue", "orange", "purple", "teal"]):
        ffmpeg_run(
            [*lavfi_input(f"color=c={colour}:size=320x180:rate=15:duration=1"),
             "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
             str(clips / f"{n}.mp4")]
        )  # fmt: skip
    subprocess.run(
        [*MANAGE, "shell", "-c", UPLOAD_BATCH.format(folder=str(clips))],
        env=cluster, check=True, timeout=120, capture_output=True,
    )  # fmt: skip
    assert redis.Redis.from_url(REDIS_URL).llen("rq:queue:media") == 12  # 6 jobs, each twice

    worker = [*MANAGE, "rqworker", "media", "--job-class", "django_tasks_rq.Job", "--burst"]
    workers = [
        subprocess.Popen(worker, env=cluster, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    logs = []
    for process in workers:
        _, errors = process.communicate(timeout=300)
        assert process.returncode == 0, errors.decode()[-2000:]
        logs.append(errors.decode())

    with psycopg.connect(PG + cluster["DB_NAME"]) as db:
        jobs = db.execute("SELECT state, attempts, worker FROM media_mediajob").fetchall()
        renditions = db.execute(
            "SELECT version_id, name, COUNT(*) FROM media_rendition GROUP BY version_id, name"
        ).fetchall()
    assert len(jobs) == 6
    assert {(state, attempts) for state, attempts, _ in jobs} == {("succeeded", 1)}
    assert all(count == 1 for _, _, count in renditions)  # no job published twice
    # Both workers took tasks from the queue (12 deliveries between them).
    assert all("Job OK" in log for log in logs), logs
    assert sum(log.count("Job OK") for log in logs) == 12
