"""Collaboration pages over HTTP: who sees which page, what each form does, and every refusal
shown next to its field with the service's message while nothing changes (`snapshot()`)."""

import html
import re
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import png_bytes
from ensemble.collabs import services
from ensemble.collabs.models import (
    Assignment,
    Collaboration,
    Decision,
    Invitation,
    Leadership,
    OffSpec,
    Status,
    Submission,
    SubmissionState,
)
from ensemble.feedback.services import comment_add
from ensemble.records.services import record_unpublish
from tests.factories import text_record

pytestmark = pytest.mark.django_db

LEADERS_ONLY = "Only the collaboration's leaders can do that."
NO_COLLAB = "There is no such collaboration, or it is not open yet."


def client_for(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


def text_of(response: Any) -> str:
    """The page as a person reads it: entities decoded, tags and runs of blanks collapsed."""
    body = re.sub(r"<script\b.*?</script>", " ", response.content.decode(), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def shows(response: Any, status: int, *phrases: str) -> str:
    assert response.status_code == status, (response.status_code, text_of(response)[:800])
    text = text_of(response)
    for phrase in phrases:
        assert phrase in text, f"{phrase!r} is not on the page:\n{text[:3000]}"
    return text


def field_error(response: Any, message: str) -> None:
    """The message is shown as an error (next to a field or above the form)."""
    errors = [
        " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found)).split())
        for found in re.findall(
            r'<(?:p class="error"|div class="form-errors")[^>]*>(.*?)</(?:p|div)>',
            response.content.decode(),
            flags=re.S,
        )
    ]
    assert any(message in error for error in errors), (message, errors)


def snapshot() -> tuple[Any, ...]:
    return (
        list(Collaboration.objects.order_by("pk").values()),
        list(Submission.objects.order_by("pk").values("pk", "state", "version_id")),
        Decision.objects.count(),
        list(Leadership.objects.order_by("pk").values_list("collaboration_id", "member_id")),
        Assignment.objects.count(),
        list(Invitation.objects.order_by("pk").values_list("pk", "state")),
    )


def url(collaboration: Collaboration, tail: str = "") -> str:
    return f"/collaborations/{collaboration.pk}/{tail}"


def brief_form(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "title": "In a City",
        "brief": "Shoot what it is like **walking through your city**.",
        "kinds": ["video"],
        "resolution": "3840x2160",
        "min_width": "",
        "min_height": "",
        "camera": "",
        "max_duration": "",
        "orientation": "",
        "off_spec": "mark",
        "deadline": "2031-06-30T23:59",
        "deadline_zone": "Europe/Prague",
        "partner_name": "Lumen Cameras",
        "budget": "12000.50",
        "budget_currency": "EUR",
    }
    fields.update(changes)
    return fields


@pytest.fixture
def leader_client(leader: Any) -> Client:
    return client_for(leader)


@pytest.fixture
def artist_client(artist: Any) -> Client:
    return client_for(artist)


@pytest.fixture
def four_k(make_collaboration: Any) -> Collaboration:
    """Open, video only, at least 3840×2160, refusing what misses it."""
    return make_collaboration(
        title="Walking in 4K", kinds=["video"], min_width=3840, min_height=2160
    )


@pytest.fixture
def lofi_welcome(make_collaboration: Any) -> Collaboration:
    """Open, 4K wanted, but lo-fi is accepted, marked as off-spec; a deadline a few days away."""
    return make_collaboration(
        title="In a City",
        brief="Shoot what it is like *walking through your city*.",
        kinds=["video"],
        min_width=3840,
        min_height=2160,
        off_spec=OffSpec.MARK,
        deadline=timezone.now() + timedelta(days=3, hours=4, minutes=10),
        deadline_zone="Europe/Prague",
        partner_name="Lumen Cameras",
        budget="12000",
        budget_currency="EUR",
    )


# The list and the home page ------------------------------------------------------------


def test_the_list_shows_open_briefs_to_everyone_and_drafts_only_to_their_leaders(
    make_collaboration: Any, leader: Any, leader_client: Client, lofi_welcome: Collaboration
) -> None:
    make_collaboration(title="A secret draft", status=Status.DRAFT)
    make_collaboration(title="Finished film", status=Status.CLOSED)

    text = shows(
        Client().get("/collaborations/"),
        200,
        "In a City",
        "Open for submissions",
        "closes in 3 days 4 hours",
        "Led by Producer",
        "0 submissions",
        "EUR 12,000.00",
        "Finished film",
    )
    assert "A secret draft" not in text
    text = shows(Client().get("/collaborations/?status=closed"), 200, "Finished film")
    assert "In a City" not in text
    assert "Drafts" not in text  # the tab is for members

    shows(leader_client.get("/collaborations/?status=draft"), 200, "A secret draft", "Draft")
    # A status that does not exist shows everything the viewer may see.
    shows(leader_client.get("/collaborations/?status=nonsense"), 200, "A secret draft", "In a City")


def test_the_header_links_to_collaborations_and_home_shows_open_calls(
    make_collaboration: Any, lofi_welcome: Collaboration
) -> None:
    make_collaboration(title="Hidden draft", status=Status.DRAFT)
    response = Client().get("/")
    text = shows(response, 200, "Collaborations", "Open calls", "In a City", "closes in 3 days")
    assert 'href="/collaborations/"' in response.content.decode()
    assert "Hidden draft" not in text


# Starting and editing a collaboration --------------------------------------------------


def test_starting_a_collaboration_makes_a_draft_its_author_leads(
    member: Any, member_client: Client
) -> None:
    shows(member_client.get("/collaborations/new/"), 200, "Start a collaboration", "Time zone")
    form = brief_form(cover=SimpleUploadedFile("cover.png", png_bytes((320, 160))))
    response = member_client.post("/collaborations/new/", form)
    collaboration = Collaboration.objects.get()
    assert response.status_code == 302 and response["Location"] == url(collaboration)

    assert collaboration.status == Status.DRAFT
    assert list(collaboration.leaders.all()) == [member]
    assert collaboration.kinds == ["video"]
    assert (collaboration.min_width, collaboration.min_height) == (3840, 2160)
    assert collaboration.off_spec == OffSpec.MARK
    assert collaboration.deadline is not None
    local = collaboration.deadline.astimezone(ZoneInfo("Europe/Prague"))
    assert (local.year, local.month, local.day, local.hour, local.minute) == (2031, 6, 30, 23, 59)
    assert (collaboration.budget_amount, collaboration.budget_currency) == (1200050, "EUR")
    assert collaboration.cover.name.endswith(".webp")
    assert "<strong>walking through your city</strong>" in collaboration.brief_html

    page = member_client.get(url(collaboration))
    shows(
        page,
        200,
        "This brief is a draft",
        "walking through your city",
        "Video",
        "At least 3840×2160 pixels",
        "marked “does not meet the official requirements”",
        "30 June 2031, 23:59",
        "Europe/Prague",
        "EUR 12,000.50",
        "Lumen Cameras",
        "Open for submissions",  # the leader's status button
    )
    cover = re.search(r'class="collab-hero-image" src="([^"]+)"', page.content.decode())
    assert cover is not None
    image = member_client.get(html.unescape(cover[1]))
    assert image.status_code == 200 and image["Content-Type"] == "image/webp"
    assert Client().get(html.unescape(cover[1])).status_code == 404  # a draft's cover too


def test_starting_a_collaboration_needs_a_member(client: Client) -> None:
    response = client.get("/collaborations/new/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post("/collaborations/new/", brief_form()).status_code == 302
    assert not Collaboration.objects.exists()


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"title": "  "}, 400, "The title is required."),
        ({"budget": "12.345"}, 400, "EUR amounts have at most 2 decimal places"),
        ({"budget_currency": ""}, 400, "Give the budget's currency, such as EUR."),
        ({"deadline": "next tuesday"}, 400, "The deadline must be a date and time"),
        ({"resolution": "custom", "min_width": "wide"}, 400, "must be a whole number of pixels"),
        ({"max_duration": "-3"}, 400, "The maximum duration must be more than 0 seconds"),
        (
            {"cover": SimpleUploadedFile("cover.png", b"not a picture at all")},
            415,
            "",
        ),
    ],
)
def test_a_bad_brief_is_refused_next_to_its_field_and_nothing_is_made(
    member_client: Client, changes: dict[str, Any], status: int, message: str
) -> None:
    response = member_client.post("/collaborations/new/", brief_form(**changes))
    assert response.status_code == status, text_of(response)[:500]
    assert not Collaboration.objects.exists()
    assert not Leadership.objects.exists()
    if message:
        field_error(response, message)
    else:
        assert 'class="error"' in response.content.decode()
    # What was typed is still there.
    assert 'value="Lumen Cameras"' in response.content.decode()


