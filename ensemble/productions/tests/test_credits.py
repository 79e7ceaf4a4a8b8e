"""Credits: who reaches the cut directly and through the lineage, each once with all their
roles, in order; the roll the render draws; a bounded number of queries for any cut size."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ensemble.collabs.services import leader_add
from ensemble.lineage.services import SourceSpec
from ensemble.productions import services, timeline
from ensemble.productions.credits import credits_for_cut, credits_for_render
from ensemble.productions.models import Cut
from tests.factories import text_record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_ladder")]


@pytest.fixture
def people(make_member: Callable[..., Any]) -> dict[str, Any]:
    names = {"poet": "Ana", "musician": "Ben", "filmmaker": "Cy", "colead": "Dee"}
    return {key: make_member(username=key, display_name=name) for key, name in names.items()}


@pytest.fixture
def story(
    people: dict[str, Any],
    leader: Any,
    collaboration: Any,
    make_media: Callable[..., Any],
) -> dict[str, Any]:
    """ "In a City": a poem, set to music by a musician; footage by a filmmaker who also wrote
    the subtitles; a second leader who never touches the cut."""
    poem = text_record(people["poet"], title="Streets", text="walking through my city")
    song = make_media(
        people["musician"], "tone", title="Walking song",
        sources=[SourceSpec(record_id=poem.pk, role="music")],
    )  # fmt: skip
    footage = make_media(people["filmmaker"], "clip", title="Cairo", city="Cairo")
    subtitles = text_record(people["filmmaker"], title="Subtitles", text="my city at night")
    leader_add(actor=leader, collaboration=collaboration, member=people["colead"])
    production = services.production_create(
        owner=leader, title="In a City", collaboration=collaboration
    )
    cut = services.cut_create(actor=leader, production=production, name="Official")
    services.clip_add(actor=leader, cut=cut, version=footage.current_version, start=0, end=1)
    services.bed_set(actor=leader, cut=cut, version=song.current_version, duration=1)
    services.title_add(
        actor=leader, cut=cut, version=subtitles.current_version, start=0.2, duration=0.6,
        kind="subtitle",
    )  # fmt: skip
    return {"cut": Cut.objects.get(pk=cut.pk), "poem": poem, "song": song, "footage": footage}


def test_the_poets_credit_comes_through_the_musicians_track(
    story: dict[str, Any], leader: Any
) -> None:
    credits = credits_for_cut(story["cut"])
    assert [(c.name, c.role_labels) for c in credits.credits] == [
        ("Producer", ["Produced by", "Edited by"]),
        ("Dee", ["Produced by"]),
        ("Cy", ["Footage", "Writing"]),
        ("Ben", ["Music"]),
        ("Ana", ["Writing"]),
    ]
    assert credits.cohered_by == "Cohered by 5 artists"
    lines = credits_for_render(story["cut"])
    assert [(line.role, list(line.names)) for line in lines] == [
        ("Cohered by 5 artists", []),
        ("Produced by · Edited by", ["Producer"]),
        ("Produced by", ["Dee"]),
        ("Footage · Writing", ["Cy"]),
        ("Music", ["Ben"]),
        ("Writing", ["Ana"]),
    ]


def test_credits_stay_when_a_source_is_unpublished(story: dict[str, Any]) -> None:
    from ensemble.records.services import record_unpublish

    record_unpublish(record=story["poem"])
    names = [c.name for c in credits_for_cut(story["cut"]).credits]
    assert "Ana" in names  # credit remains; only the record is hidden


def test_a_production_without_a_collaboration_credits_its_owner(
    make_member: Callable[..., Any], make_media: Callable[..., Any]
) -> None:
    owner = make_member(username="solo", display_name="Solo")
    clip = make_media(owner, "clip", title="Mine")
    production = services.production_create(owner=owner, title="Alone")
    cut = services.cut_create(actor=owner, production=production, name="Only")
    cut = services.clip_add(actor=owner, cut=cut, version=clip.current_version)
    credits = credits_for_cut(cut)
    assert [(c.name, c.roles) for c in credits.credits] == [
        ("Solo", ("production", "editing", "footage"))
    ]
    assert credits.cohered_by == "Cohered by 1 artist"


def test_credits_of_a_long_cut_take_a_bounded_number_of_queries(
    leader: Any,
    collaboration: Any,
    make_member: Callable[..., Any],
    make_media: Callable[..., Any],
    django_assert_max_num_queries: Any,
) -> None:
    # Eight writers, each with a poem that two filmmakers shot footage on: 16 videos, used in a
    # cut of 96 clips. Every artist is reached from many clips.
    clips = []
    for n in range(8):
        poem = text_record(make_member(username=f"writer{n}"), title=f"Poem {n}")
        for m in range(2):
            video = make_media(
                make_member(username=f"shooter{n}{m}"), "lofi", title=f"Walk {n}{m}",
                sources=[SourceSpec(record_id=poem.pk, role="text")],
            )  # fmt: skip
            clips.append(video.current_version)
    production = services.production_create(owner=leader, title="Many", collaboration=collaboration)
    document = timeline.Document(
        clips=tuple(
            timeline.ClipSpec(v.pk, v.record_id, v.record.title, 0.0, 0.2)
            for _ in range(6)
            for v in clips
        )
    )
    data = timeline.export(document, "otio", base_url="https://e.example").content
    cut = services.cut_import(actor=leader, production=production, data=data, name="Long")
    assert cut.items.count() == 96
    with django_assert_max_num_queries(8):
        credits = credits_for_cut(Cut.objects.select_related("production").get(pk=cut.pk))
    assert len(credits) == 1 + 8 + 16
    writers = [c for c in credits.credits if c.roles == ("writing",)]
    assert [c.username for c in writers] == [f"writer{n}" for n in range(8)]
