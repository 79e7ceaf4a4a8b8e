"""Media jobs: enqueue after commit, claim once, run the engine, publish atomically, sweep.

The life of a job (`MediaJob.State`):

    queued ──claim──▶ running ──publish──▶ succeeded
       ▲                 │
       └─retry/sweep─────┴──permanent failure──▶ failed

- `media_job_enqueue` creates or resets the job and enqueues the `media_process` task on the
  `media` queue once the transaction commits.
- `media_job_run` (the task's body) claims the job with a conditional UPDATE, so one runner
  wins however often the task is delivered; the runner's heartbeat moves with FFmpeg's progress.
- The engine (`ingest`) writes only into a private working folder. The files are then stored
  under a folder of their own run and the rows that make them visible are written in one
  transaction, guarded by the claim: a killed or superseded runner never publishes.
- A failure of the input (corrupt media) fails once with a message for the artist; a transient
  one (killed process, full disk) is retried with backoff up to ENSEMBLE_MEDIA_MAX_ATTEMPTS.
- `media_jobs_sweep` requeues jobs whose runner is gone (dead pid on this host, or no heartbeat
  for ENSEMBLE_MEDIA_STALE_SECONDS).
"""

import logging
import os
import socket
import time
import uuid
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from ensemble.records.models import RecordVersion

from .errors import failure_message, is_transient
from .ffmpeg import job_folder
from .files import local_path
from .ingest import IngestResult, ingest
from .models import MediaJob, Rendition
from .probe import filter_fields

logger = logging.getLogger(__name__)

_HEARTBEAT_SECONDS = 2.0
_CONTENT_TYPES = {
    ".mp4": "video/mp4", ".m4a": "audio/mp4", ".jpg": "image/jpeg", ".webp": "image/webp",
    ".png": "image/png", ".vtt": "text/vtt", ".json": "application/json",
}  # fmt: skip


def worker_identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _max_attempts() -> int:
    return int(getattr(settings, "ENSEMBLE_MEDIA_MAX_ATTEMPTS", 3))


def _stale_after() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "ENSEMBLE_MEDIA_STALE_SECONDS", 120)))


def media_job_enqueue(*, version: RecordVersion) -> MediaJob:
    """Queue (or re-queue) the processing of a version; the task is sent after commit."""
    job, created = MediaJob.objects.get_or_create(version=version)
    if not created:
        if job.state == MediaJob.State.RUNNING:
            return job  # its runner will finish it; the sweeper handles a dead runner
        MediaJob.objects.filter(pk=job.pk).update(
            state=MediaJob.State.QUEUED, progress=0.0, attempts=0, message="", detail="",
            worker="", queued_at=timezone.now(), run_after=None, started_at=None,
            heartbeat_at=None, finished_at=None,
        )  # fmt: skip
        job.refresh_from_db()
    transaction.on_commit(lambda: _send(job.pk))
    return job


def _send(job_id: int, *, run_after: Any = None) -> None:
    from .tasks import media_process

    task = media_process.using(run_after=run_after) if run_after else media_process
    task.enqueue(job_id=job_id)


def media_job_claim(*, job_id: int, worker: str) -> MediaJob | None:
    """Move a queued job to running for `worker`; None when another runner has it or it is done."""
    now = timezone.now()
    claimed = MediaJob.objects.filter(pk=job_id, state=MediaJob.State.QUEUED).update(
        state=MediaJob.State.RUNNING, worker=worker, started_at=now, heartbeat_at=now,
        progress=0.0, message="", detail="", attempts=F("attempts") + 1,
    )  # fmt: skip
    if not claimed:
        return None
    return MediaJob.objects.select_related("version", "version__record").get(pk=job_id)


def _owned(job: MediaJob) -> Q:
    """Rows this runner still owns: same job, still running, same worker and attempt."""
    return Q(pk=job.pk, state=MediaJob.State.RUNNING, worker=job.worker, attempts=job.attempts)


def media_job_run(*, job_id: int) -> MediaJob | None:
    """Claim and process one job. Safe to call twice: a second call finds nothing to claim."""
    job = media_job_claim(job_id=job_id, worker=worker_identity())
    if job is None:
        return None
    version = job.version
    last_beat = time.monotonic()

    def progress(fraction: float) -> None:
        nonlocal last_beat
        if time.monotonic() - last_beat >= _HEARTBEAT_SECONDS:
            last_beat = time.monotonic()
            MediaJob.objects.filter(_owned(job)).update(
                progress=min(max(fraction, 0.0), 0.99), heartbeat_at=timezone.now()
            )

    try:
        with (
            local_path(version.original.storage, version.original.name) as source,
            job_folder(prefix=f"media-{job.pk}-") as workdir,
        ):
            result = ingest(source, workdir, kind=version.record.kind, progress=progress)
            _publish(job, version, result)
    except Exception as exc:  # every failure becomes a state the artist can read
        _fail(job, exc)
    job.refresh_from_db()
    return job


