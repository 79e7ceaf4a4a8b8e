"""Render jobs: request, claim once, render from the originals, make the playback ladder,
publish atomically, cancel, sweep. The same pattern as `ensemble.media.jobs`.

    queued ──claim──▶ running ──publish──▶ succeeded
       ▲                 │ └──cancel──▶ cancelled   (also from queued)
       └──retry/sweep────┴──failure──▶ failed

- `render_request` checks the cut can be rendered (not empty, every source still published,
  the engine accepts the spec), refuses a second render of the same cut and height while one is
  queued or running (409; a partial unique constraint makes that hold under races), keeps a
  snapshot of the cut's document, and enqueues the `render_process` task on the `render` queue
  once the transaction commits.
- `render_run` (the task's body) claims the row with a conditional UPDATE, so one runner wins
  however often the task is delivered. Progress is written to the row at most once a second;
  the engine's cancel callback reads the row (at most twice a second) and stops FFmpeg as soon
  as the row is no longer this runner's (cancelled, or handed to another runner by the sweep).
- The engine writes the film only when it is complete and checks out; the ladder is made from
  it; the files are stored under a folder of this run and the row that makes them visible is
  written in one transaction guarded by the claim. A failure stores the engine's plain reason
  (`message`) and FFmpeg's words (`detail`); a transient one is retried with backoff.
"""

from __future__ import annotations

import logging
import time
import uuid
from contextlib import ExitStack
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from ensemble.accounts.models import Member
from ensemble.core.errors import Conflict, EnsembleError
from ensemble.media.ffmpeg import FFmpegFailed, job_folder
from ensemble.media.files import local_path
from ensemble.media.jobs import worker_identity
from ensemble.media.ladder import build_ladder
from ensemble.media.probe import probe
from ensemble.media.sniff import MediaRefused
from ensemble.records.models import RecordVersion

from . import render as engine
from . import timeline as tl
from .access import require_editor
from .credits import credits_for_render
from .models import Cut, Render

logger = logging.getLogger(__name__)

_PROGRESS_SECONDS = 1.0
_CANCEL_CHECK_SECONDS = 0.5
_RENDER_SHARE = 0.9  # of the progress bar: the rest is the playback ladder


def _max_attempts() -> int:
    return int(getattr(settings, "ENSEMBLE_RENDER_MAX_ATTEMPTS", 3))


def _stale_after() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "ENSEMBLE_RENDER_STALE_SECONDS", 300)))


# Request ---------------------------------------------------------------------------------------


def render_request(*, actor: Member, cut: Cut, height: int = 1080) -> Render:
    """Queue a render of the cut as it is now; EnsembleError saying why it cannot be rendered."""
    if height not in engine.HEIGHTS:
        raise EnsembleError("A render is 1080 or 2160 pixels high.", field="height")
    with transaction.atomic():
        locked = (
            Cut.objects.select_for_update(of=("self",)).select_related("production").get(pk=cut.pk)
        )
        require_editor(actor, locked.production)
        if Render.objects.filter(cut=locked, height=height, state__in=Render.ACTIVE).exists():
            raise Conflict(
                f"This cut is already being rendered at {height}p: wait for it, or cancel it."
            )
        document = tl.load(locked.timeline)
        if not document.clips:
            raise EnsembleError("The cut is empty: add at least one clip before rendering it.")
        _spec(locked, document, height, path_of=lambda v: Path(v.original.name))
        try:
            with transaction.atomic():
                render = Render.objects.create(
                    cut=locked, revision=locked.revision, timeline=locked.timeline,
                    height=height, created_by=actor,
                )  # fmt: skip
        except IntegrityError:
            raise Conflict(
                f"This cut is already being rendered at {height}p: wait for it, or cancel it."
            ) from None
        transaction.on_commit(partial(_send, render.pk))
    return render


def _spec(
    cut: Cut, document: tl.Document, height: int, *, path_of: Any = None
) -> engine.RenderSpec:
    """The engine's spec, checked by the engine's planner: EnsembleError naming the problem."""
    versions = tl.versions_for(document)
    credits = credits_for_render(cut, document)
    spec = tl.render_spec(
        document, versions=versions, credits=credits, height=height, path_of=path_of
    )
    try:
        engine.build_plan(spec)
    except engine.RenderSpecError as exc:
        raise EnsembleError(str(exc)) from None
    except engine.RenderFailed as exc:
        raise EnsembleError(exc.reason) from None
    return spec


