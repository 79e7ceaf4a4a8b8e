"""Media jobs: queued after commit, run by a real worker, exactly once, failures worded."""

import stat

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from ensemble.media.ffmpeg import ffmpeg_binary
from ensemble.media.jobs import media_job_enqueue, media_job_run, media_jobs_sweep
from ensemble.media.models import MediaJob, Rendition
from ensemble.records.models import RecordVersion
from ensemble.records.services import record_create_upload

pytestmark = pytest.mark.django_db


def _run_worker() -> None:
    call_command("db_worker", "--batch", "--queue-name", "*", "--no-startup-delay", verbosity=0)


@pytest.mark.django_db(transaction=True)  # the worker closes connections when it is done
def test_an_upload_is_processed_by_the_database_worker_into_renditions_and_previews(
    member, upload, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record = record_create_upload(author=member, upload=upload("clip"))
    version = record.current_version
    assert version is not None
    job = MediaJob.objects.get(version=version)
    assert job.state == MediaJob.State.QUEUED
    queued = DBTaskResult.objects.get()
    assert (queued.queue_name, queued.task_path) == ("media", "ensemble.media.tasks.media_process")

    _run_worker()

    job.refresh_from_db()
    assert (job.state, job.attempts, job.progress) == (MediaJob.State.SUCCEEDED, 1, 1.0)
    roles = set(Rendition.objects.filter(version=version).values_list("role", flat=True))
    assert {"video", "poster", "thumbnail", "storyboard", "storyboard_vtt"} <= roles
    video = Rendition.objects.filter(version=version, role="video").first()
    assert video is not None and video.file.storage.exists(video.file.name)
    version.refresh_from_db()
    assert version.probe["video"][0]["codec"] == "h264"
    assert (version.resolution, version.orientation, version.codec) == (90, "landscape", "h264")


def test_a_job_delivered_twice_runs_once(member, upload):
    record = record_create_upload(author=member, upload=upload("tone"))
    job = MediaJob.objects.get(version=record.current_version)
    first = media_job_run(job_id=job.pk)
    assert first is not None and first.state == MediaJob.State.SUCCEEDED
    names = sorted(Rendition.objects.values_list("file", flat=True))
    assert media_job_run(job_id=job.pk) is None  # nothing left to claim
    assert sorted(Rendition.objects.values_list("file", flat=True)) == names
    assert {"audio", "peaks", "waveform"} <= set(Rendition.objects.values_list("role", flat=True))


def test_corrupt_media_fails_once_with_a_message_and_no_retry(member, upload):
    record = record_create_upload(author=member, upload=upload("clip"))
    version = record.current_version
    assert version is not None
    # The stored original went bad after it was accepted (a disk error, say).
    bad = version.original.storage.save(
        "originals/damaged.mp4", ContentFile(b"\x00\x00\x00\x18ftypmp42" + b"\x17" * 4000)
    )
    RecordVersion.objects.filter(pk=version.pk).update(original=bad)
    job = MediaJob.objects.get(version=version)

    done = media_job_run(job_id=job.pk)

    assert done is not None
    assert done.state == MediaJob.State.FAILED
    assert done.attempts == 1
    assert "damaged" in done.message or "cannot" in done.message or "not" in done.message
    assert not Rendition.objects.exists()
    assert not DBTaskResult.objects.exists()  # no retry was queued


@pytest.fixture
def crashing_ffmpeg(tmp_path, settings):
    """An FFmpeg that is killed by a signal on its first run, then behaves (a crashed encoder)."""
    marker = tmp_path / "crashed-once"
    script = tmp_path / "ffmpeg"
    script.write_text(
        "#!/bin/sh\n"
        f'if [ ! -e "{marker}" ]; then touch "{marker}"; kill -9 $$; fi\n'
        f'exec "{ffmpeg_binary()}" "$@"\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    settings.ENSEMBLE_FFMPEG_BINARY = str(script)
    return marker


def test_a_crashed_encoder_is_retried_with_backoff_and_then_succeeds(
    member, upload, crashing_ffmpeg, django_capture_on_commit_callbacks
):
    record = record_create_upload(author=member, upload=upload("clip"))
    job = MediaJob.objects.get(version=record.current_version)

    with django_capture_on_commit_callbacks(execute=True):
        failed_once = media_job_run(job_id=job.pk)

    assert crashing_ffmpeg.exists()
    assert failed_once is not None
    assert failed_once.state == MediaJob.State.QUEUED
    assert failed_once.message == "Processing was interrupted; it will be tried again."
    assert failed_once.run_after is not None
    retry = DBTaskResult.objects.get()
    assert retry.run_after is not None  # backoff: not before the delay

    done = media_job_run(job_id=job.pk)
    assert done is not None
    assert (done.state, done.attempts) == (MediaJob.State.SUCCEEDED, 2)


def test_the_sweeper_requeues_a_job_whose_worker_died(member, upload):
    record = record_create_upload(author=member, upload=upload("clip"))
    job = MediaJob.objects.get(version=record.current_version)
    # A runner on this host claimed it, then died: its pid no longer exists.
    MediaJob.objects.filter(pk=job.pk).update(
        state=MediaJob.State.RUNNING, worker=f"{__import__('socket').gethostname()}:999999",
        attempts=1,
    )  # fmt: skip
    alive = MediaJob.objects.get(pk=job.pk)

    assert media_jobs_sweep() == 1
    alive.refresh_from_db()
    assert alive.state == MediaJob.State.QUEUED
    assert media_jobs_sweep() == 0  # nothing else to do


def test_reprocessing_replaces_renditions_without_leaving_old_files(
    member, upload, django_capture_on_commit_callbacks
):
    record = record_create_upload(author=member, upload=upload("image-png"))
    version = record.current_version
    assert version is not None
    job = MediaJob.objects.get(version=version)
    media_job_run(job_id=job.pk)
    before = list(Rendition.objects.filter(version=version))
    assert before and all(r.role == "image" for r in before)

    from django.db import transaction

    with transaction.atomic():
        media_job_enqueue(version=version)
    with django_capture_on_commit_callbacks(execute=True):  # old files go once rows commit
        media_job_run(job_id=job.pk)

    after = list(Rendition.objects.filter(version=version))
    assert len(after) == len(before)
    assert {r.file.name for r in after}.isdisjoint({r.file.name for r in before})
    storage = before[0].file.storage
    assert not any(storage.exists(r.file.name) for r in before)