def _publish(job: MediaJob, version: RecordVersion, result: IngestResult) -> None:
    """Store the files under this run's own folder, then make them visible in one transaction."""
    storage = version.original.storage
    run_folder = f"derived/{version.sha256[:2]}/{version.sha256}/{uuid.uuid4().hex[:12]}"
    sizes = _sizes_by_name(result)
    stored: list[Rendition] = []
    try:
        for name, path in sorted(result.files.items()):
            with path.open("rb") as handle:
                stored_name = storage.save(f"{run_folder}/{name}", File(handle, name=name))
            width, height, bit_rate = sizes.get(name, (None, None, None))
            stored.append(
                Rendition(
                    version=version, role=_role(name), name=name, file=stored_name,
                    content_type=_CONTENT_TYPES.get(Path(name).suffix, "application/octet-stream"),
                    width=width, height=height, bit_rate=bit_rate,
                    size_bytes=path.stat().st_size,
                )
            )  # fmt: skip
        with transaction.atomic():
            now = timezone.now()
            if not MediaJob.objects.filter(_owned(job)).update(
                state=MediaJob.State.SUCCEEDED, progress=1.0, finished_at=now, heartbeat_at=now,
                manifest=result.manifest(),
            ):  # fmt: skip
                raise _Superseded
            old = list(Rendition.objects.filter(version=version).values_list("file", flat=True))
            Rendition.objects.filter(version=version).delete()
            Rendition.objects.bulk_create(stored)
            RecordVersion.objects.filter(pk=version.pk).update(
                probe=_probe_json(result.facts), **filter_fields(result.facts)
            )
            transaction.on_commit(lambda: _delete_files(storage, old))
    except _Superseded:
        _delete_files(storage, [r.file.name for r in stored])
        logger.warning("media job %s was taken over by another runner; outputs discarded", job.pk)
    except BaseException:
        _delete_files(storage, [r.file.name for r in stored])
        raise


class _Superseded(Exception):
    """The sweeper gave this job to another runner while this one was still working."""


def _fail(job: MediaJob, exc: BaseException) -> None:
    message = failure_message(exc)
    detail = getattr(exc, "reason", "") or repr(exc)
    now = timezone.now()
    if is_transient(exc) and job.attempts < _max_attempts():
        delay = timedelta(seconds=10 * 2 ** (job.attempts - 1))
        if MediaJob.objects.filter(_owned(job)).update(
            state=MediaJob.State.QUEUED, message=message, detail=detail[:4000],
            run_after=now + delay, heartbeat_at=None, worker="",
        ):  # fmt: skip
            transaction.on_commit(lambda: _send(job.pk, run_after=now + delay))
        logger.warning(
            "media job %s failed (attempt %s), retrying: %s", job.pk, job.attempts, detail
        )
        return
    MediaJob.objects.filter(_owned(job)).update(
        state=MediaJob.State.FAILED, message=message, detail=detail[:4000], finished_at=now
    )
    logger.info("media job %s failed: %s", job.pk, detail)


def media_jobs_sweep(*, stale_after: timedelta | None = None) -> int:
    """Requeue running jobs whose runner is gone; return how many were requeued."""
    now = timezone.now()
    limit = now - (stale_after if stale_after is not None else _stale_after())
    host = socket.gethostname()
    requeued = 0
    running = MediaJob.objects.filter(state=MediaJob.State.RUNNING).values_list(
        "pk", "worker", "attempts", "heartbeat_at"
    )
    for pk, worker, attempts, heartbeat_at in running:
        worker_host, _, pid = worker.rpartition(":")
        dead_here = worker_host == host and pid.isdigit() and not _alive(int(pid))
        silent = heartbeat_at is None or heartbeat_at < limit
        if not (dead_here or silent):
            continue
        state = MediaJob.State.QUEUED if attempts < _max_attempts() else MediaJob.State.FAILED
        message = (
            "" if state == MediaJob.State.QUEUED
            else "Processing was interrupted too many times. Try uploading again."
        )  # fmt: skip
        moved = MediaJob.objects.filter(
            pk=pk, state=MediaJob.State.RUNNING, worker=worker, attempts=attempts
        ).update(state=state, worker="", heartbeat_at=None, message=message, queued_at=now)
        if moved and state == MediaJob.State.QUEUED:
            requeued += 1
            transaction.on_commit(partial(_send, pk))
    return requeued


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _role(name: str) -> str:
    stem, suffix = Path(name).stem, Path(name).suffix
    if suffix == ".mp4":
        return Rendition.Role.VIDEO
    if name == "audio.m4a":
        return Rendition.Role.AUDIO
    if stem == "poster":
        return Rendition.Role.POSTER
    if stem.startswith("thumb-"):
        return Rendition.Role.THUMBNAIL
    if name == "storyboard.vtt":
        return Rendition.Role.STORYBOARD_VTT
    if stem == "storyboard":
        return Rendition.Role.STORYBOARD
    if name == "waveform.json":
        return Rendition.Role.PEAKS
    if stem == "waveform":
        return Rendition.Role.WAVEFORM
    return Rendition.Role.IMAGE


def _sizes_by_name(result: IngestResult) -> dict[str, tuple[int | None, int | None, int | None]]:
    sizes: dict[str, tuple[int | None, int | None, int | None]] = {}
    for rendition in result.details.get("renditions", []):
        sizes[rendition["path"]] = (rendition["width"], rendition["height"], rendition["bit_rate"])
    for size in result.details.get("sizes", []):
        sizes[size["file"]] = (size["width"], size["height"], None)
    poster = result.details.get("poster")
    if poster:
        for key in ("file", "webp"):
            sizes[poster[key]] = (poster["width"], poster["height"], None)
    return sizes


def _probe_json(facts: dict[str, Any]) -> dict[str, Any]:
    import json

    return dict(json.loads(json.dumps(facts, default=str)))


def _delete_files(storage: Any, names: list[str]) -> None:
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.warning("could not delete %s", name)