def _send(render_id: int, *, run_after: Any = None) -> None:
    from .tasks import render_process

    task = render_process.using(run_after=run_after) if run_after else render_process
    task.enqueue(render_id=render_id)


# Run ---------------------------------------------------------------------------------------------


def render_claim(*, render_id: int, worker: str) -> Render | None:
    now = timezone.now()
    claimed = Render.objects.filter(pk=render_id, state=Render.State.QUEUED).update(
        state=Render.State.RUNNING, worker=worker, started_at=now, heartbeat_at=now,
        progress=0.0, message="", detail="", attempts=F("attempts") + 1,
    )  # fmt: skip
    if not claimed:
        return None
    return Render.objects.select_related("cut", "cut__production").get(pk=render_id)


def _owned(render: Render) -> Q:
    return Q(
        pk=render.pk, state=Render.State.RUNNING, worker=render.worker, attempts=render.attempts
    )


def render_run(*, render_id: int) -> Render | None:
    """Claim and run one render. Safe to call twice: a second call finds nothing to claim."""
    render = render_claim(render_id=render_id, worker=worker_identity())
    if render is None:
        return None
    last_write = time.monotonic()
    last_check = 0.0
    stopped = False

    def progress(fraction: float) -> None:
        nonlocal last_write
        if time.monotonic() - last_write >= _PROGRESS_SECONDS:
            last_write = time.monotonic()
            Render.objects.filter(_owned(render)).update(
                progress=min(max(fraction, 0.0), 0.99), heartbeat_at=timezone.now()
            )

    def cancelled() -> bool:
        nonlocal last_check, stopped
        if not stopped and time.monotonic() - last_check >= _CANCEL_CHECK_SECONDS:
            last_check = time.monotonic()
            stopped = not Render.objects.filter(_owned(render)).exists()
        return stopped

    try:
        with ExitStack() as stack:
            document = tl.load(render.timeline)

            def path_of(version: RecordVersion) -> Path:
                storage = version.original.storage
                return stack.enter_context(local_path(storage, version.original.name))

            spec = _spec(render.cut, document, render.height, path_of=path_of)
            folder = stack.enter_context(job_folder(prefix=f"render-{render.pk}-"))
            film = folder / "film.mp4"
            result = engine.render_run(
                spec,
                output=film,
                progress=lambda f: progress(f * _RENDER_SHARE),
                cancel=cancelled,
            )
            ladder_folder = folder / "ladder"
            ladder_folder.mkdir()
            renditions = build_ladder(
                film,
                ladder_folder,
                facts=probe(film),
                progress=lambda f: progress(_RENDER_SHARE + f * (0.99 - _RENDER_SHARE)),
            )
            if cancelled():
                raise engine.RenderCancelled("The render was cancelled.")
            _publish(render, film, result, renditions)
    except engine.RenderCancelled:
        Render.objects.filter(_owned(render)).update(
            state=Render.State.CANCELLED, finished_at=timezone.now()
        )
    except Exception as exc:  # every failure becomes a state the producer can read
        _fail(render, exc)
    render.refresh_from_db()
    return render


def _publish(render: Render, film: Path, result: engine.RenderResult, renditions: list) -> None:
    storage = Render.output.field.storage
    folder = f"renders/{render.cut_id}/{render.pk}-{uuid.uuid4().hex[:12]}"
    stored: list[str] = []
    try:
        with film.open("rb") as handle:
            name = storage.save(f"{folder}/film.mp4", File(handle, name="film.mp4"))
        stored.append(name)
        ladder = []
        for rendition in renditions:
            with rendition.path.open("rb") as handle:
                saved = storage.save(
                    f"{folder}/{rendition.path.name}", File(handle, name=rendition.path.name)
                )
            stored.append(saved)
            ladder.append(
                {
                    "label": rendition.label, "file": saved, "width": rendition.width,
                    "height": rendition.height, "bit_rate": rendition.bit_rate,
                    "size_bytes": rendition.size_bytes, "copied": rendition.copied,
                }
            )  # fmt: skip
        now = timezone.now()
        with transaction.atomic():
            published = Render.objects.filter(_owned(render)).update(
                state=Render.State.SUCCEEDED, progress=1.0, output=name, ladder=ladder,
                duration=result.duration or result.expected_duration,
                size_bytes=result.size_bytes, finished_at=now, heartbeat_at=now,
            )  # fmt: skip
        if not published:
            _delete_files(storage, stored)
            logger.warning("render %s was cancelled or taken over; outputs discarded", render.pk)
    except BaseException:
        _delete_files(storage, stored)
        raise