def test_leaders_edit_the_brief_and_others_may_not(
    lofi_welcome: Collaboration, leader_client: Client, other_member: Any
) -> None:
    edit = url(lofi_welcome, "edit/")
    page = leader_client.get(edit)
    content = page.content.decode()
    shows(page, 200, "Edit the brief")
    assert re.search(r'value="3840x2160"[^>]*checked', content)
    assert 'value="12000.00"' in content
    assert '<option value="Europe/Prague" selected>' in content

    stranger = client_for(other_member)
    before = snapshot()
    shows(stranger.get(edit), 403, LEADERS_ONLY)
    shows(stranger.post(edit, brief_form(title="Mine now")), 403, LEADERS_ONLY)
    assert snapshot() == before

    response = leader_client.post(edit, brief_form(title="In a City, extended", resolution=""))
    assert response.status_code == 302
    lofi_welcome.refresh_from_db()
    assert lofi_welcome.title == "In a City, extended"
    assert (lofi_welcome.min_width, lofi_welcome.min_height) == (None, None)


def test_a_refused_edit_changes_nothing(lofi_welcome: Collaboration, leader_client: Client) -> None:
    before = snapshot()
    response = leader_client.post(
        url(lofi_welcome, "edit/"), brief_form(title="Renamed", max_duration="forever")
    )
    shows(response, 400)
    field_error(response, "The maximum duration must be seconds.")
    assert snapshot() == before


