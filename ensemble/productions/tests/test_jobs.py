"""The render job end to end on tiny real originals: queued → running → succeeded with an MP4
and its playback ladder; safe to run twice; cancel; a damaged source fails with its reason and
publishes nothing; bad requests refused before anything is queued."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django_tasks_db.models import DBTaskResult

from ensemble.core.errors import Conflict, EnsembleError
from ensemble.media.probe import probe
from ensemble.productions import jobs, services, timeline
from ensemble.productions.models import Cut, Render
from ensemble.productions.render import RenderSpec
from ensemble.records.models import Record, RecordVersion
from ensemble.records.services import record_unpublish

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