def _fail(render: Render, exc: BaseException) -> None:
    now = timezone.now()
    transient = False
    if isinstance(exc, engine.RenderFailed):
        message, detail, transient = exc.reason, exc.detail or exc.reason, exc.transient
    elif isinstance(exc, EnsembleError):
        message, detail = exc.message, exc.message
    elif isinstance(exc, (MediaRefused, FFmpegFailed)):
        message = (
            "The film was rendered, but its playback copies could not be made: "
            f"{getattr(exc, 'reason', '') or exc}"
        )
        detail = repr(exc)
        transient = isinstance(exc, FFmpegFailed) and exc.transient
    else:
        message = "The render failed unexpectedly; the team has been told."
        detail = repr(exc)
        logger.exception("render %s failed", render.pk, exc_info=exc)
    if transient and render.attempts < _max_attempts():
        delay = timedelta(seconds=10 * 2 ** (render.attempts - 1))
        if Render.objects.filter(_owned(render)).update(
            state=Render.State.QUEUED, message=message, detail=detail[:4000],
            run_after=now + delay, heartbeat_at=None, worker="",
        ):  # fmt: skip
            transaction.on_commit(partial(_send, render.pk, run_after=now + delay))
        return
    Render.objects.filter(_owned(render)).update(
        state=Render.State.FAILED, message=message[:2000], detail=detail[:4000], finished_at=now
    )


# Cancel and sweep --------------------------------------------------------------------------------


def render_cancel(*, actor: Member, render: Render) -> Render:
    """Stop a queued or running render (its runner notices within a second); nothing of it is
    published. Cancelling a cancelled render does nothing; a finished one cannot be."""
    require_editor(actor, render.cut.production)
    moved = Render.objects.filter(pk=render.pk, state__in=Render.ACTIVE).update(
        state=Render.State.CANCELLED,
        finished_at=timezone.now(),
        message=f"Cancelled by {actor.name}.",
        worker="",
    )
    render.refresh_from_db()
    if not moved and render.state != Render.State.CANCELLED:
        raise Conflict(f"This render has already {render.get_state_display().lower()}.")
    return render


def renders_sweep(*, stale_after: timedelta | None = None) -> int:
    """Requeue running renders whose runner fell silent (no heartbeat for
    ENSEMBLE_RENDER_STALE_SECONDS); one interrupted ENSEMBLE_RENDER_MAX_ATTEMPTS times fails
    instead. Returns how many were requeued. Run every minute by the `sweep` command."""
    now = timezone.now()
    limit = now - (stale_after if stale_after is not None else _stale_after())
    requeued = 0
    stale = Render.objects.filter(state=Render.State.RUNNING).filter(
        Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=limit)
    )
    for pk, worker, attempts in stale.values_list("pk", "worker", "attempts"):
        state = Render.State.QUEUED if attempts < _max_attempts() else Render.State.FAILED
        message = "" if state == Render.State.QUEUED else "The render was interrupted too often."
        finished_at = now if state == Render.State.FAILED else None
        moved = Render.objects.filter(
            pk=pk, state=Render.State.RUNNING, worker=worker, attempts=attempts
        ).update(
            state=state, worker="", heartbeat_at=None, message=message, queued_at=now,
            finished_at=finished_at,
        )  # fmt: skip
        if moved and state == Render.State.QUEUED:
            requeued += 1
            transaction.on_commit(partial(_send, pk))
    return requeued


def _delete_files(storage: Any, names: list[str]) -> None:
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.warning("could not delete %s", name)