def test_a_draft_is_not_found_for_anyone_but_its_leaders(
    make_collaboration: Any, other_member: Any, leader_client: Client
) -> None:
    draft = make_collaboration(title="Not yet", status=Status.DRAFT)
    stranger = client_for(other_member)
    for path in ("", "edit/", "submit/", "curate/", "invitations/"):
        shows(stranger.get(url(draft, path)), 404, NO_COLLAB)
    shows(Client().get(url(draft)), 404, NO_COLLAB)
    shows(leader_client.get(url(draft)), 200, "Not yet")


# Status --------------------------------------------------------------------------------


def test_leaders_move_the_status_with_its_buttons(
    make_collaboration: Any, leader_client: Client, other_member: Any
) -> None:
    draft = make_collaboration(title="Soon", status=Status.DRAFT)
    response = leader_client.post(url(draft, "status/"), {"status": "open"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.OPEN
    shows(leader_client.get(url(draft)), 200, "Start curating", "Close", "now open for submissions")

    before = snapshot()
    response = client_for(other_member).post(url(draft, "status/"), {"status": "closed"})
    shows(response, 403, LEADERS_ONLY)
    assert snapshot() == before

    response = leader_client.post(url(draft, "status/"), {"status": "open"})
    shows(response, 409, "The collaboration is already open for submissions.")
    assert snapshot() == before


def test_opening_after_the_deadline_is_refused_on_the_page(
    make_collaboration: Any, leader_client: Client
) -> None:
    draft = make_collaboration(
        title="Late", status=Status.DRAFT, deadline=timezone.now() - timedelta(days=1)
    )
    before = snapshot()
    response = leader_client.post(url(draft, "status/"), {"status": "open"})
    shows(response, 400, "The deadline has passed: move it to a later time before opening.")
    assert snapshot() == before


# The collaboration page ----------------------------------------------------------------


def test_the_collaboration_page_shows_the_brief_deadline_and_gallery(
    lofi_welcome: Collaboration, artist: Any, processed_video: Any, member: Any
) -> None:
    clip = processed_video(artist, title="Cairo at dusk", city="Cairo")
    services.submission_create(member=artist, collaboration=lofi_welcome, records=[clip])
    hidden = processed_video(member, title="Taken back")
    services.submission_create(member=member, collaboration=lofi_welcome, records=[hidden])
    record_unpublish(record=hidden)

    response = Client().get(url(lofi_welcome))
    text = shows(
        response,
        200,
        "In a City",
        "Open for submissions",
        "walking through your city",
        "closes in 3 days 4 hours",
        "Europe/Prague",
        "At least 3840×2160 pixels",
        "EUR 12,000.00",
        "Lumen Cameras",
        "Leaders P Producer",
        "Submitted work 1",
        "Cairo at dusk",
        "Log in to submit your work",
        "Comments 0",
        "0 followers",
    )
    assert "Taken back" not in text
    assert "Curate" not in text and "Edit the brief" not in text
    assert "data-countdown" in response.content.decode()

    own = shows(client_for(artist).get(url(lofi_welcome)), 200, "Submit your work")
    assert "Your submissions “Cairo at dusk” Submitted" in own


def test_the_page_says_when_submissions_are_closed(
    make_collaboration: Any, artist_client: Client
) -> None:
    curating = make_collaboration(title="Sorting", status=Status.CURATING)
    text = shows(artist_client.get(url(curating)), 200, "closed while the leaders curate")
    assert "Submit your work" not in text


# Leaders -------------------------------------------------------------------------------


def test_leaders_add_and_remove_leaders_by_username(
    lofi_welcome: Collaboration, leader: Any, leader_client: Client, artist: Any
) -> None:
    response = leader_client.post(url(lofi_welcome, "leaders/"), {"username": "walker"})
    assert response.status_code == 302
    assert set(lofi_welcome.leaders.all()) == {leader, artist}
    shows(leader_client.get(url(lofi_welcome)), 200, "Walker Remove")

    response = leader_client.post(url(lofi_welcome, f"leaders/{artist.pk}/remove/"))
    assert response.status_code == 302
    assert list(lofi_welcome.leaders.all()) == [leader]


@pytest.mark.parametrize(
    ("username", "status", "message"),
    [
        ("", 400, "Give the username of the member to add."),
        ("nobody-here", 404, "No member is called “nobody-here”."),
        ("producer", 409, "Producer already leads this collaboration."),
    ],
)
def test_adding_a_leader_is_refused_next_to_the_field(
    lofi_welcome: Collaboration, leader_client: Client, username: str, status: int, message: str
) -> None:
    before = snapshot()
    response = leader_client.post(url(lofi_welcome, "leaders/"), {"username": username})
    shows(response, status)
    field_error(response, message)
    assert snapshot() == before


def test_only_leaders_change_leaders_and_the_last_one_stays(
    lofi_welcome: Collaboration, leader: Any, leader_client: Client, artist_client: Client
) -> None:
    before = snapshot()
    shows(artist_client.post(url(lofi_welcome, "leaders/"), {"username": "walker"}), 403)
    shows(artist_client.post(url(lofi_welcome, f"leaders/{leader.pk}/remove/")), 403, LEADERS_ONLY)
    response = leader_client.post(url(lofi_welcome, f"leaders/{leader.pk}/remove/"))
    shows(response, 400, "A collaboration needs at least one leader")
    field_error(response, "A collaboration needs at least one leader")
    assert snapshot() == before


# Submitting ----------------------------------------------------------------------------


def test_an_artist_submits_records_and_lands_on_my_submissions(
    lofi_welcome: Collaboration, artist: Any, artist_client: Client, processed_video: Any
) -> None:
    walk = processed_video(artist, title="Rio walk", city="Rio de Janeiro")
    night = processed_video(artist, title="Rio at night", key="portrait")
    text_record(artist, title="A poem")  # not video: not offered
    page = shows(
        artist_client.get(url(lofi_welcome, "submit/")),
        200,
        "Submit your work",
        "Rio walk",
        "Rio at night",
        "Accepted, marked “does not meet the official requirements”",
        "It is 320×240; the brief asks for at least 3840×2160.",
    )
    assert "A poem" not in page

    response = artist_client.post(url(lofi_welcome, "submit/"), {"records": [walk.pk, night.pk]})
    assert response.status_code == 302 and response["Location"] == "/collaborations/mine/"
    submissions = Submission.objects.filter(collaboration=lofi_welcome)
    assert {s.record_id for s in submissions} == {walk.pk, night.pk}
    assert all(not s.meets_requirements for s in submissions)

    shows(
        artist_client.get("/collaborations/mine/"),
        200,
        "You submitted 2 records to “In a City”",
        "Rio walk",
        "Rio at night",
        "to In a City",
        "Submitted",
        "Does not meet the official requirements",
    )
    # Submitted records are no longer offered.
    text = shows(artist_client.get(url(lofi_welcome, "submit/")), 200)
    assert "Rio walk" not in text


def _past_deadline(collaboration: Collaboration) -> Collaboration:
    """Time passes: the deadline of an open collaboration is now behind us."""
    Collaboration.objects.filter(pk=collaboration.pk).update(
        deadline=timezone.now() - timedelta(minutes=5)
    )
    collaboration.refresh_from_db()
    return collaboration


@pytest.mark.parametrize(
    ("situation", "status", "message"),
    [
        ("after the deadline", 400, "submissions are closed."),
        ("closed", 400, "This collaboration is closed: it no longer takes submissions."),
        ("curating", 400, "This collaboration is curating: it no longer takes submissions."),
        ("own draft", 400, "This collaboration is still a draft: it does not take submissions."),
        ("another's record", 403, "You can only submit your own records: “Their walk” is by"),
        ("another's unpublished", 404, "There is no such record, or it is not published."),
        ("unpublished", 400, "“My walk” is not published: publish it before submitting it."),
        ("strict requirements", 400, "“My walk” does not meet the brief's requirements"),
        ("nothing chosen", 400, "Choose at least one record to submit."),
        ("not a number", 400, "is not a record."),
        ("still processing", 409, "is still being processed"),
        ("twice", 409, "“My walk” is already submitted to this collaboration."),
    ],
)
def test_a_refused_submission_shows_the_reason_and_changes_nothing(
    situation: str,
    status: int,
    message: str,
    make_collaboration: Any,
    lofi_welcome: Collaboration,
    four_k: Collaboration,
    leader: Any,
    artist: Any,
    other_member: Any,
    processed_video: Any,
    unprocessed_video: Any,
) -> None:
    submitter, collaboration = artist, lofi_welcome
    # Most refusals come before the media is looked at: a text record stands in for footage.
    if situation in ("strict requirements", "twice"):
        mine = processed_video(artist, title="My walk")
    else:
        mine = text_record(artist, title="My walk")
    chosen: list[Any] = [mine.pk]
    if situation == "after the deadline":
        _past_deadline(collaboration)
    elif situation in ("closed", "curating"):
        services.collaboration_status_set(
            actor=leader, collaboration=collaboration, status=situation
        )
    elif situation == "own draft":
        submitter = leader
        collaboration = make_collaboration(title="Draft", status=Status.DRAFT)
        chosen = [text_record(leader, title="Leader walk").pk]
    elif situation in ("another's record", "another's unpublished"):
        theirs = text_record(other_member, title="Their walk")
        if situation == "another's unpublished":
            record_unpublish(record=theirs)
        chosen = [theirs.pk]
    elif situation == "unpublished":
        record_unpublish(record=mine)
    elif situation == "strict requirements":
        collaboration = four_k
    elif situation == "nothing chosen":
        chosen = []
    elif situation == "not a number":
        chosen = ["twelve"]
    elif situation == "still processing":
        chosen = [unprocessed_video(artist, title="Fresh walk").pk]
    elif situation == "twice":
        services.submission_create(member=artist, collaboration=collaboration, records=[mine])
    before = snapshot()
    response = client_for(submitter).post(url(collaboration, "submit/"), {"records": chosen})
    shows(response, status, "Submit your work")
    field_error(response, message)
    assert snapshot() == before


def test_a_non_leader_cannot_even_see_a_draft_to_submit_to_it(
    make_collaboration: Any, artist_client: Client, processed_video: Any, artist: Any
) -> None:
    draft = make_collaboration(title="Draft", status=Status.DRAFT)
    walk = processed_video(artist)
    shows(artist_client.post(url(draft, "submit/"), {"records": [walk.pk]}), 404, NO_COLLAB)
    assert not Submission.objects.exists()


# Curating ------------------------------------------------------------------------------


@pytest.fixture
def curated(
    lofi_welcome: Collaboration, artist: Any, member: Any, processed_video: Any
) -> dict[str, Any]:
    """Two artists' submissions to the lo-fi-welcome brief (both marked off-spec)."""
    cairo = processed_video(artist, title="Cairo walk", city="Cairo")
    sheffield = processed_video(member, title="Sheffield rain", city="Sheffield", key="sony")
    first = services.submission_create(member=artist, collaboration=lofi_welcome, records=[cairo])
    second = services.submission_create(
        member=member, collaboration=lofi_welcome, records=[sheffield]
    )
    return {"collaboration": lofi_welcome, "cairo": first[0], "sheffield": second[0]}


def test_the_board_shows_columns_cards_and_the_shortfalls(
    curated: dict[str, Any], leader_client: Client
) -> None:
    collaboration = curated["collaboration"]
    response = leader_client.get(url(collaboration, "curate/"))
    text = shows(
        response,
        200,
        "Curation board",
        "Submitted 2",
        "Shortlisted 0",
        "Selected 0",
        "Passed 0",
        "Cairo walk",
        "by Walker",
        "Cairo",
        "Sheffield rain",
        "Sony ILME-FX3",
        "320×240",
        "Does not meet the official requirements",
        "It is 320×240; the brief asks for at least 3840×2160.",
        "Shortlist Select Pass",
    )
    assert "Back to submitted" not in text
    content = response.content.decode()
    assert content.count('class="board-card') == 2
    assert 'hx-post="/collaborations/' in content and 'hx-target="#board"' in content
    assert "<video" in content  # each card plays


def test_the_board_filters_by_city_camera_resolution_kind_state_and_requirements(
    curated: dict[str, Any], leader_client: Client
) -> None:
    board = url(curated["collaboration"], "curate/")

    def titles(query: dict[str, str]) -> set[str]:
        response = leader_client.get(board, query)
        assert response.status_code == 200
        found = re.findall(r'class="board-title"><a [^>]*>([^<]+)</a>', response.content.decode())
        return {html.unescape(title) for title in found}

    assert titles({}) == {"Cairo walk", "Sheffield rain"}
    assert titles({"city": "cairo"}) == {"Cairo walk"}
    assert titles({"camera": "FX3"}) == {"Sheffield rain"}
    assert titles({"resolution": "2160"}) == set()
    assert titles({"kind": "video"}) == {"Cairo walk", "Sheffield rain"}
    assert titles({"kind": "text"}) == set()
    assert titles({"meets": "no"}) == {"Cairo walk", "Sheffield rain"}
    assert titles({"meets": "yes"}) == set()
    assert titles({"state": "shortlisted"}) == set()
    shows(leader_client.get(board, {"city": "Cairo"}), 200, "Submitted 1 of 2")


def test_moving_a_card_with_htmx_answers_with_the_board_alone(
    curated: dict[str, Any], leader_client: Client, artist: Any
) -> None:
    collaboration, cairo = curated["collaboration"], curated["cairo"]
    response = leader_client.post(
        url(collaboration, f"submissions/{cairo.pk}/decide/") + "?city=Cairo",
        {"state": "shortlisted", "note": "Love the dusk light."},
        headers={"HX-Request": "true"},
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<div class="board" id="board"')
    assert "<html" not in content and "site-header" not in content
    shows(response, 200, "Shortlisted 1 of 1", "Submitted 0 of 1", "Back to submitted")
    assert "?city=Cairo" in content  # the next move keeps the filter
    cairo.refresh_from_db()
    assert cairo.state == SubmissionState.SHORTLISTED
    decision = cairo.decisions.get()
    assert (decision.from_state, decision.to_state) == ("submitted", "shortlisted")
    assert decision.note == "Love the dusk light."


def test_moving_a_card_without_script_redirects_back_to_the_board(
    curated: dict[str, Any], leader_client: Client
) -> None:
    collaboration, cairo = curated["collaboration"], curated["cairo"]
    response = leader_client.post(
        url(collaboration, f"submissions/{cairo.pk}/decide/") + "?meets=no",
        {"state": "selected", "note": ""},
    )
    assert response.status_code == 302
    assert response["Location"] == url(collaboration, f"curate/?meets=no#card-{cairo.pk}")
    cairo.refresh_from_db()
    assert cairo.state == SubmissionState.SELECTED


def test_a_refused_move_is_shown_on_its_card(
    curated: dict[str, Any], leader: Any, leader_client: Client
) -> None:
    collaboration, cairo = curated["collaboration"], curated["cairo"]
    before = snapshot()
    decide = url(collaboration, f"submissions/{cairo.pk}/decide/")
    response = leader_client.post(decide, {"state": "submitted"}, headers={"HX-Request": "true"})
    assert response.status_code == 409
    assert response.content.decode().lstrip().startswith('<div class="board"')
    field_error(response, "This submission is already submitted.")

    response = leader_client.post(decide, {"state": "famous"}, headers={"HX-Request": "true"})
    shows(response, 400)
    field_error(response, "Choose where the submission goes")

    services.collaboration_status_set(actor=leader, collaboration=collaboration, status="closed")
    before = snapshot()
    response = leader_client.post(decide, {"state": "selected"})
    shows(response, 400, "Curation board")
    field_error(response, "This collaboration is closed: move it to curating to change decisions.")
    assert snapshot() == before


def test_only_leaders_curate(
    curated: dict[str, Any], artist_client: Client, other_member: Any
) -> None:
    collaboration, cairo = curated["collaboration"], curated["cairo"]
    before = snapshot()
    shows(artist_client.get(url(collaboration, "curate/")), 403, LEADERS_ONLY)
    decide = url(collaboration, f"submissions/{cairo.pk}/decide/")
    # The artist sees the submission but may not move it; a stranger does not even see it.
    shows(
        artist_client.post(decide, {"state": "selected"}), 403, "Only the collaboration's leaders"
    )
    shows(client_for(other_member).post(decide, {"state": "selected"}), 404)
    response = artist_client.post(decide, {"state": "selected"}, headers={"HX-Request": "true"})
    assert response.status_code == 403 and "leaders" in response.json()["detail"]
    anonymous = Client().get(url(collaboration, "curate/"))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert snapshot() == before


def test_the_board_costs_the_same_queries_for_many_submissions(
    make_collaboration: Any,
    leader: Any,
    leader_client: Client,
    make_member: Any,
    processed_video: Any,
    django_assert_max_num_queries: Any,
) -> None:
    open_call = make_collaboration(title="Anything goes")
    board = url(open_call, "curate/")
    states = ["submitted", "shortlisted", "selected", "passed"]

    def add(count: int, start: int, *, footage: bool = False) -> None:
        for n in range(start, start + count):
            artist = make_member(username=f"walker{n}")
            if footage:
                record = processed_video(artist, title=f"Walk {n}", city=f"City {n % 5}")
            else:
                record = text_record(artist, title=f"Poem {n}", city=f"City {n % 5}")
            submission = services.submission_create(
                member=artist, collaboration=open_call, records=[record]
            )[0]
            if states[n % 4] != "submitted":
                services.submission_decide(
                    actor=leader, submission=submission, state=states[n % 4], note=f"Note {n}"
                )

    add(2, 0, footage=True)
    add(2, 2)
    with CaptureQueriesContext(connection) as few:
        assert leader_client.get(board).status_code == 200
    add(2, 4, footage=True)
    add(30, 6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = leader_client.get(board)
    assert response.content.decode().count('class="board-card') == 36
    with django_assert_max_num_queries(len(few.captured_queries)):
        leader_client.get(board, {"city": "City 1", "kind": "text"})


# A submission --------------------------------------------------------------------------


def test_the_artist_and_the_leaders_see_a_submission_and_its_history(
    curated: dict[str, Any], leader: Any, artist_client: Client, leader_client: Client, member: Any
) -> None:
    collaboration, cairo = curated["collaboration"], curated["cairo"]
    services.submission_decide(
        actor=leader, submission=cairo, state="shortlisted", note="Keep the traffic noise."
    )
    page = url(collaboration, f"submissions/{cairo.pk}/")
    response = artist_client.get(page)
    text = shows(
        response,
        200,
        "Shortlisted",
        "Cairo walk",
        "Walker submitted it",
        "Producer Submitted → Shortlisted",
        "Keep the traffic noise.",
        "Does not meet the official requirements",
        "Withdraw this submission",
        "Comments 0",
    )
    assert "Decide" not in text
    content = response.content.decode()
    assert 'class="player"' in content and "data-player" in content

    text = shows(leader_client.get(page), 200, "Decide", "Select", "Pass", "Back to submitted")
    assert "Withdraw this submission" not in text

    shows(client_for(member).get(page), 404, "There is no such submission")
    other = curated["sheffield"]
    shows(artist_client.get(url(collaboration, f"submissions/{other.pk}/")), 404)
    assert Client().get(page).status_code == 302


def test_leaders_decide_from_the_submission_page(
    curated: dict[str, Any], leader_client: Client
) -> None:
    collaboration, cairo = curated["collaboration"], curated["cairo"]
    page = url(collaboration, f"submissions/{cairo.pk}/")
    decide = url(collaboration, f"submissions/{cairo.pk}/decide/")
    response = leader_client.post(
        decide, {"state": "selected", "note": "Opens the film.", "from": "submission"}
    )
    assert response.status_code == 302 and response["Location"] == page
    shows(leader_client.get(page), 200, "Selected", "Opens the film.", "Moved to selected.")

    before = snapshot()
    long_note = "x" * 2001
    response = leader_client.post(
        decide, {"state": "passed", "note": long_note, "from": "submission"}
    )
    shows(response, 400, "Decide")
    field_error(response, "The note is too long")
    assert snapshot() == before


def test_the_artist_withdraws_until_a_decision_is_final(
    curated: dict[str, Any], leader: Any, artist_client: Client, leader_client: Client
) -> None:
    collaboration, cairo, sheffield = (
        curated["collaboration"],
        curated["cairo"],
        curated["sheffield"],
    )
    withdraw = url(collaboration, f"submissions/{cairo.pk}/withdraw/")

    before = snapshot()
    shows(leader_client.post(withdraw), 403, "Only the artist who submitted it")
    assert snapshot() == before

    response = artist_client.post(withdraw)
    assert response.status_code == 302 and response["Location"] == "/collaborations/mine/"
    cairo.refresh_from_db()
    assert cairo.state == SubmissionState.WITHDRAWN

    services.submission_decide(actor=leader, submission=sheffield, state="selected")
    before = snapshot()
    response = client_for(sheffield.member).post(
        url(collaboration, f"submissions/{sheffield.pk}/withdraw/")
    )
    shows(response, 400, "This submission is selected; it can no longer be withdrawn.")
    assert snapshot() == before


def test_my_submissions_shows_each_state_and_the_latest_note(
    curated: dict[str, Any], leader: Any, artist_client: Client, client: Client
) -> None:
    cairo = curated["cairo"]
    services.submission_decide(actor=leader, submission=cairo, state="shortlisted", note="Nice.")
    services.submission_decide(
        actor=leader, submission=cairo, state="selected", note="It opens the official cut."
    )
    text = shows(
        artist_client.get("/collaborations/mine/"),
        200,
        "Cairo walk",
        "Selected",
        "to In a City",
        "“It opens the official cut.” — Producer",
    )
    assert "Sheffield rain" not in text and "Nice." not in text
    assert client.get("/collaborations/mine/").status_code == 302


def test_comments_and_the_follow_button_are_on_the_pages(
    curated: dict[str, Any], artist: Any, artist_client: Client
) -> None:
    collaboration, cairo = curated["collaboration"], curated["cairo"]
    comment_add(author=artist, target=cairo, body="The second half is steadier.", timecode=0.5)
    text = shows(
        artist_client.get(url(collaboration, f"submissions/{cairo.pk}/")),
        200,
        "Comments 1",
        "The second half is steadier.",
        "At the current time",
    )
    assert "Comment at 0:00.5 by Walker" in text  # its marker on the seek bar
    content = artist_client.get(url(collaboration)).content.decode()
    assert f"/feedback/collaborations/{collaboration.pk}/follow/" in content
    assert 'id="comments"' in content


# Assignments and invitations -----------------------------------------------------------


def test_leaders_make_assignments_and_invite_members_who_answer(
    lofi_welcome: Collaboration, leader_client: Client, artist: Any, artist_client: Client
) -> None:
    page = url(lofi_welcome, "invitations/")
    shows(leader_client.get(page), 200, "Assignments and invitations", "No assignments yet.")
    response = leader_client.post(
        url(lofi_welcome, "assignments/"),
        {"title": "4K cinematographers", "description": "We send you a camera."},
    )
    assert response.status_code == 302 and response["Location"] == page
    assignment = Assignment.objects.get()

    response = leader_client.post(
        url(lofi_welcome, "invitations/send/"),
        {"assignment": assignment.pk, "members": "@Walker", "message": "Your Cairo footage!"},
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.member == artist
    shows(leader_client.get(page), 200, "4K cinematographers", "Walker Waiting for an answer")

    shows(
        artist_client.get("/collaborations/invitations/"),
        200,
        "4K cinematographers",
        "in In a City",
        "Your Cairo footage!",
        "Accept",
        "Decline",
    )
    # The notification's link (the collaboration's invitations) works for the invitee too.
    shows(artist_client.get(page), 200, "Your invitations here", "4K cinematographers")

    response = artist_client.post(
        f"/collaborations/invitations/{invitation.pk}/answer/",
        {"answer": "accept", "from": "collaboration"},
    )
    assert response.status_code == 302 and response["Location"] == page
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.ACCEPTED
    shows(leader_client.get(page), 200, "Walker Accepted")

    before = snapshot()
    response = artist_client.post(
        f"/collaborations/invitations/{invitation.pk}/answer/", {"answer": "decline"}
    )
    shows(response, 409, "You have already accepted this invitation.")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("members", "status", "message"),
    [
        ("", 400, "Give the usernames of the members to invite."),
        ("walker, ghost", 400, "No member is called “ghost”."),
        ("walker", 409, "Already invited: walker."),
    ],
)
def test_a_refused_invitation_is_shown_next_to_the_field(
    lofi_welcome: Collaboration,
    leader: Any,
    leader_client: Client,
    artist: Any,
    members: str,
    status: int,
    message: str,
) -> None:
    assignment = services.assignment_create(
        actor=leader, collaboration=lofi_welcome, title="Night shoots"
    )
    services.invitations_send(actor=leader, assignment=assignment, members=[artist])
    before = snapshot()
    response = leader_client.post(
        url(lofi_welcome, "invitations/send/"),
        {"assignment": assignment.pk, "members": members, "message": "Join us"},
    )
    shows(response, status, "Night shoots")
    field_error(response, message)
    assert 'value="Join us"' in response.content.decode() or "Join us</textarea>" in (
        response.content.decode()
    )
    assert snapshot() == before


def test_only_leaders_make_assignments_and_invite(
    lofi_welcome: Collaboration, leader: Any, artist_client: Client, other_member: Any
) -> None:
    assignment = services.assignment_create(
        actor=leader, collaboration=lofi_welcome, title="Night shoots"
    )
    before = snapshot()
    shows(artist_client.get(url(lofi_welcome, "invitations/")), 403, "Only the collaboration's")
    shows(artist_client.post(url(lofi_welcome, "assignments/"), {"title": "Mine"}), 403)
    response = artist_client.post(
        url(lofi_welcome, "invitations/send/"),
        {"assignment": assignment.pk, "members": "stranger"},
    )
    shows(response, 403, LEADERS_ONLY)
    assert snapshot() == before


def test_an_assignment_needs_a_title(lofi_welcome: Collaboration, leader_client: Client) -> None:
    before = snapshot()
    response = leader_client.post(url(lofi_welcome, "assignments/"), {"title": " "})
    shows(response, 400, "New assignment")
    field_error(response, "The title is required.")
    assert snapshot() == before


def test_nobody_answers_an_invitation_that_is_not_theirs(
    lofi_welcome: Collaboration, leader: Any, artist: Any, other_member: Any
) -> None:
    assignment = services.assignment_create(
        actor=leader, collaboration=lofi_welcome, title="Night shoots"
    )
    invitation = services.invitations_send(actor=leader, assignment=assignment, members=[artist])[0]
    before = snapshot()
    response = client_for(other_member).post(
        f"/collaborations/invitations/{invitation.pk}/answer/", {"answer": "accept"}
    )
    shows(response, 404, "There is no such invitation, or it is not yours.")
    shows(client_for(other_member).get("/collaborations/invitations/"), 200, "No invitations yet.")
    assert snapshot() == before


def test_leaders_replace_and_remove_the_cover_and_the_partner_logo(
    lofi_welcome: Collaboration, leader_client: Client
) -> None:
    edit = url(lofi_welcome, "edit/")
    response = leader_client.post(
        edit,
        brief_form(
            cover=SimpleUploadedFile("cover.png", png_bytes((400, 200))),
            partner_logo=SimpleUploadedFile("logo.png", png_bytes((64, 64))),
        ),
    )
    assert response.status_code == 302
    lofi_welcome.refresh_from_db()
    assert lofi_welcome.cover and lofi_welcome.partner_logo
    page = Client().get(url(lofi_welcome)).content.decode()
    logo = re.search(r'class="partner-logo" src="([^"]+)"', page)
    assert logo is not None
    assert Client().get(html.unescape(logo[1]))["Content-Type"] == "image/webp"

    shows(leader_client.get(edit), 200, "Remove the cover", "Remove the partner logo")
    response = leader_client.post(edit, brief_form(remove_cover="on"))
    assert response.status_code == 302
    lofi_welcome.refresh_from_db()
    assert not lofi_welcome.cover and lofi_welcome.partner_logo
    assert Client().get(url(lofi_welcome, "cover")).status_code == 404
