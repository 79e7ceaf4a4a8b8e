"""The collaboration services: every rule of the brief, each refusal leaving the data as it was."""

import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from ensemble.collabs import services
from ensemble.collabs.models import (
    Collaboration,
    Decision,
    Invitation,
    Leadership,
    OffSpec,
    Status,
    Submission,
    SubmissionState,
)
from ensemble.core.errors import Conflict, EnsembleError, NotAllowed
from ensemble.feedback.models import Activity
from ensemble.media.jobs import media_job_run
from ensemble.media.models import MediaJob
from ensemble.notifications.models import Notification
from ensemble.records.models import Record
from ensemble.records.services import record_create_upload, record_unpublish
from tests.factories import text_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader(make_member: Callable[..., Any]) -> Any:
    return make_member(username="producer")


@pytest.fixture
def artist(make_member: Callable[..., Any]) -> Any:
    return make_member(username="walker")


def _open(leader: Any, **fields: Any) -> Collaboration:
    collaboration = services.collaboration_create(leader=leader, title="In a City", **fields)
    services.collaboration_status_set(actor=leader, collaboration=collaboration, status="open")
    return collaboration


def _video(author: Any, upload: Callable[..., Any], *, title: str = "Cairo walk") -> Record:
    record = record_create_upload(author=author, upload=upload("clip"), title=title)
    media_job_run(job_id=MediaJob.objects.get(version=record.current_version).pk)
    record.refresh_from_db()
    assert record.current_version is not None
    record.current_version.refresh_from_db()
    return record


def _snapshot() -> tuple[int, ...]:
    return (
        Submission.objects.count(),
        Decision.objects.count(),
        Notification.objects.count(),
        Leadership.objects.count(),
        Invitation.objects.count(),
    )


# Creating and editing ------------------------------------------------------------------


def test_the_member_who_opens_a_collaboration_leads_it(leader: Any) -> None:
    collaboration = services.collaboration_create(
        leader=leader,
        title="  In a City ",
        brief="Shoot **your** walk <script>alert(1)</script>",
        kinds=["video"],
        min_width=3840,
        min_height=2160,
        deadline="2030-06-30T23:59",
        deadline_zone="Europe/Prague",
        budget="2500.50",
        budget_currency="eur",
    )
    assert collaboration.status == Status.DRAFT
    assert collaboration.title == "In a City"
    assert "<strong>your</strong>" in collaboration.brief_html
    assert "<script" not in collaboration.brief_html
    assert list(collaboration.leaders.all()) == [leader]
    assert collaboration.budget_amount == 250050
    assert collaboration.budget_currency == "EUR"
    assert collaboration.budget_label == "EUR 2,500.50"
    # A wall-clock deadline means that time in the collaboration's zone (CEST is UTC+2).
    assert collaboration.deadline is not None
    prague = timezone.localtime(collaboration.deadline, ZoneInfo("Europe/Prague"))
    assert (prague.hour, prague.minute) == (23, 59)
    assert collaboration.deadline.astimezone(ZoneInfo("UTC")).hour == 21


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"budget": "10.001", "budget_currency": "EUR"}, "at most 2 decimal places"),
        ({"budget": "10.5", "budget_currency": "JPY"}, "JPY amounts have whole units"),
        ({"budget": "-5", "budget_currency": "EUR"}, "cannot be negative"),
        ({"budget": "5", "budget_currency": "XXX"}, "not a currency"),
        ({"budget": "5"}, "currency"),
        ({"budget": "lots", "budget_currency": "EUR"}, "not an amount"),
        ({"deadline_zone": "Mars/Olympus"}, "not a time zone"),
        ({"deadline": "next tuesday"}, "date and time"),
        ({"kinds": ["hologram"]}, "not a kind of record"),
        ({"min_width": "wide"}, "whole number"),
        ({"min_width": 0}, "between 1 and"),
        ({"max_duration": -3}, "more than 0 seconds"),
        ({"orientation": "diagonal"}, "not a valid orientation"),
        ({"off_spec": "maybe"}, "not a valid choice"),
        ({"title": "   "}, "title is required"),
        ({"title": "x" * 201}, "too long"),
        ({"colour": "red"}, "Unknown field"),
    ],
)
def test_bad_fields_are_refused_with_the_reason(
    leader: Any, fields: dict[str, Any], message: str
) -> None:
    title = fields.pop("title", "In a City")
    with pytest.raises(EnsembleError, match=message):
        services.collaboration_create(leader=leader, title=title, **fields)
    assert Collaboration.objects.count() == 0


