"""The render job end to end on tiny real originals: queued → running → succeeded with an MP4
and its playback ladder; safe to run twice; cancel (queued, and while FFmpeg runs); the sweep of
renders whose worker died (and the one sweeper `ensemble serve` starts); a damaged source fails
with its reason and publishes nothing; bad requests refused before anything is queued."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ensemble import cli
from ensemble.core.errors import Conflict, EnsembleError
from ensemble.media.models import MediaJob
from ensemble.media.probe import probe
from ensemble.productions import jobs, services, timeline
from ensemble.productions.models import Cut, Render
from ensemble.productions.render import OUTPUT_NAME, RenderSpec
from ensemble.records.models import Record, RecordVersion
from ensemble.records.services import record_create_upload, record_unpublish

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_ladder")]


@pytest.fixture
def cut(leader: Any, collaboration: Any, artist: Any, make_media: Callable[..., Any]) -> Cut:
    """Two clips joined by a crossfade, a lower third, a bed, a title card."""
    cairo = make_media(artist, "clip", title="Cairo", city="Cairo")
    rio = make_media(artist, "lofi", title="Rio", city="Rio")
    tone = make_media(artist, "tone", title="Hum")
    production = services.production_create(
        owner=leader, title="In a City", collaboration=collaboration
    )
    cut = services.cut_create(actor=leader, production=production, name="Official")
    services.clip_add(
        actor=leader, cut=cut, version=cairo.current_version, start=0.4, end=1.4,
        lower_third="Cairo",
    )  # fmt: skip
    services.clip_add(
        actor=leader, cut=cut, version=rio.current_version, start=0, end=1,
        transition="crossfade", transition_seconds=0.4,
    )  # fmt: skip
    services.bed_set(actor=leader, cut=cut, version=tone.current_version, volume=0.5)
    return services.title_add(actor=leader, cut=cut, text="In a City", start=0, duration=0.8)


def stored_renders() -> set[Path]:
    """Every rendered file in storage (the media folder is shared by the whole test run)."""
    folder = Path(settings.MEDIA_ROOT) / "renders"
    return {p for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


def test_a_render_runs_from_request_to_a_playable_film(
    leader: Any, cut: Cut, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        render = services.render_request(actor=leader, cut=cut)
    assert (render.state, render.revision, render.height) == ("queued", cut.revision, 1080)
    task = DBTaskResult.objects.get()
    assert task.queue_name == "render"
    assert task.args_kwargs["kwargs"] == {"render_id": render.pk}

    done = services.render_run(render_id=render.pk)
    assert done is not None
    assert (done.state, done.message, done.progress) == ("succeeded", "", 1.0)
    film = Path(done.output.path)
    facts = probe(film)
    assert (facts["width"], facts["height"]) == (1920, 1080)
    assert facts["audio"] and facts["video"][0]["codec"] == "h264"
    # 1 s + 1 s - 0.4 s crossfade + 1 s of credits
    assert done.duration == pytest.approx(2.6, abs=0.25)
    assert [rung["label"] for rung in done.ladder] == ["144p"]
    assert (Path(settings.MEDIA_ROOT) / done.ladder[0]["file"]).is_file()
    assert done.worker and done.attempts == 1 and done.finished_at is not None

    # delivered twice: the second run finds nothing to claim and changes nothing
    assert services.render_run(render_id=render.pk) is None
    assert Render.objects.get(pk=render.pk).output.name == done.output.name


def test_the_same_cut_makes_the_same_spec(leader: Any, cut: Cut) -> None:
    # The engine's own test shows the same spec renders the same frames (framemd5 of two
    # renders); the job builds its spec from the stored snapshot, so equal snapshots must give
    # equal specs.
    document = timeline.load(cut.timeline)
    first = jobs._spec(cut, document, 1080)
    second = jobs._spec(Cut.objects.get(pk=cut.pk), timeline.load(cut.timeline), 1080)
    assert isinstance(first, RenderSpec)
    assert first == second
    assert [c.label for c in first.clips] == ["Cairo", "Rio"]
    assert first.clips[0].title == "Cairo" and first.clips[1].transition_in == "crossfade"
    assert first.credits[0].role == "Cohered by 2 artists"


def test_one_render_of_a_cut_at_a_time(leader: Any, cut: Cut) -> None:
    render = services.render_request(actor=leader, cut=cut)
    with pytest.raises(Conflict) as refused:
        services.render_request(actor=leader, cut=cut)
    assert refused.value.status == 409
    assert "already being rendered at 1080p" in refused.value.message
    services.render_cancel(actor=leader, render=render)
    assert services.render_request(actor=leader, cut=cut).state == "queued"


def test_a_cancelled_render_never_runs(leader: Any, cut: Cut, other_member: Any) -> None:
    before = stored_renders()
    render = services.render_request(actor=leader, cut=cut)
    with pytest.raises(EnsembleError):
        services.render_cancel(actor=other_member, render=render)
    cancelled = services.render_cancel(actor=leader, render=render)
    assert (cancelled.state, cancelled.message) == ("cancelled", "Cancelled by Producer.")
    assert services.render_cancel(actor=leader, render=render).state == "cancelled"
    assert services.render_run(render_id=render.pk) is None
    assert stored_renders() == before


def test_a_damaged_source_fails_with_its_reason_and_publishes_nothing(
    leader: Any, cut: Cut
) -> None:
    before = stored_renders()
    render = services.render_request(actor=leader, cut=cut)
    rio = timeline.load(cut.timeline).clips[1]
    assert rio.version_id is not None
    original = Path(RecordVersion.objects.get(pk=rio.version_id).original.path)
    whole = original.read_bytes()
    original.write_bytes(whole[: len(whole) // 3])
    try:
        failed = services.render_run(render_id=render.pk)
    finally:
        original.write_bytes(whole)
    assert failed is not None and failed.state == "failed"
    assert failed.message.startswith("The clip 2 (Rio) could not be read")
    assert failed.detail
    assert not failed.output and failed.ladder == []
    assert stored_renders() == before
    with pytest.raises(Conflict, match="already failed"):
        services.render_cancel(actor=leader, render=failed)


def test_an_unpublished_source_stops_a_render_by_name(leader: Any, cut: Cut) -> None:
    render = services.render_request(actor=leader, cut=cut)
    first = timeline.load(cut.timeline).clips[0]
    assert first.record_id is not None
    cairo = Record.objects.get(pk=first.record_id)
    record_unpublish(record=cairo)
    failed = services.render_run(render_id=render.pk)
    assert failed is not None and failed.state == "failed"
    assert failed.message.startswith(
        "The clip 1 (Cairo) is no longer available: “Cairo” was unpublished."
    )
    with pytest.raises(EnsembleError, match=r"clip 1 \(Cairo\) is no longer available"):
        services.render_request(actor=leader, cut=cut)


def test_an_empty_cut_is_not_rendered(leader: Any, cut: Cut) -> None:
    empty = services.cut_create(actor=leader, production=cut.production, name="Empty")
    with pytest.raises(EnsembleError, match="The cut is empty"):
        services.render_request(actor=leader, cut=empty)
    with pytest.raises(EnsembleError, match="1080 or 2160"):
        services.render_request(actor=leader, cut=cut, height=720)
    assert not Render.objects.exists()


# Cancelling while FFmpeg runs ---------------------------------------------------------------


def test_cancelling_a_running_render_from_the_page_stops_ffmpeg_and_publishes_nothing(
    leader: Any, cut: Cut, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, settings: Any
) -> None:
    """The producer presses Cancel (the render panel's form) while the worker's FFmpeg is
    writing the film: FFmpeg is killed, the render ends cancelled, the half-written film is
    removed with the job's folder, nothing reaches storage, and the cut renders again."""
    settings.ENSEMBLE_MEDIA_WORK_DIR = str(tmp_path / "work")
    before = stored_renders()
    render = services.render_request(actor=leader, cut=cut)
    page = Client()
    page.force_login(leader)
    cancel_url = reverse("productions:render_cancel", kwargs={"render_id": render.pk})
    seen: dict[str, Any] = {}
    real_popen = subprocess.Popen

    class Watched(real_popen):  # type: ignore[misc, valid-type]
        """The render's FFmpeg: once it has written part of the film, the producer cancels."""

        def __init__(self, args: Any, *rest: Any, **options: Any) -> None:
            super().__init__(args, *rest, **options)
            work = Path(str(options.get("cwd") or ""))
            if "process" in seen or "-progress" not in args or not work.name.startswith("render-"):
                return
            seen["process"] = self
            partial = work / OUTPUT_NAME
            deadline = time.monotonic() + 30
            while not (partial.exists() and partial.stat().st_size > 0):
                assert self.poll() is None, "FFmpeg finished before it wrote part of the film"
                assert time.monotonic() < deadline, "FFmpeg wrote nothing in 30 s"
                time.sleep(0.005)
            # Hold FFmpeg where it is (mid-film), so the cancel surely lands while it runs.
            os.kill(self.pid, signal.SIGSTOP)
            seen["partial"] = partial
            assert self.poll() is None
            assert Render.objects.get(pk=render.pk).state == "running"
            answer = page.post(cancel_url, headers={"HX-Request": "true"})
            seen["answer"] = (answer.status_code, answer.content.decode())

    monkeypatch.setattr(subprocess, "Popen", Watched)
    try:
        done = services.render_run(render_id=render.pk)
    finally:
        process = seen.get("process")
        if process is not None and process.returncode is None:  # the job did not stop it
            process.kill()
            process.wait()
    monkeypatch.undo()

    assert "process" in seen, "the render's FFmpeg never started"
    status, panel = seen["answer"]
    assert status == 200 and "Cancelled." in panel
    assert seen["process"].returncode == -signal.SIGKILL  # stopped by the job, not finished
    assert done is not None
    assert (done.state, done.message) == ("cancelled", "Cancelled by Producer.")
    assert done.finished_at is not None and done.progress < 1
    assert not done.output and done.ladder == [] and done.size_bytes == 0
    assert not seen["partial"].exists()
    assert list((tmp_path / "work").iterdir()) == []  # the job's folders are gone
    assert stored_renders() == before  # nothing published

    # The cut is free to be rendered again, and that render completes.
    again = services.render_request(actor=leader, cut=cut)
    finished = services.render_run(render_id=again.pk)
    assert finished is not None and finished.state == "succeeded", finished and finished.message
    assert Path(finished.output.path).is_file()
    assert Render.objects.get(pk=render.pk).state == "cancelled"


# The sweep of renders whose worker died --------------------------------------------------------


def _running(render: Render, *, worker: str, silent_for: timedelta, attempts: int = 1) -> Render:
    """The render as a runner left it: claimed, then silent for `silent_for`."""
    now = timezone.now()
    Render.objects.filter(pk=render.pk).update(
        state=Render.State.RUNNING, worker=worker, attempts=attempts, progress=0.4,
        started_at=now - silent_for, heartbeat_at=now - silent_for,
    )  # fmt: skip
    return Render.objects.get(pk=render.pk)


def test_the_sweep_requeues_a_render_whose_worker_died_and_it_renders_again(
    leader: Any, cut: Cut, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.ENSEMBLE_RENDER_STALE_SECONDS = 300
    other = services.cut_create(actor=leader, production=cut.production, name="Other")
    services.clip_add(
        actor=leader, cut=other, version=timeline.load(cut.timeline).clips[0].version_id or 0,
        start=0, end=0.5,
    )  # fmt: skip
    dead = _running(
        services.render_request(actor=leader, cut=cut),
        worker="gone-host:4242", silent_for=timedelta(minutes=10),
    )  # fmt: skip
    busy = _running(
        services.render_request(actor=leader, cut=other),
        worker="busy-host:7", silent_for=timedelta(seconds=20),
    )  # fmt: skip
    DBTaskResult.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.renders_sweep() == 1
    requeued = Render.objects.get(pk=dead.pk)
    assert (requeued.state, requeued.worker, requeued.heartbeat_at) == ("queued", "", None)
    assert requeued.attempts == 1 and requeued.finished_at is None and requeued.message == ""
    task = DBTaskResult.objects.get()
    assert (task.queue_name, task.args_kwargs["kwargs"]) == ("render", {"render_id": dead.pk})
    # A render whose runner still beats is left alone.
    assert Render.objects.get(pk=busy.pk).state == "running"
    assert Render.objects.get(pk=busy.pk).worker == "busy-host:7"
    # Were the old runner only slow, the row is no longer its own: it could not publish.
    assert not Render.objects.filter(jobs._owned(dead)).exists()
    assert jobs.renders_sweep() == 0  # nothing more to do

    again = services.render_run(render_id=dead.pk)
    assert again is not None
    assert (again.state, again.attempts) == ("succeeded", 2)
    assert Path(again.output.path).is_file()


def test_a_render_interrupted_too_often_fails_instead_of_looping(
    leader: Any, cut: Cut, settings: Any
) -> None:
    settings.ENSEMBLE_RENDER_MAX_ATTEMPTS = 3
    dead = _running(
        services.render_request(actor=leader, cut=cut),
        worker="gone-host:4242", silent_for=timedelta(hours=1), attempts=3,
    )  # fmt: skip
    DBTaskResult.objects.all().delete()
    assert jobs.renders_sweep() == 0
    failed = Render.objects.get(pk=dead.pk)
    assert (failed.state, failed.message) == ("failed", "The render was interrupted too often.")
    assert failed.finished_at is not None and failed.worker == ""
    assert not DBTaskResult.objects.exists()  # not sent again
    # The cut is free again: a new render may be asked for.
    assert services.render_request(actor=leader, cut=cut).state == "queued"


def test_one_sweep_command_requeues_stale_media_jobs_and_renders(
    leader: Any,
    cut: Cut,
    production_media: dict[str, Path],
    django_capture_on_commit_callbacks: Any,
) -> None:
    tone = production_media["tone"]
    record = record_create_upload(
        author=leader, upload=SimpleUploadedFile(tone.name, tone.read_bytes()), kind="audio"
    )
    long_ago = timezone.now() - timedelta(hours=1)
    MediaJob.objects.filter(version=record.current_version).update(
        state=MediaJob.State.RUNNING, worker="gone-host:4242", attempts=1, heartbeat_at=long_ago
    )
    render = _running(
        services.render_request(actor=leader, cut=cut),
        worker="gone-host:4242", silent_for=timedelta(hours=1),
    )  # fmt: skip
    DBTaskResult.objects.all().delete()

    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sweep", stdout=out)
    assert out.getvalue().strip() == "Requeued 1 media job(s) and 1 render(s)."
    assert MediaJob.objects.get(version=record.current_version).state == "queued"
    assert Render.objects.get(pk=render.pk).state == "queued"
    assert sorted(DBTaskResult.objects.values_list("queue_name", flat=True)) == [
        "media", "render",
    ]  # fmt: skip

    out = io.StringIO()
    call_command("sweep", stdout=out)
    assert out.getvalue().strip() == "Requeued 0 media job(s) and 0 render(s)."


def test_ensemble_serve_starts_one_sweeper_for_media_and_renders(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started: list[list[str]] = []

    class Exited:
        """A process that has already ended: `serve` stops at once."""

        def __init__(self, command: list[str], **options: Any) -> None:
            started.append(command)

        def poll(self) -> int:
            return 0

        def send_signal(self, signum: int) -> None:  # pragma: no cover - already ended
            raise AssertionError("an ended process is not signalled")

        def wait(self, timeout: float | None = None) -> int:
            return 0

    monkeypatch.setattr(cli.subprocess, "Popen", Exited)
    monkeypatch.setattr(cli.signal, "signal", lambda *args: None)
    assert cli.serve(["--bind", "127.0.0.1:0"]) == 1  # a process ended without Ctrl-C
    managed = [c[2:] for c in started if len(c) > 2 and c[1].endswith("manage.py")]
    sweepers = [c for c in managed if "sweep" in c[0]]
    assert sweepers == [["sweep", "--every", "60"]]
    assert not any(c[0] == "media_sweep" for c in managed)

    started.clear()
    assert cli.serve(["--bind", "127.0.0.1:0", "--no-worker"]) == 1
    assert len(started) == 1 and "gunicorn" in started[0]  # the web server alone
