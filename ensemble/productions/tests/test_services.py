"""Cuts by hand: each edit through the services, each refusal with its message and nothing
written; import and export of a real cut; release and extras."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from ensemble.core.errors import Conflict, EnsembleError, NotAllowed
from ensemble.productions import services, timeline
from ensemble.productions.access import can_see, can_watch
from ensemble.productions.models import Cut, CutItem, Production
from ensemble.records.services import record_unpublish
from tests.factories import text_record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_ladder")]


@pytest.fixture
def production(leader: Any, collaboration: Any) -> Production:
    return services.production_create(
        owner=leader, title="In a City", collaboration=collaboration, commercial=True
    )


@pytest.fixture
def cut(leader: Any, production: Production) -> Cut:
    return services.cut_create(actor=leader, production=production, name="Official")


@pytest.fixture
def clip(make_media: Callable[..., Any], artist: Any) -> Any:
    return make_media(artist, "clip", title="Cairo", city="Cairo")


def unchanged(cut: Cut) -> tuple[int, Any]:
    fresh = Cut.objects.get(pk=cut.pk)
    return fresh.revision, fresh.timeline


def test_clips_are_added_trimmed_moved_joined_and_removed(
    leader: Any, cut: Cut, clip: Any, make_media: Callable[..., Any], artist: Any
) -> None:
    other = make_media(artist, "lofi", title="Rio")
    version = clip.current_version
    services.clip_add(
        actor=leader, cut=cut, version=version, start=0.4, end=1.4, lower_third="Cairo"
    )
    services.clip_add(actor=leader, cut=cut, version=other.current_version)
    cut = services.clip_add(actor=leader, cut=cut, version=version.pk, start=0, end=0.8, index=0)
    assert cut.revision == 4  # created at 1, then three clips
    document = timeline.load(cut.timeline)
    assert [(c.name, c.start, c.duration) for c in document.clips] == [
        ("Cairo", 0.0, 0.8),
        ("Cairo", 0.4, 1.0),
        ("Rio", 0.0, 2.0),
    ]
    cut = services.clip_move(actor=leader, cut=cut, from_index=2, to_index=0)
    cut = services.clip_trim(actor=leader, cut=cut, index=1, start=0.2, end=0.6)
    cut = services.clip_transition_set(
        actor=leader, cut=cut, index=2, transition="crossfade", seconds=0.4
    )
    document = timeline.load(cut.timeline)
    assert [(c.name, c.start, c.duration, c.transition) for c in document.clips] == [
        ("Rio", 0.0, 2.0, "cut"),
        ("Cairo", 0.2, 0.4, "cut"),
        ("Cairo", 0.4, 1.0, "crossfade"),
    ]
    assert document.clips[2].lower_third == "Cairo"
    assert document.duration == pytest.approx(2.0 + 0.4 + 1.0 - 0.4)
    items = list(CutItem.objects.filter(cut=cut).order_by("position"))
    assert [(i.record_id, i.track, i.role, i.seconds) for i in items] == [
        (other.pk, "video", "footage", 2.0),
        (clip.pk, "video", "footage", 0.4),
        (clip.pk, "video", "footage", 1.0),
    ]
    cut = services.clip_remove(actor=leader, cut=cut, index=0)
    assert [c.name for c in timeline.load(cut.timeline).clips] == ["Cairo", "Cairo"]
    assert list(cut.editors.all()) == [leader]


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (0.0, 2.5, "The range 0–2.5 s is outside “Cairo”, which lasts 2 s."),
        (1.0, 1.0, "The out point (1 s) must come after the in point (1 s)."),
        (1.5, 0.5, "The out point (0.5 s) must come after the in point (1.5 s)."),
        (-1.0, 1.0, "The in point cannot be before the start of the media."),
        (0.0, float("nan"), "In and out points must be numbers of seconds."),
    ],
)
def test_ranges_outside_the_media_are_refused(
    leader: Any, cut: Cut, clip: Any, start: float, end: float, message: str
) -> None:
    before = unchanged(cut)
    with pytest.raises(EnsembleError) as refused:
        services.clip_add(actor=leader, cut=cut, version=clip.current_version, start=start, end=end)
    assert refused.value.message == message
    assert refused.value.status == 400
    assert unchanged(cut) == before


def test_a_crossfade_longer_than_its_clips_is_refused(leader: Any, cut: Cut, clip: Any) -> None:
    services.clip_add(actor=leader, cut=cut, version=clip.current_version, start=0, end=0.5)
    services.clip_add(actor=leader, cut=cut, version=clip.current_version, start=0, end=1)
    with pytest.raises(EnsembleError, match=r"crossfade into clip 2 \(Cairo\) lasts 0.8 s"):
        services.clip_transition_set(
            actor=leader, cut=cut, index=1, transition="crossfade", seconds=0.8
        )


def test_a_non_commercial_source_cannot_enter_a_commercial_production(
    leader: Any, cut: Cut, make_media: Callable[..., Any], artist: Any, production: Production
) -> None:
    nc = make_media(artist, "clip", title="Night walk", licence="cc-by-nc")
    before = unchanged(cut)
    with pytest.raises(NotAllowed) as refused:
        services.clip_add(actor=leader, cut=cut, version=nc.current_version)
    assert refused.value.message == (
        "“Night walk” by Walker, licensed CC BY-NC 4.0, which forbids commercial use, so it "
        "cannot enter “In a City”, a commercial production."
    )
    assert unchanged(cut) == before
    # A non-commercial production may use it; making it commercial again is then refused.
    services.production_update(actor=leader, production=production, commercial=False)
    services.clip_add(actor=leader, cut=cut, version=nc.current_version)
    with pytest.raises(NotAllowed, match="forbids commercial use"):
        services.production_update(actor=leader, production=production, commercial=True)
    assert Production.objects.get(pk=production.pk).commercial is False


def test_a_non_commercial_source_upstream_blocks_what_is_built_on_it(
    leader: Any, cut: Cut, make_media: Callable[..., Any], make_member: Callable[..., Any]
) -> None:
    from ensemble.lineage.services import SourceSpec

    poet = make_member(username="poet", display_name="Ana")
    poem = text_record(poet, title="Streets", licence="cc-by-nc")
    song = make_media(
        make_member(username="musician"), "tone", title="Walking song",
        sources=[SourceSpec(record_id=poem.pk, role="music")],
    )  # fmt: skip
    problems = services.licence_problems([song.current_version], cut.production)
    assert problems[song.current_version_id].startswith("“Walking song” by Musician, licensed")
    with pytest.raises(NotAllowed, match="forbids commercial use"):
        services.bed_set(actor=leader, cut=cut, version=song.current_version)


def test_no_derivatives_sources_cannot_enter_any_cut(
    leader: Any, cut: Cut, make_media: Callable[..., Any], artist: Any
) -> None:
    nd = make_media(artist, "clip", title="Untouchable", licence="cc-by-nd")
    with pytest.raises(NotAllowed, match="forbids changing it; a cut trims it"):
        services.clip_add(actor=leader, cut=cut, version=nd.current_version)


def test_only_published_media_of_the_right_kind_enters(
    leader: Any, cut: Cut, clip: Any, make_media: Callable[..., Any], artist: Any
) -> None:
    tone = make_media(artist, "tone", title="Hum")
    with pytest.raises(EnsembleError, match="“Hum” is audio, and the picture track takes video"):
        services.clip_add(actor=leader, cut=cut, version=tone.current_version)
    with pytest.raises(EnsembleError, match="“Cairo” is video, and an audio bed takes audio"):
        services.bed_set(actor=leader, cut=cut, version=clip.current_version)
    record_unpublish(record=clip)
    with pytest.raises(EnsembleError, match="“Cairo” is not published"):
        services.clip_add(actor=leader, cut=cut, version=clip.current_version)


def test_only_the_owner_and_leaders_edit(
    cut: Cut, clip: Any, other_member: Any, artist: Any
) -> None:
    with pytest.raises(NotAllowed, match="owner and its collaboration's leaders"):
        services.clip_add(actor=other_member, cut=cut, version=clip.current_version)
    with pytest.raises(NotAllowed):
        services.cut_create(actor=artist, production=cut.production, name="Mine")


def test_an_edit_on_a_stale_revision_is_a_conflict(leader: Any, cut: Cut, clip: Any) -> None:
    seen = cut.revision
    services.clip_add(actor=leader, cut=cut, version=clip.current_version, revision=seen)
    with pytest.raises(Conflict, match="changed since you opened it"):
        services.clip_add(actor=leader, cut=cut, version=clip.current_version, revision=seen)


def test_beds_and_titles(
    leader: Any, cut: Cut, clip: Any, make_media: Callable[..., Any], artist: Any
) -> None:
    tone = make_media(artist, "tone", title="Hum")
    poem = text_record(artist, title="Lines", text="walking through my city")
    services.clip_add(actor=leader, cut=cut, version=clip.current_version)
    services.bed_set(
        actor=leader, cut=cut, version=tone.current_version, offset=0.2, duration=5, volume=0.5
    )
    services.title_add(actor=leader, cut=cut, text="In a City", start=0, duration=1)
    cut = services.title_add(
        actor=leader, cut=cut, version=poem.current_version, start=1, duration=1, kind="subtitle"
    )
    document = timeline.load(cut.timeline)
    assert document.beds[0].duration == 5 and document.beds[0].volume == 0.5
    assert [t.text for t in document.titles] == ["In a City", "walking through my city"]
    with pytest.raises(EnsembleError, match="overlaps “In a City”"):
        services.title_add(actor=leader, cut=cut, text="Again", start=0.5, duration=1)
    before = unchanged(cut)
    with pytest.raises(EnsembleError, match=r"from 1\.6 s to 2\.6 s, past the end of the film"):
        services.title_add(actor=leader, cut=cut, text="Late", start=1.6, duration=1)
    assert unchanged(cut) == before
    roles = set(CutItem.objects.filter(cut=cut).values_list("track", "role"))
    assert roles == {("video", "footage"), ("audio", "music"), ("text", "writing")}
    cut = services.bed_remove(actor=leader, cut=cut, index=0)
    cut = services.title_remove(actor=leader, cut=cut, index=0)
    assert len(timeline.load(cut.timeline).beds) == 0
    assert [t.text for t in timeline.load(cut.timeline).titles] == ["walking through my city"]


def test_a_title_is_edited_in_place_and_keeps_its_record(
    leader: Any, cut: Cut, clip: Any, artist: Any
) -> None:
    poem = text_record(artist, title="Lines", text="walking through my city")
    services.clip_add(actor=leader, cut=cut, version=clip.current_version)  # 2 s of film
    services.title_add(actor=leader, cut=cut, text="In a City", start=0, duration=0.4)
    services.title_add(
        actor=leader, cut=cut, version=poem.current_version, start=1, duration=0.4, kind="subtitle"
    )
    seen = Cut.objects.get(pk=cut.pk).revision
    cut = services.title_update(
        actor=leader, cut=cut, index=0, text="  Seven   cities ", start=0.2, duration=0.6,
        revision=seen,
    )  # fmt: skip
    assert cut.revision == seen + 1
    # Only what is given changes; a subtitle from a record keeps its record and credit.
    cut = services.title_update(actor=leader, cut=cut, index=1, text="walking, still")
    document = timeline.load(cut.timeline)
    assert [(t.text, t.start, t.duration, t.kind, t.record_id) for t in document.titles] == [
        ("Seven cities", 0.2, 0.6, "title", None),
        ("walking, still", 1.0, 0.4, "subtitle", poem.pk),
    ]
    assert ("text", "writing") in set(CutItem.objects.filter(cut=cut).values_list("track", "role"))
    # Moved past the other, the titles stay in order of time.
    cut = services.title_update(actor=leader, cut=cut, index=0, start=1.6, duration=0.4)
    assert [t.text for t in timeline.load(cut.timeline).titles] == [
        "walking, still", "Seven cities",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"text": "   "}, EnsembleError, "A title needs some text."),
        ({"text": "x" * 301}, EnsembleError, "A title is at most 300 characters."),
        ({"kind": "caption"}, EnsembleError, "A title is a title or a subtitle."),
        ({"start": -1}, EnsembleError, "The start must be zero seconds or more."),
        ({"duration": float("nan")}, EnsembleError, "The duration must be zero seconds or more."),
        ({"duration": 0.01}, EnsembleError, "A title lasts at least one frame."),
        ({"start": 1.8, "duration": 1}, EnsembleError, "past the end of the film (2 s)"),
        ({"start": 5}, EnsembleError, "from 5 s to 5.4 s, past the end of the film"),
        ({"start": 0.9}, EnsembleError, "overlaps “Fin”"),
        ({"index": 2}, EnsembleError, "There is no title 3."),
        ({"actor": "artist"}, NotAllowed, "owner and its collaboration's leaders"),
        ({"revision": 1}, Conflict, "changed since you opened it"),
    ],
)  # fmt: skip
def test_a_bad_title_edit_is_refused_and_changes_nothing(
    leader: Any, artist: Any, cut: Cut, clip: Any, change: dict[str, Any],
    error: type[EnsembleError], message: str,
) -> None:  # fmt: skip
    services.clip_add(actor=leader, cut=cut, version=clip.current_version)  # 2 s of film
    services.title_add(actor=leader, cut=cut, text="In a City", start=0, duration=0.4)
    services.title_add(actor=leader, cut=cut, text="Fin", start=1, duration=0.4)
    before = unchanged(cut)
    options: dict[str, Any] = {"actor": leader, "cut": cut, "index": 0, **change}
    if options["actor"] == "artist":
        options["actor"] = artist
    with pytest.raises(error) as refused:
        services.title_update(**options)
    assert message in refused.value.message
    assert 400 <= refused.value.status < 500
    assert unchanged(cut) == before


def test_export_and_import_give_the_same_cut(
    leader: Any, cut: Cut, clip: Any, make_media: Callable[..., Any], artist: Any
) -> None:
    tone = make_media(artist, "tone", title="Hum")
    services.clip_add(actor=leader, cut=cut, version=clip.current_version, start=0.2, end=1.2)
    services.clip_add(
        actor=leader, cut=cut, version=clip.current_version, start=1, end=2,
        transition="crossfade", transition_seconds=0.4,
    )  # fmt: skip
    cut = services.bed_set(actor=leader, cut=cut, version=tone.current_version, volume=0.6)
    exported = timeline.export(
        timeline.load(cut.timeline), "otio", base_url="https://ensemble.example"
    )
    assert "https://ensemble.example/records/" in exported.content
    imported = services.cut_import(
        actor=leader, production=cut.production, data=exported.content, name="From the editor"
    )
    assert timeline.load(imported.timeline).clips == timeline.load(cut.timeline).clips
    assert timeline.load(imported.timeline).beds == timeline.load(cut.timeline).beds
    assert set(imported.items.values_list("version_id", flat=True)) == {
        clip.current_version_id,
        tone.current_version_id,
    }
    # FCP 7 XML keeps no metadata: its clips are re-linked by their media links.
    xml = timeline.export(timeline.load(cut.timeline), "fcp_xml", base_url="https://e.example")
    again = services.cut_import(
        actor=leader, production=cut.production, data=xml.content, format="fcp_xml", cut=imported
    )
    assert [c.version_id for c in timeline.load(again.timeline).clips] == [
        clip.current_version_id,
        clip.current_version_id,
    ]


def test_import_with_unknown_media_names_the_clips(leader: Any, cut: Cut, clip: Any) -> None:
    document = timeline.Document(
        clips=(
            timeline.ClipSpec(clip.current_version_id, clip.pk, "Known", 0, 1),
            timeline.ClipSpec(None, None, "Shot on my phone", 0, 1, url="file:///Volumes/A.mov"),
            timeline.ClipSpec(999_999, None, "Deleted thing", 0, 1),
        )
    )
    data = timeline.export(document, "otio", base_url="https://e.example").content
    with pytest.raises(EnsembleError) as refused:
        services.cut_import(actor=leader, production=cut.production, data=data, name="X")
    assert refused.value.message.startswith(
        "2 clips could not be matched to a record on Ensemble: “Shot on my phone”, “Deleted thing”."
    )
    assert not Cut.objects.filter(name="X").exists()
    with pytest.raises(EnsembleError) as malformed:
        services.cut_import(actor=leader, production=cut.production, data=b"{", name="Y")
    assert malformed.value.status == 400
    assert "could not be read as an OpenTimelineIO file" in malformed.value.message


def test_release_and_extras(
    leader: Any, production: Production, clip: Any, other_member: Any
) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert not can_see(AnonymousUser(), production)
    later = timezone.now() + timedelta(days=3)
    production = services.production_release_set(
        actor=leader, production=production, release_at=later
    )
    assert can_see(other_member, production) and not can_watch(other_member, production)
    assert can_watch(leader, production)
    with pytest.raises(EnsembleError, match="time zone"):
        services.production_release_set(
            actor=leader,
            production=production,
            release_at=datetime(2030, 1, 1),
        )
    extra = services.extra_add(
        actor=leader, production=production, record=clip, title="Unseen", release_at=later
    )
    assert extra.position == 1
    with pytest.raises(Conflict):
        services.extra_add(actor=leader, production=production, record=clip)
    production = services.production_release_set(
        actor=leader, production=production, release_at=timezone.now() - timedelta(minutes=1)
    )
    assert can_watch(other_member, production)