def test_only_leaders_edit_and_the_edit_keeps_other_fields(leader: Any, artist: Any) -> None:
    collaboration = services.collaboration_create(
        leader=leader, title="In a City", budget="100", budget_currency="USD"
    )
    with pytest.raises(NotAllowed):
        services.collaboration_update(
            actor=artist, collaboration=collaboration, changes={"title": "Mine now"}
        )
    services.collaboration_update(
        actor=leader, collaboration=collaboration, changes={"camera": "Sony FX3"}
    )
    collaboration.refresh_from_db()
    assert (collaboration.title, collaboration.camera) == ("In a City", "Sony FX3")
    assert (collaboration.budget_amount, collaboration.budget_currency) == (10000, "USD")
    services.collaboration_update(
        actor=leader, collaboration=collaboration, changes={"budget": None}
    )
    collaboration.refresh_from_db()
    assert (collaboration.budget_amount, collaboration.budget_currency) == (None, "")


def test_status_moves_along_its_path_and_followers_see_it(leader: Any, artist: Any) -> None:
    collaboration = services.collaboration_create(leader=leader, title="In a City")
    with pytest.raises(EnsembleError, match="cannot become curating"):
        services.collaboration_status_set(
            actor=leader, collaboration=collaboration, status="curating"
        )
    with pytest.raises(NotAllowed):
        services.collaboration_status_set(actor=artist, collaboration=collaboration, status="open")
    for status in ("open", "curating", "closed", "curating"):
        services.collaboration_status_set(actor=leader, collaboration=collaboration, status=status)
    with pytest.raises(Conflict, match="already curating"):
        services.collaboration_status_set(
            actor=leader, collaboration=collaboration, status="curating"
        )
    verbs = list(
        Activity.objects.filter(collaboration=collaboration).values_list("verb", flat=True)
    )
    assert sorted(verbs) == ["opened", "status", "status", "status"]


