"""The demo, built small (second-long clips, 5 fps renders): the story's credits and three cuts
are right, every cut is rendered, and building it again adds nothing."""

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from ensemble.accounts.models import Member
from ensemble.collabs.models import Decision, Invitation, Submission
from ensemble.demo import story
from ensemble.demo.media import TINY, MediaMaker
from ensemble.feedback.models import Comment, Follow, Heart
from ensemble.lineage.models import SourceLink
from ensemble.productions import timeline as tl
from ensemble.productions.credits import credits_for_cut
from ensemble.productions.models import Cut, Extra, Production, Render
from ensemble.records.models import Record
from ensemble.royalties.models import Proposal

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("demo")]

COUNTED: list[type[Any]] = [
    Member, Record, SourceLink, Submission, Decision, Invitation, Comment, Heart, Follow,
    Production, Cut, Render, Extra, Proposal,
]  # fmt: skip


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


@pytest.fixture
def small_renders(settings: Any) -> None:
    settings.ENSEMBLE_LADDER_RUNGS = [{"height": 144, "max_bitrate": 300}]
    settings.ENSEMBLE_RENDER_FPS = 5
    settings.ENSEMBLE_RENDER_CREDITS_SECONDS = 1.0


def _credited(cut: Cut) -> dict[str, tuple[str, ...]]:
    return {credit.username: credit.roles for credit in credits_for_cut(cut).credits}


def test_the_demo_tells_the_whole_story_once(tmp_path: Path, small_renders: None) -> None:
    built = story.build(MediaMaker(tmp_path, TINY), say=lambda text: None, stream=io.StringIO())

    # The song is set to the poem, the Prague walk cut to the song, and credits reach the
    # poem's writer through it.
    assert SourceLink.objects.filter(
        version=built.song.current_version, source_version=built.poem.current_version
    ).exists()
    prague = Record.objects.get(title="In a City: Prague")
    assert SourceLink.objects.filter(
        version=prague.current_version, source_version=built.song.current_version, role="music"
    ).exists()
    walkers = {p.username for p in story.CINEMATOGRAPHERS.values()}
    official = _credited(built.cuts["Official"])
    assert official["amara"] == ("writing",)
    assert official["jonas"] == ("music",)
    assert "production" in official["lucia"]
    assert {u for u, roles in official.items() if roles == ("footage",)} == walkers

    # Official: the six 4K camera walks, by city; Extended adds the selected phone clips;
    # Community is the footage that made neither.
    clips = {name: tl.load(cut.timeline).clips for name, cut in built.cuts.items()}
    assert [c.lower_third for c in clips["Official"]] == [
        "Cairo", "London", "Los Angeles", "Prague", "Rio de Janeiro", "Tokyo",
    ]  # fmt: skip
    assert {Record.objects.get(pk=c.record_id or 0).author.username for c in clips["Extended"]} == (
        walkers | {"sam", "yui"}
    )
    assert {
        Record.objects.get(pk=c.record_id or 0).author.username for c in clips["Community"]
    } == {
        "layla",
        "dev",
    }
    assert set(_credited(built.cuts["Community"])) == {"lucia", "layla", "dev", "jonas", "amara"}
    for name, cut in built.cuts.items():
        beds = tl.load(cut.timeline).beds
        assert [bed.record_id for bed in beds] == [built.song.pk], name
        render = cut.renders.get()
        assert render.state == Render.State.SUCCEEDED, render.message
        assert render.output.storage.exists(render.output.name)
        assert render.duration and render.duration > len(clips[name]) * 0.5

    # Phone clips are accepted but marked; curation left notes; the film is out, extras later.
    phones = Submission.objects.filter(member__username__in=["sam", "yui", "layla", "dev"])
    assert phones.count() == 4 and not phones.filter(meets_requirements=True).exists()
    assert Decision.objects.exclude(note="").count() == 10
    assert Comment.objects.filter(timecode__isnull=False).count() == 3
    assert built.production.release_at and built.production.release_at <= timezone.now()
    extras = Extra.objects.filter(production=built.production)
    assert extras.count() == 2
    assert all(extra.release_at and extra.release_at > timezone.now() for extra in extras)

    # The revenue proposal is published, for every artist credited in the Official cut.
    proposal = built.proposal
    assert proposal.state == Proposal.State.PUBLISHED
    assert {line.member.username for line in proposal.lines.select_related("member")} == set(
        official
    )
    assert proposal.comments.count() == 1

    # Building again (as `ensemble demo` does) adds nothing, and says where to go.
    before = _counts()
    out = io.StringIO()
    call_command(
        "demo", "--tiny", "--media-folder", str(tmp_path), stdout=out, stderr=io.StringIO()
    )
    assert _counts() == before
    printed = out.getvalue()
    assert "The “In a City” demo is ready" in printed
    assert f"/productions/{built.production.pk}/" in printed
    assert f"password “{story.PASSWORD}”" in printed
    for username in ("lucia", "amara", "jonas", "petra", "sam"):
        assert built.members[username].check_password(story.PASSWORD)
        assert f"  {username} " in printed
