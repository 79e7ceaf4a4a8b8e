"""Cuts from rules over curated submissions: the three cuts of "In a City", and a rule run
again after curation changed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ensemble.collabs.models import Submission
from ensemble.collabs.services import submission_create, submission_decide
from ensemble.core.errors import EnsembleError
from ensemble.productions import services, timeline
from ensemble.productions.models import Cut

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_ladder")]


@pytest.fixture
def curated(
    leader: Any,
    artist: Any,
    collaboration: Any,
    make_media: Callable[..., Any],
    make_member: Callable[..., Any],
) -> dict[str, Any]:
    """4K camera footage from Prague, lo-fi from London and Cairo (selected), Tokyo shortlisted
    and Lagos passed."""
    phone = make_member(username="phone", display_name="Phone")
    records = {
        "Prague": make_media(artist, "uhd", title="Prague 4K", city="Prague"),
        "London": make_media(phone, "clip", title="London walk", city="London"),
        "Cairo": make_media(phone, "lofi", title="Cairo night", city="Cairo"),
        "Tokyo": make_media(artist, "lofi", title="Tokyo rain", city="Tokyo"),
        "Lagos": make_media(
            make_member(username="market"), "clip", title="Lagos market", city="Lagos"
        ),
    }
    submissions: dict[str, Submission] = {}
    for city, record in records.items():
        (submissions[city],) = submission_create(
            member=record.author, collaboration=collaboration, records=[record]
        )
    decisions = {"Prague": "selected", "London": "selected", "Cairo": "selected",
                 "Tokyo": "shortlisted", "Lagos": "passed"}  # fmt: skip
    for city, state in decisions.items():
        submission_decide(actor=leader, submission=submissions[city], state=state)
    production = services.production_create(
        owner=leader, title="In a City", collaboration=collaboration
    )
    return {"production": production, "submissions": submissions, "records": records}


def names(cut: Cut) -> list[str]:
    return [clip.name for clip in timeline.load(cut.timeline).clips]


def test_official_extended_and_community_cuts(leader: Any, curated: dict[str, Any]) -> None:
    official, extended, community = services.cuts_from_presets(
        actor=leader, production=curated["production"]
    )
    assert names(official) == ["Prague 4K"]
    assert names(extended) == ["Cairo night", "London walk", "Prague 4K"]  # by city
    assert names(community) == ["Lagos market", "Tokyo rain"]
    document = timeline.load(extended.timeline)
    assert [c.lower_third for c in document.clips] == ["Cairo", "London", "Prague"]
    # a clip lasts seconds_per_clip, or the whole media when it is shorter
    assert [c.duration for c in document.clips] == [2.0, 2.0, 1.0]
    assert official.rule is not None
    assert official.rule["requirements"]["min_width"] == 3840


def test_a_rule_runs_again_after_curation(leader: Any, curated: dict[str, Any]) -> None:
    production = curated["production"]
    extended = services.cut_from_rule(
        actor=leader, production=production, name="Extended",
        rule={"states": ["selected"], "order": "manual", "seconds_per_clip": 1.0},
    )  # fmt: skip
    assert names(extended) == ["Prague 4K", "London walk", "Cairo night"]  # by submission time
    # the producer trims and reorders by hand; curation then changes
    services.clip_trim(actor=leader, cut=extended, index=1, start=0.4, end=0.8)
    services.clip_move(actor=leader, cut=extended, from_index=2, to_index=0)
    submission_decide(actor=leader, submission=curated["submissions"]["Tokyo"], state="selected")
    submission_decide(actor=leader, submission=curated["submissions"]["Prague"], state="passed")
    revision = Cut.objects.get(pk=extended.pk).revision
    refreshed = services.cut_rule_refresh(actor=leader, cut=extended)
    assert names(refreshed) == ["Cairo night", "London walk", "Tokyo rain"]
    london = timeline.load(refreshed.timeline).clips[1]
    assert (london.start, london.duration) == (0.4, 0.4)  # the trim survives
    assert refreshed.revision == revision + 1
    # nothing changed since: running it again leaves the revision alone
    assert services.cut_rule_refresh(actor=leader, cut=refreshed).revision == revision + 1


def test_rules_skip_what_may_not_enter_and_say_why(
    leader: Any, curated: dict[str, Any], collaboration: Any, make_media: Callable[..., Any]
) -> None:
    nc = make_media(leader, "lofi", title="NC walk", city="Oslo", licence="cc-by-nc")
    (submission,) = submission_create(member=leader, collaboration=collaboration, records=[nc])
    submission_decide(actor=leader, submission=submission, state="selected")
    cut = services.cut_from_rule(
        actor=leader, production=curated["production"], name="Selected",
        rule={"states": ["selected"], "requirements": {"min_width": 320, "min_height": 240}},
    )  # fmt: skip
    assert "NC walk" not in names(cut)
    assert names(cut) == ["Cairo night", "Prague 4K"]  # London is 320x180: too small
    skipped = timeline.load(cut.timeline).notes["skipped"]
    assert skipped[0]["title"] == "NC walk"
    assert "forbids commercial use" in skipped[0]["reason"]


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"states": ["approved"]}, "A rule's states are some of"),
        ({"order": "random"}, "The order is one of city, time, manual."),
        ({"seconds_per_clip": 0}, "Seconds per clip must be between"),
        ({"colour": "red"}, "Unknown rule settings: colour."),
        ({"requirements": {"fps": 60}}, "Requirements are min_width"),
    ],
)
def test_bad_rules_are_refused(
    leader: Any, collaboration: Any, rule: dict[str, Any], message: str
) -> None:
    production = services.production_create(
        owner=leader, title="In a City", collaboration=collaboration
    )
    with pytest.raises(EnsembleError) as refused:
        services.cut_from_rule(actor=leader, production=production, name="X", rule=rule)
    assert refused.value.message.startswith(message)
    assert not Cut.objects.filter(production=production).exists()