def test_a_collaboration_past_its_deadline_cannot_open(leader: Any) -> None:
    collaboration = services.collaboration_create(
        leader=leader, title="In a City", deadline=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(EnsembleError, match="deadline has passed"):
        services.collaboration_status_set(actor=leader, collaboration=collaboration, status="open")
    collaboration.refresh_from_db()
    assert collaboration.status == Status.DRAFT


def test_cover_is_reencoded_and_svg_refused(leader: Any, upload: Callable[..., Any]) -> None:
    collaboration = services.collaboration_create(leader=leader, title="In a City")
    services.collaboration_image_set(
        actor=leader, collaboration=collaboration, which="cover", upload=upload("image-jpg")
    )
    assert collaboration.cover.name.endswith(".webp")
    before = collaboration.cover.name
    with pytest.raises(EnsembleError, match="SVG"):
        services.collaboration_image_set(
            actor=leader,
            collaboration=collaboration,
            which="cover",
            upload=_bytes(b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'),
        )
    collaboration.refresh_from_db()
    assert collaboration.cover.name == before


def _bytes(data: bytes) -> Any:
    return io.BytesIO(data)


# Leaders -------------------------------------------------------------------------------


def test_leaders_add_co_leaders_but_never_remove_the_last(leader: Any, artist: Any) -> None:
    collaboration = services.collaboration_create(leader=leader, title="In a City")
    with pytest.raises(NotAllowed):
        services.leader_add(actor=artist, collaboration=collaboration, member=artist)
    services.leader_add(actor=leader, collaboration=collaboration, member=artist)
    with pytest.raises(Conflict, match="already leads"):
        services.leader_add(actor=leader, collaboration=collaboration, member=artist)
    assert Notification.objects.filter(recipient=artist, text__contains="leader").exists()
    services.leader_remove(actor=artist, collaboration=collaboration, member=leader)
    before = _snapshot()
    with pytest.raises(EnsembleError, match="at least one leader"):
        services.leader_remove(actor=artist, collaboration=collaboration, member=artist)
    assert _snapshot() == before
    assert list(collaboration.leaders.all()) == [artist]


# Submissions ---------------------------------------------------------------------------


def test_a_submission_pins_the_current_version_and_tells_the_leaders(
    leader: Any, artist: Any
) -> None:
    collaboration = _open(leader)
    poem = text_record(artist)
    [submission] = services.submission_create(
        member=artist, collaboration=collaboration, records=[poem]
    )
    assert submission.version_id == poem.current_version_id
    assert submission.state == SubmissionState.SUBMITTED
    assert submission.meets_requirements
    assert Notification.objects.filter(recipient=leader, kind="submission").count() == 1
    assert Activity.objects.filter(collaboration=collaboration, verb="submitted").exists()


def test_many_records_are_submitted_together_or_not_at_all(
    leader: Any, artist: Any, other_member: Any
) -> None:
    collaboration = _open(leader)
    mine = [text_record(artist, title=f"Poem {n}") for n in range(3)]
    theirs = text_record(other_member, title="Not yours")
    before = _snapshot()
    with pytest.raises(NotAllowed, match="only submit your own records"):
        services.submission_create(
            member=artist, collaboration=collaboration, records=[*mine, theirs]
        )
    assert _snapshot() == before
    made = services.submission_create(member=artist, collaboration=collaboration, records=mine)
    assert len(made) == 3
    assert Notification.objects.filter(recipient=leader, text__contains="3 records").exists()


@pytest.mark.parametrize("status", ["draft", "curating", "closed"])
def test_only_open_collaborations_take_submissions(leader: Any, artist: Any, status: str) -> None:
    collaboration = services.collaboration_create(leader=leader, title="In a City")
    for step in {"draft": [], "curating": ["open", "curating"], "closed": ["open", "closed"]}[
        status
    ]:
        services.collaboration_status_set(actor=leader, collaboration=collaboration, status=step)
    poem = text_record(artist)
    before = _snapshot()
    with pytest.raises(EnsembleError, match=status):
        services.submission_create(member=artist, collaboration=collaboration, records=[poem])
    assert _snapshot() == before


def test_no_submission_after_the_deadline(leader: Any, artist: Any) -> None:
    collaboration = _open(
        leader, deadline=timezone.now() + timedelta(hours=1), deadline_zone="Asia/Tokyo"
    )
    Collaboration.objects.filter(pk=collaboration.pk).update(
        deadline=timezone.now() - timedelta(seconds=1)
    )
    collaboration.refresh_from_db()
    poem = text_record(artist)
    with pytest.raises(EnsembleError, match=r"deadline passed .* \(Asia/Tokyo\)"):
        services.submission_create(member=artist, collaboration=collaboration, records=[poem])
    assert not Submission.objects.exists()


def test_unpublished_and_duplicate_and_unwanted_records_are_refused(
    leader: Any, artist: Any
) -> None:
    collaboration = _open(leader, kinds=["text", "audio"])
    poem = text_record(artist)
    hidden = text_record(artist, title="Draft")
    record_unpublish(record=hidden)
    with pytest.raises(EnsembleError, match="not published"):
        services.submission_create(member=artist, collaboration=collaboration, records=[hidden])
    services.submission_create(member=artist, collaboration=collaboration, records=[poem])
    with pytest.raises(Conflict, match="already submitted"):
        services.submission_create(member=artist, collaboration=collaboration, records=[poem])
    with pytest.raises(EnsembleError, match="listed twice"):
        services.submission_create(
            member=artist, collaboration=collaboration, records=[hidden, hidden]
        )
    video_only = _open(leader, kinds=["video"])
    with pytest.raises(EnsembleError, match="asks for video; “In a City” is text"):
        services.submission_create(member=artist, collaboration=video_only, records=[poem])
    assert Submission.objects.count() == 1


def test_strict_requirements_refuse_lo_fi_media_with_the_reason(
    leader: Any, artist: Any, upload: Callable[..., Any]
) -> None:
    collaboration = _open(leader, min_width=3840, min_height=2160, camera="Sony FX3")
    clip = _video(artist, upload)
    before = _snapshot()
    with pytest.raises(EnsembleError) as refused:
        services.submission_create(member=artist, collaboration=collaboration, records=[clip])
    message = refused.value.message
    assert "It is 160×90; the brief asks for at least 3840×2160." in message
    assert "the brief asks for footage from Sony FX3" in message
    assert _snapshot() == before


def test_a_lenient_brief_accepts_lo_fi_media_marked_off_spec(
    leader: Any, artist: Any, upload: Callable[..., Any]
) -> None:
    collaboration = _open(
        leader, min_width=3840, min_height=2160, max_duration=0.2, off_spec=OffSpec.MARK
    )
    clip = _video(artist, upload)
    [submission] = services.submission_create(
        member=artist, collaboration=collaboration, records=[clip]
    )
    assert not submission.meets_requirements
    assert submission.shortfalls == [
        "It is 160×90; the brief asks for at least 3840×2160.",
        "It lasts 0:01; the brief allows at most 0:00.",
    ]


def test_media_still_processing_cannot_be_checked_yet(
    leader: Any, artist: Any, upload: Callable[..., Any]
) -> None:
    collaboration = _open(leader, min_height=1080)
    clip = record_create_upload(author=artist, upload=upload("clip"), title="Fresh")
    with pytest.raises(Conflict, match="still being processed"):
        services.submission_create(member=artist, collaboration=collaboration, records=[clip])
    assert not Submission.objects.exists()


def test_requirements_that_are_met_leave_the_submission_official(
    leader: Any, artist: Any, upload: Callable[..., Any]
) -> None:
    # A 160×90 clip meets a 90×160 minimum: long side against long side.
    collaboration = _open(leader, min_width=90, min_height=160, orientation="landscape")
    clip = _video(artist, upload)
    [submission] = services.submission_create(
        member=artist, collaboration=collaboration, records=[clip]
    )
    assert submission.meets_requirements and submission.shortfalls == []


# Curation ------------------------------------------------------------------------------


def test_curation_keeps_every_decision_and_tells_the_artist(leader: Any, artist: Any) -> None:
    collaboration = _open(leader)
    [submission] = services.submission_create(
        member=artist, collaboration=collaboration, records=[text_record(artist)]
    )
    services.submission_decide(
        actor=leader, submission=submission, state="shortlisted", note="Love the night light."
    )
    services.submission_decide(actor=leader, submission=submission, state="selected")
    history = list(submission.decisions.values_list("from_state", "to_state", "note"))
    assert history == [
        ("submitted", "shortlisted", "Love the night light."),
        ("shortlisted", "selected", ""),
    ]
    texts = list(
        Notification.objects.filter(recipient=artist, kind="curation")
        .order_by("id")
        .values_list("text", flat=True)
    )
    assert texts == [
        "“In a City” shortlisted your record “In a City”: Love the night light.",
        "“In a City” selected your record “In a City”.",
    ]
    assert Activity.objects.filter(verb="selected", collaboration=collaboration).count() == 1


def test_curation_refusals_change_nothing(leader: Any, artist: Any) -> None:
    collaboration = _open(leader)
    [submission] = services.submission_create(
        member=artist, collaboration=collaboration, records=[text_record(artist)]
    )
    before = _snapshot()
    with pytest.raises(NotAllowed):
        services.submission_decide(actor=artist, submission=submission, state="selected")
    with pytest.raises(EnsembleError, match="not a curation state"):
        services.submission_decide(actor=leader, submission=submission, state="withdrawn")
    with pytest.raises(Conflict, match="already submitted"):
        services.submission_decide(actor=leader, submission=submission, state="submitted")
    with pytest.raises(EnsembleError, match="too long"):
        services.submission_decide(
            actor=leader, submission=submission, state="passed", note="x" * 2001
        )
    services.collaboration_status_set(actor=leader, collaboration=collaboration, status="closed")
    with pytest.raises(EnsembleError, match="closed"):
        services.submission_decide(actor=leader, submission=submission, state="selected")
    assert _snapshot() == before


def test_an_artist_withdraws_and_submits_again(leader: Any, artist: Any) -> None:
    collaboration = _open(leader)
    poem = text_record(artist)
    [submission] = services.submission_create(
        member=artist, collaboration=collaboration, records=[poem]
    )
    with pytest.raises(NotAllowed):
        services.submission_withdraw(member=leader, submission=submission)
    services.submission_withdraw(member=artist, submission=submission)
    with pytest.raises(EnsembleError, match="withdrew"):
        services.submission_decide(actor=leader, submission=submission, state="selected")
    [again] = services.submission_create(member=artist, collaboration=collaboration, records=[poem])
    assert again.pk == submission.pk and again.state == SubmissionState.SUBMITTED
    assert [d.to_state for d in again.decisions.all()] == ["withdrawn", "submitted"]


# Invitations ---------------------------------------------------------------------------


def test_invited_members_accept_and_their_submissions_carry_the_assignment(
    leader: Any, artist: Any, other_member: Any
) -> None:
    collaboration = _open(leader)
    assignment = services.assignment_create(
        actor=leader, collaboration=collaboration, title="4K cinematographers"
    )
    with pytest.raises(NotAllowed):
        services.invitations_send(actor=artist, assignment=assignment, members=[artist])
    [invitation, declined] = services.invitations_send(
        actor=leader,
        assignment=assignment,
        members=[artist, other_member],
        message="We are sending you a camera.",
    )
    assert Notification.objects.filter(recipient=artist, kind="invitation").exists()
    with pytest.raises(Conflict, match="Already invited: walker"):
        services.invitations_send(actor=leader, assignment=assignment, members=[artist])
    with pytest.raises(NotAllowed):
        services.invitation_answer(member=other_member, invitation=invitation, accept=True)
    services.invitation_answer(member=artist, invitation=invitation, accept=True)
    services.invitation_answer(member=other_member, invitation=declined, accept=False)
    with pytest.raises(Conflict, match="already accepted"):
        services.invitation_answer(member=artist, invitation=invitation, accept=False)
    [submission] = services.submission_create(
        member=artist, collaboration=collaboration, records=[text_record(artist)]
    )
    assert submission.assignment == assignment
    with pytest.raises(NotAllowed, match="only with an assignment you have accepted"):
        services.submission_create(
            member=other_member,
            collaboration=collaboration,
            records=[text_record(other_member)],
            assignment=assignment,
        )
