"""Collaborations through the HTTP API: briefs, leaders, submissions, curation, assignments.

Every refusal is JSON {"detail": "<a readable message>"} with a 4xx status, and leaves the
database exactly as it was (`snapshot()` before and after).
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.utils import timezone

from conftest import png_bytes
from ensemble.accounts.services import api_token_create
from ensemble.collabs import services
from ensemble.collabs.models import (
    Assignment,
    Collaboration,
    Decision,
    Invitation,
    Leadership,
    Submission,
)
from ensemble.feedback.models import Activity
from ensemble.notifications.models import Notification
from ensemble.records.services import record_unpublish
from tests.factories import text_record

pytestmark = pytest.mark.django_db

API = "/api/v1"
LOG_IN = "Log in, or send an API token as “Authorization: Bearer <token>”."
LEADERS_ONLY = "Only the collaboration's leaders can do that."
NO_COLLAB = "There is no such collaboration, or it is not open yet."
NO_SUBMISSION = "There is no such submission, or it is not yours to see."
TOO_SMALL = "It is 320×240; the brief asks for at least 3840×2160."


def token_client(person: Any) -> Client:
    issued = api_token_create(member=person, name="tests")
    return Client(headers={"Authorization": f"Bearer {issued.secret}"})


def refused(response: Any, status: int, message: str | None = None) -> dict[str, Any]:
    """A JSON error with this status and a message (containing `message`, when given)."""
    assert response.status_code == status, response.content[:600]
    assert response["Content-Type"].startswith("application/json"), response.content[:300]
    body: dict[str, Any] = response.json()
    assert isinstance(body.get("detail"), str) and len(body["detail"].strip()) > 10, body
    if message is not None:
        assert message in body["detail"], body
    return body


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content[:600]
    return response.json()


def send(client: Client, method: str, path: str, data: Any = None) -> Any:
    """A JSON request (bytes are sent as they are, for malformed bodies)."""
    call = getattr(client, method)
    if data is None:
        return call(f"{API}{path}")
    return call(f"{API}{path}", data=data, content_type="application/json")


def snapshot() -> dict[str, Any]:
    """Every row the collaboration endpoints write, and what they announce."""
    return {
        "collaborations": list(Collaboration.objects.order_by("pk").values()),
        "leaderships": list(Leadership.objects.order_by("pk").values()),
        "submissions": list(Submission.objects.order_by("pk").values()),
        "decisions": list(Decision.objects.order_by("pk").values()),
        "assignments": list(Assignment.objects.order_by("pk").values()),
        "invitations": list(Invitation.objects.order_by("pk").values()),
        "notifications": Notification.objects.count(),
        "activities": Activity.objects.count(),
    }


@pytest.fixture
def lead(leader: Any) -> Client:
    return token_client(leader)


@pytest.fixture
def walker(artist: Any) -> Client:
    return token_client(artist)


def submit(client: Client, collaboration: Collaboration, *records: Any, **extra: Any) -> Any:
    body = {"record_ids": [r.pk for r in records], **extra}
    return send(client, "post", f"/collaborations/{collaboration.pk}/submissions", body)


# Creating and reading collaborations ------------------------------------------------------


def test_a_member_starts_a_collaboration_as_its_draft_leader(lead, leader):
    body = ok(
        send(
            lead,
            "post",
            "/collaborations",
            {
                "title": "Night trains",
                "brief": "Shoot **trains** <script>alert(1)</script>",
                "kinds": ["video"],
                "min_width": 3840,
                "min_height": 2160,
                "camera": "Sony",
                "max_duration": 30,
                "orientation": "landscape",
                "off_spec": "mark",
                "deadline": "2030-06-30T23:59",
                "deadline_zone": "Europe/Prague",
                "partner_name": "Nachtzug Records",
                "budget": "2500.00",
                "budget_currency": "eur",
            },
        ),
        201,
    )
    collaboration = Collaboration.objects.get()
    assert body["id"] == collaboration.pk
    assert (body["status"], body["status_label"]) == ("draft", "Draft")
    assert body["url"] == f"/collaborations/{collaboration.pk}/"
    assert body["leaders"] == [{"username": "producer", "name": "Producer", "url": "/@producer/"}]
    assert body["created_by"]["username"] == "producer"
    assert body["you_lead"] is True
    assert "<strong>trains</strong>" in body["brief_html"] and "<script" not in body["brief_html"]
    # A wall-clock deadline is that time in its zone (CEST, UTC+2), and is shown there.
    assert body["deadline"] == "2030-06-30T23:59:00+02:00"
    assert body["deadline_zone"] == "Europe/Prague"
    assert collaboration.deadline is not None
    assert collaboration.deadline.isoformat() == "2030-06-30T21:59:00+00:00"
    assert body["budget"] == {
        "amount_minor": 250000,
        "amount": "2500.00",
        "currency": "EUR",
        "label": "EUR 2,500.00",
    }
    assert body["requirements"] == {
        "kinds": ["video"],
        "min_width": 3840,
        "min_height": 2160,
        "camera": "Sony",
        "max_duration": 30.0,
        "orientation": "landscape",
        "off_spec": "mark",
        "off_spec_label": "Accept it, marked “does not meet the official requirements”",
        "labels": [
            "at least 3840×2160 pixels",
            "shot on Sony",
            "landscape orientation",
            "at most 0:30 long",
        ],
    }
    assert body["submission_counts"] == {
        "submitted": 0,
        "shortlisted": 0,
        "selected": 0,
        "passed": 0,
        "withdrawn": 0,
    }
    assert (body["cover_url"], body["partner_logo_url"]) == (None, None)
    assert (body["accepts_submissions"], body["deadline_passed"]) == (False, False)
    assert list(collaboration.leaders.all()) == [leader]


def test_a_deadline_with_an_offset_is_kept_as_that_instant_and_shown_in_its_zone(lead):
    body = ok(
        send(
            lead,
            "post",
            "/collaborations",
            {
                "title": "Winter",
                "deadline": "2030-01-15T12:00:00Z",
                "deadline_zone": "America/New_York",
            },
        ),
        201,
    )
    assert body["deadline"] == "2030-01-15T07:00:00-05:00"
    assert body["budget"] is None
    assert body["requirements"]["labels"] == []


def test_a_minimal_collaboration_needs_only_a_title(lead):
    body = ok(send(lead, "post", "/collaborations", {"title": "Anything goes"}), 201)
    assert (body["deadline"], body["deadline_zone"], body["budget"]) == (None, "UTC", None)
    assert body["requirements"]["off_spec"] == "refuse"


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"title": "T", "budget": "5", "budget_currency": "XYZ"}, 400, "“XYZ” is not a currency"),
        (
            {"title": "T", "budget": "10.001", "budget_currency": "EUR"},
            400,
            "EUR amounts have at most 2 decimal places: “10.001” has more.",
        ),
        (
            {"title": "T", "budget": "10.5", "budget_currency": "JPY"},
            400,
            "JPY amounts have whole units",
        ),
        ({"title": "T", "budget": "-5", "budget_currency": "EUR"}, 400, "cannot be negative"),
        ({"title": "T", "budget": "lots", "budget_currency": "EUR"}, 400, "not an amount"),
        ({"title": "T", "budget": "100"}, 400, "Give the budget's currency, such as EUR."),
        ({"title": "T", "budget": 2500, "budget_currency": "EUR"}, 422, "budget: Input should"),
        ({"title": "T", "deadline_zone": "Mars/Olympus"}, 400, "“Mars/Olympus” is not a time zone"),
        ({"title": "T", "deadline_zone": "../../etc/passwd"}, 400, "is not a time zone"),
        ({"title": "T", "deadline": "next tuesday"}, 400, "such as 2026-06-30T23:59"),
        ({"title": "T", "deadline": "1999-12-31T10:00"}, 400, "between 2000 and 2200"),
        ({"title": "T", "kinds": ["hologram"]}, 400, "“hologram” is not a kind of record"),
        ({"title": "T", "kinds": "video"}, 422, "kinds: Input should be a valid list"),
        ({"title": "T", "min_width": 0}, 400, "The minimum width must be between 1 and"),
        ({"title": "T", "min_height": "tall"}, 422, "min_height: Input should be a valid"),
        ({"title": "T", "max_duration": -3}, 400, "more than 0 seconds"),
        ({"title": "T", "orientation": "diagonal"}, 400, "“diagonal” is not a valid orientation"),
        ({"title": "T", "off_spec": "maybe"}, 400, "“maybe” is not a valid choice"),
        ({"title": "   "}, 400, "The title is required."),
        ({"title": "a\x00b"}, 400, "contains a NUL character"),
        ({"title": "x" * 201}, 400, "too long"),
        ({"brief": "no title"}, 422, "title: Field required"),
        ({"title": "T", "colour": "red"}, 422, "colour: Extra inputs are not permitted"),
        ({"title": "T", "status": "open"}, 422, "status: Extra inputs are not permitted"),
        (b"{not json", 400, "The request body is not valid JSON"),
        (b"[1, 2]", 422, "Input should be"),
        (b"", 422, "request body: Field required"),
    ],
    ids=lambda value: repr(value)[:50],
)
def test_a_bad_collaboration_is_refused_and_nothing_is_stored(lead, body, status, message):
    refused(send(lead, "post", "/collaborations", body), status, message)
    assert not Collaboration.objects.exists()
    assert not Leadership.objects.exists()


def test_drafts_are_seen_only_by_their_leaders_and_staff(
    make_collaboration, leader, other_member, staff_member, lead
):
    draft = make_collaboration(title="Secret", status="draft")
    shown = make_collaboration(title="Shown")
    for client in (Client(), token_client(other_member)):
        refused(client.get(f"{API}/collaborations/{draft.pk}"), 404, NO_COLLAB)
        items = client.get(f"{API}/collaborations").json()["items"]
        assert [c["id"] for c in items] == [shown.pk]
        refused(client.get(f"{API}/collaborations/{draft.pk}/submissions"), 404, NO_COLLAB)
        refused(client.get(f"{API}/collaborations/{draft.pk}/leaders"), 404, NO_COLLAB)
    for client in (lead, token_client(staff_member)):
        assert ok(client.get(f"{API}/collaborations/{draft.pk}"))["title"] == "Secret"
        items = client.get(f"{API}/collaborations").json()["items"]
        assert [c["id"] for c in items] == [shown.pk, draft.pk]
    staff_view = ok(token_client(staff_member).get(f"{API}/collaborations/{draft.pk}"))
    assert staff_view["you_lead"] is False and staff_view["submission_counts"] is None


def test_everyone_reads_an_open_brief_but_only_leaders_see_the_counts(
    make_collaboration, artist, processed_video, lead
):
    collaboration = make_collaboration(budget="99.5", budget_currency="USD")
    services.submission_create(
        member=artist, collaboration=collaboration, records=[processed_video(artist)]
    )
    public = ok(Client().get(f"{API}/collaborations/{collaboration.pk}"))
    assert public["you_lead"] is False and public["submission_counts"] is None
    assert public["status_label"] == "Open for submissions"
    assert public["accepts_submissions"] is True
    assert public["budget"]["label"] == "USD 99.50"
    counts = ok(lead.get(f"{API}/collaborations/{collaboration.pk}"))["submission_counts"]
    assert counts["submitted"] == 1


def test_the_list_filters_by_status_and_pages_with_a_cursor(make_collaboration, leader):
    made = [make_collaboration(title=f"Open {i}") for i in range(3)]
    closed = make_collaboration(title="Done", status="closed")
    client = Client()
    first = ok(client.get(f"{API}/collaborations", {"status": "open", "limit": "2"}))
    assert [c["id"] for c in first["items"]] == [made[2].pk, made[1].pk]
    assert first["items"][0]["leaders"][0]["username"] == "producer"
    assert first["items"][0]["submission_count"] == 0
    query: dict[str, Any] = {"status": "open", "limit": 2, "cursor": first["next_cursor"]}
    rest = ok(client.get(f"{API}/collaborations", query))
    assert [c["id"] for c in rest["items"]] == [made[0].pk]
    assert rest["next_cursor"] is None
    everything = ok(client.get(f"{API}/collaborations"))["items"]
    assert [c["id"] for c in everything] == [closed.pk, *(c.pk for c in reversed(made))]
    refused(client.get(f"{API}/collaborations", {"status": "finished"}), 422, "status: Input")
    refused(client.get(f"{API}/collaborations", {"cursor": "garbage"}), 400, "page cursor")


def test_unknown_and_malformed_ids_are_refused(lead):
    refused(lead.get(f"{API}/collaborations/999999"), 404, NO_COLLAB)
    refused(lead.get(f"{API}/collaborations/{2**70}"), 404, NO_COLLAB)
    refused(lead.get(f"{API}/collaborations/abc"), 422, "collaboration_id: Input should be")
    refused(lead.get(f"{API}/submissions/999999"), 404, NO_SUBMISSION)
    refused(send(lead, "post", "/invitations/999999/accept"), 404, "There is no such invitation")
    refused(
        send(lead, "post", "/assignments/999999/invitations", {"usernames": ["walker"]}),
        404,
        "There is no such assignment.",
    )


# Editing ----------------------------------------------------------------------------------


def test_leaders_edit_only_the_fields_they_send_and_null_clears(make_collaboration, lead):
    collaboration = make_collaboration(
        brief="Old brief",
        deadline="2030-06-30T23:59",
        deadline_zone="Europe/Prague",
        budget="100",
        budget_currency="EUR",
        min_width=1920,
    )
    body = ok(
        send(
            lead,
            "patch",
            f"/collaborations/{collaboration.pk}",
            {"title": "New title", "budget": "150.25", "min_width": None},
        )
    )
    assert (body["title"], body["brief"]) == ("New title", "Old brief")
    assert body["budget"]["amount_minor"] == 15025
    assert body["requirements"]["min_width"] is None
    assert body["deadline"] == "2030-06-30T23:59:00+02:00"
    body = ok(
        send(
            lead,
            "patch",
            f"/collaborations/{collaboration.pk}",
            {"deadline": None, "budget": None},
        )
    )
    assert (body["deadline"], body["budget"]) == (None, None)
    collaboration.refresh_from_db()
    assert (collaboration.deadline, collaboration.budget_amount) == (None, None)
    assert collaboration.budget_currency == ""


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"budget": "10.001"}, 400, "EUR amounts have at most 2 decimal places"),
        ({"budget": "-1"}, 400, "An amount cannot be negative."),
        ({"budget_currency": "DOGE"}, 400, "“DOGE” is not a currency"),
        ({"deadline_zone": "Europe/Atlantis"}, 400, "is not a time zone"),
        ({"title": None}, 400, "The title is required."),
        ({"title": ""}, 400, "The title is required."),
        ({"orientation": "sideways"}, 400, "not a valid orientation"),
        ({"deadine": "2030-01-01T00:00"}, 422, "deadine: Extra inputs are not permitted"),
        ({"status": "closed"}, 422, "status: Extra inputs are not permitted"),
        (b'{"title": ', 400, "The request body is not valid JSON"),
    ],
    ids=lambda value: repr(value)[:40],
)
def test_bad_edits_are_refused_and_nothing_changes(make_collaboration, lead, body, status, message):
    collaboration = make_collaboration(budget="100", budget_currency="EUR")
    before = snapshot()
    refused(send(lead, "patch", f"/collaborations/{collaboration.pk}", body), status, message)
    assert snapshot() == before


def test_changing_only_the_currency_keeps_the_amount_as_written(make_collaboration, lead):
    collaboration = make_collaboration(budget="2500.00", budget_currency="EUR")
    path = f"/collaborations/{collaboration.pk}"
    body = ok(send(lead, "patch", path, {"budget_currency": "JPY"}))
    assert body["budget"] == {
        "amount_minor": 2500,
        "amount": "2500",
        "currency": "JPY",
        "label": "JPY 2,500",
    }
    body = ok(send(lead, "patch", path, {"budget_currency": "KWD"}))
    assert (body["budget"]["amount_minor"], body["budget"]["label"]) == (2500000, "KWD 2,500.000")
    priced = make_collaboration(title="Priced", budget="99.50", budget_currency="EUR")
    before = snapshot()
    response = send(lead, "patch", f"/collaborations/{priced.pk}", {"budget_currency": "JPY"})
    assert refused(response, 400, "JPY amounts have whole units")["field"] == "budget"
    assert snapshot() == before


def test_an_edit_does_not_write_back_a_status_changed_since_it_was_loaded(
    make_collaboration, leader
):
    """Two leaders at once: one edits the brief from a copy loaded before the other closed
    the collaboration. The edit must not reopen it (nor drop a cover set meanwhile)."""
    collaboration = make_collaboration()
    stale = Collaboration.objects.get(pk=collaboration.pk)
    services.collaboration_status_set(actor=leader, collaboration=collaboration, status="closed")
    services.collaboration_image_set(
        actor=leader,
        collaboration=collaboration,
        which="cover",
        upload=SimpleUploadedFile("c.png", png_bytes()),
    )
    services.collaboration_update(actor=leader, collaboration=stale, changes={"brief": "New"})
    services.collaboration_image_set(
        actor=leader,
        collaboration=stale,
        which="partner_logo",
        upload=SimpleUploadedFile("l.png", png_bytes()),
    )
    collaboration.refresh_from_db()
    assert (collaboration.status, collaboration.brief) == ("closed", "New")
    assert collaboration.cover and collaboration.partner_logo


# Status ------------------------------------------------------------------------------------


def test_a_draft_opens_then_moves_to_curating_and_closed(make_collaboration, lead, other_member):
    collaboration = make_collaboration(status="draft")
    path = f"/collaborations/{collaboration.pk}/status"
    body = ok(send(lead, "post", path, {"status": "open"}))
    assert (body["status"], body["accepts_submissions"]) == ("open", True)
    assert ok(Client().get(f"{API}/collaborations/{collaboration.pk}"))["status"] == "open"
    assert ok(send(lead, "post", path, {"status": "curating"}))["status_label"] == "Curating"
    assert ok(send(lead, "post", path, {"status": "closed"}))["status"] == "closed"
    assert Activity.objects.filter(collaboration=collaboration).count() == 3


@pytest.mark.parametrize(
    ("start", "target", "status", "message"),
    [
        ("open", "open", 409, "The collaboration is already open for submissions."),
        ("draft", "draft", 409, "The collaboration is already draft."),
        ("draft", "closed", 400, "A draft collaboration cannot become closed."),
        ("draft", "curating", 400, "A draft collaboration cannot become curating."),
        ("closed", "open", 400, "A closed collaboration cannot become open for submissions."),
        ("closed", "draft", 400, "A closed collaboration cannot become draft."),
        ("open", "finished", 400, "“finished” is not a status; use one of draft, open"),
        ("open", "", 400, "is not a status"),
    ],
)
def test_invalid_status_transitions_are_refused(
    make_collaboration, lead, start, target, status, message
):
    collaboration = make_collaboration(status=start)
    before = snapshot()
    response = send(lead, "post", f"/collaborations/{collaboration.pk}/status", {"status": target})
    refused(response, status, message)
    assert snapshot() == before


def test_opening_after_the_deadline_or_reopening_a_draft_with_submissions_is_refused(
    make_collaboration, lead, artist
):
    late = make_collaboration(status="draft", deadline="2020-01-01T00:00")
    before = snapshot()
    response = send(lead, "post", f"/collaborations/{late.pk}/status", {"status": "open"})
    body = refused(response, 400, "The deadline has passed: move it to a later time")
    assert body["field"] == "deadline"
    collaboration = make_collaboration()
    services.submission_create(
        member=artist, collaboration=collaboration, records=[text_record(artist)]
    )
    before = snapshot()
    response = send(lead, "post", f"/collaborations/{collaboration.pk}/status", {"status": "draft"})
    refused(response, 400, "Members have already submitted to this collaboration")
    assert snapshot() == before


# Who may write ----------------------------------------------------------------------------

WRITES = [
    ("post", "/collaborations", {"title": "T"}),
    ("patch", "/collaborations/{c}", {"title": "Changed"}),
    ("post", "/collaborations/{c}/status", {"status": "curating"}),
    ("put", "/collaborations/{c}/cover", "image"),
    ("delete", "/collaborations/{c}/cover", None),
    ("put", "/collaborations/{c}/partner-logo", "image"),
    ("delete", "/collaborations/{c}/partner-logo", None),
    ("post", "/collaborations/{c}/leaders", {"username": "stranger"}),
    ("delete", "/collaborations/{c}/leaders/producer", None),
    ("post", "/collaborations/{c}/submissions", {"record_ids": ["{r}"]}),
    ("post", "/collaborations/{c}/assignments", {"title": "Drone shots"}),
    ("post", "/assignments/{a}/invitations", {"usernames": ["stranger"]}),
    ("post", "/submissions/{s}/decisions", {"state": "shortlisted"}),
    ("post", "/submissions/{s}/withdraw", None),
    ("post", "/invitations/{i}/accept", None),
    ("post", "/invitations/{i}/decline", None),
]
PRIVATE_READS = ["/submissions/{s}", "/me/submissions", "/me/invitations"]


@pytest.fixture
def scene(make_collaboration, leader, artist, other_member):
    """An open collaboration with a submission by the artist, an assignment and an
    invitation of the artist, and a record by the stranger."""
    collaboration = make_collaboration()
    submission = services.submission_create(
        member=artist, collaboration=collaboration, records=[text_record(artist, title="Walk")]
    )[0]
    assignment = services.assignment_create(
        actor=leader, collaboration=collaboration, title="Night shots"
    )
    invitation = services.invitations_send(actor=leader, assignment=assignment, members=[artist])[0]
    return {
        "c": collaboration.pk,
        "s": submission.pk,
        "a": assignment.pk,
        "i": invitation.pk,
        "r": text_record(other_member, title="Stranger's poem").pk,
    }


def _call(client: Client, method: str, template: str, data: Any, ids: dict[str, int]) -> Any:
    path = template.format(**ids)
    if data == "image":
        picture = SimpleUploadedFile("c.png", png_bytes())
        return getattr(client, method)(f"{API}{path}", **_multipart({"file": picture}))
    if isinstance(data, dict):
        data = {
            key: [int(str(v).format(**ids)) for v in value] if key == "record_ids" else value
            for key, value in data.items()
        }
    return send(client, method, path, data)


@pytest.mark.parametrize(("method", "path", "data"), WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
def test_visitors_cannot_write(scene, method, path, data):
    before = snapshot()
    refused(_call(Client(), method, path, data, scene), 401, LOG_IN)
    assert snapshot() == before


@pytest.mark.parametrize("path", PRIVATE_READS)
def test_visitors_cannot_read_private_lists(scene, path):
    refused(Client().get(f"{API}{path.format(**scene)}"), 401, LOG_IN)


LEADER_WRITES = [
    (m, p, d)
    for m, p, d in WRITES
    if p.startswith("/collaborations/{c}") and "submissions" not in p
] + [("post", "/assignments/{a}/invitations", {"usernames": ["stranger"]})]


@pytest.mark.parametrize(
    ("method", "path", "data"), LEADER_WRITES, ids=[f"{m} {p}" for m, p, _ in LEADER_WRITES]
)
def test_members_who_do_not_lead_cannot_edit_curate_or_invite(scene, artist, method, path, data):
    before = snapshot()
    refused(_call(token_client(artist), method, path, data, scene), 403, LEADERS_ONLY)
    assert snapshot() == before


def test_the_artist_cannot_decide_on_their_own_submission(scene, walker):
    before = snapshot()
    response = send(walker, "post", f"/submissions/{scene['s']}/decisions", {"state": "selected"})
    refused(response, 403, LEADERS_ONLY)
    assert snapshot() == before


def test_the_browser_needs_the_csrf_token_to_write(scene, leader):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(leader)
    before = snapshot()
    response = send(browser, "post", f"/collaborations/{scene['c']}/status", {"status": "closed"})
    refused(response, 403, "CSRF check failed")
    assert snapshot() == before
    assert ok(browser.get(f"{API}/collaborations/{scene['c']}"))["you_lead"] is True


# Leaders ----------------------------------------------------------------------------------


def test_leaders_add_and_remove_leaders_but_never_the_last(
    collaboration, lead, leader, other_member
):
    base = f"/collaborations/{collaboration.pk}/leaders"
    added = ok(send(lead, "post", base, {"username": "stranger"}), 201)
    assert [p["username"] for p in added] == ["producer", "stranger"]
    assert Notification.objects.filter(recipient=other_member).count() == 1
    assert [p["username"] for p in ok(Client().get(f"{API}{base}"))] == ["producer", "stranger"]
    stranger = token_client(other_member)
    edited = ok(send(stranger, "patch", f"/collaborations/{collaboration.pk}", {"brief": "Mine"}))
    assert edited["brief"] == "Mine"

    before = snapshot()
    refused(send(lead, "post", base, {"username": "stranger"}), 409, "already leads")
    refused(send(lead, "post", base, {"username": "ghost"}), 400, "No member is called “ghost”.")
    refused(send(lead, "post", base, {"username": "a\x00b"}), 400, "No member is called")
    refused(send(lead, "post", base, {"user": "ghost"}), 422, "user: Extra inputs")
    refused(send(lead, "delete", f"{base}/ghost"), 404, "There is no member called “ghost”.")
    assert snapshot() == before

    left = ok(send(stranger, "delete", f"{base}/producer"))
    assert [p["username"] for p in left] == ["stranger"]
    before = snapshot()
    refused(
        send(stranger, "delete", f"{base}/stranger"),
        400,
        "A collaboration needs at least one leader: add another leader before removing the last",
    )
    refused(send(lead, "delete", f"{base}/stranger"), 403, LEADERS_ONLY)
    refused(send(stranger, "delete", f"{base}/producer"), 400, "does not lead this collaboration")
    assert snapshot() == before


# Cover and partner logo ------------------------------------------------------------------


def _multipart(data: dict[str, Any]) -> dict[str, Any]:
    return {"data": encode_multipart(BOUNDARY, data), "content_type": MULTIPART_CONTENT}


def test_leaders_set_and_remove_the_cover_and_the_partner_logo(collaboration, lead):
    base = f"{API}/collaborations/{collaboration.pk}"
    picture = SimpleUploadedFile("cover.png", png_bytes((900, 400)))
    body = ok(lead.put(f"{base}/cover", **_multipart({"file": picture})))
    assert body["cover_url"].endswith(".webp")
    logo = SimpleUploadedFile("logo.png", png_bytes((64, 64)))
    body = ok(lead.put(f"{base}/partner-logo", **_multipart({"file": logo})))
    assert body["partner_logo_url"].endswith(".webp") and body["cover_url"]
    collaboration.refresh_from_db()
    assert collaboration.cover.name.startswith(f"collaborations/{collaboration.pk}/cover-")
    assert ok(lead.delete(f"{base}/cover"))["cover_url"] is None
    assert ok(lead.delete(f"{base}/partner-logo"))["partner_logo_url"] is None
    collaboration.refresh_from_db()
    assert not collaboration.cover and not collaboration.partner_logo


def test_a_cover_that_is_not_a_picture_is_refused(collaboration, lead):
    base = f"{API}/collaborations/{collaboration.pk}/cover"
    before = snapshot()
    text = SimpleUploadedFile("cover.png", b"this is not a picture" * 20)
    refused(lead.put(base, **_multipart({"file": text})), 415, "not a readable image")
    svg = SimpleUploadedFile("cover.svg", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>')
    refused(lead.put(base, **_multipart({"file": svg})), 415)
    refused(lead.put(base, **_multipart({"other": "x"})), 400, "in a field named “file”")
    refused(
        lead.put(base, data={"file": "x"}, content_type="application/json"),
        400,
        "Send the picture as multipart/form-data",
    )
    assert snapshot() == before


# Submitting -------------------------------------------------------------------------------


def test_a_member_submits_several_records_at_once(
    collaboration, walker, artist, leader, processed_video
):
    video = processed_video(artist, city="Oslo")
    poem = text_record(artist, title="Night poem")
    created = ok(submit(walker, collaboration, video, poem), 201)
    assert [s["record"]["id"] for s in created] == [video.pk, poem.pk]
    first = created[0]
    assert first["collaboration_id"] == collaboration.pk
    assert first["curation"] == {
        "state": "submitted",
        "state_label": "Submitted",
        "meets_requirements": True,
        "shortfalls": [],
        "assignment": None,
    }
    record = first["record"]
    assert (record["kind"], record["width"], record["height"]) == ("video", 320, 240)
    assert (record["version"], record["city"], record["processing"]) == (1, "Oslo", "succeeded")
    assert record["artist"]["username"] == "walker"
    assert Submission.objects.filter(member=artist).count() == 2
    assert Notification.objects.filter(recipient=leader, kind="submission").count() == 1


def test_a_video_missing_strict_requirements_is_refused_with_the_reason(
    make_collaboration, walker, artist, processed_video
):
    collaboration = make_collaboration(min_width=3840, min_height=2160)
    video = processed_video(artist, title="Tiny")
    before = snapshot()
    body = refused(submit(walker, collaboration, video), 400)
    assert body["detail"] == f"“Tiny” does not meet the brief's requirements: {TOO_SMALL}"
    assert snapshot() == before


def test_a_brief_that_marks_off_spec_media_accepts_it_with_the_reason(
    make_collaboration, walker, artist, processed_video, lead
):
    collaboration = make_collaboration(
        min_width=3840, min_height=2160, camera="Arri", off_spec="mark"
    )
    video = processed_video(artist, key="sony")
    created = ok(submit(walker, collaboration, video), 201)
    curation = created[0]["curation"]
    assert curation["meets_requirements"] is False
    assert curation["shortfalls"] == [
        TOO_SMALL,
        "It was shot on Sony ILME-FX3; the brief asks for footage from Arri.",
    ]
    detail = ok(lead.get(f"{API}/submissions/{created[0]['id']}"))
    assert detail["meets_requirements"] is False and detail["shortfalls"] == curation["shortfalls"]


def test_a_video_still_being_processed_is_refused_when_the_brief_has_requirements(
    make_collaboration, walker, artist, unprocessed_video
):
    collaboration = make_collaboration(min_width=1280, min_height=720, off_spec="mark")
    video = unprocessed_video(artist, title="Fresh")
    before = snapshot()
    refused(submit(walker, collaboration, video), 409, "“Fresh” is still being processed")
    assert snapshot() == before
    anything = make_collaboration(title="Anything")
    assert ok(submit(walker, anything, video), 201)[0]["record"]["processing"] == "queued"


def _late(make_collaboration: Any) -> Collaboration:
    collaboration = make_collaboration(deadline="2030-01-01T00:00", deadline_zone="Europe/Prague")
    Collaboration.objects.filter(pk=collaboration.pk).update(
        deadline=timezone.now() - timedelta(minutes=1)
    )
    return collaboration


CASES = {
    "after the deadline": (400, "submissions are closed."),
    "to a draft, as its leader": (400, "This collaboration is still a draft"),
    "to a draft, as anyone else": (404, NO_COLLAB),
    "to a curating collaboration": (400, "This collaboration is curating: it no longer takes"),
    "to a closed collaboration": (400, "This collaboration is closed: it no longer takes"),
    "someone else's record": (403, "You can only submit your own records: “Theirs” is by"),
    "someone else's unpublished record": (404, "There is no such record, or it is not published"),
    "my unpublished record": (400, "“Hidden” is not published: publish it before submitting"),
    "a record that does not exist": (404, "There is no such record, or it is not published: "),
    "the same record twice": (400, "The same record is listed twice."),
    "no record": (400, "Choose at least one record to submit."),
    "too many records": (422, "record_ids: List should have at most 50 items"),
    "ids that are not numbers": (422, "record_ids.0: Input should be a valid integer"),
    "an unknown field": (422, "note: Extra inputs are not permitted"),
    "malformed JSON": (400, "The request body is not valid JSON"),
    "the wrong kind": (400, "This brief asks for video; “Poem” is text."),
    "an assignment not accepted": (403, "only with an assignment you have accepted"),
    "another collaboration's assignment": (400, "That assignment belongs to another"),
    "an assignment that does not exist": (404, "There is no such assignment."),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_submissions_are_refused_and_nothing_is_stored(
    case, make_collaboration, leader, artist, other_member, walker, lead
):
    mine = text_record(artist, title="Poem")
    target = make_collaboration()
    client: Client = walker
    body: Any = {"record_ids": [mine.pk]}
    if case == "after the deadline":
        target = _late(make_collaboration)
    elif case.startswith("to a draft"):
        target = make_collaboration(status="draft")
        if case.endswith("as its leader"):
            client, body = lead, {"record_ids": [text_record(leader).pk]}
    elif case == "to a curating collaboration":
        target = make_collaboration(status="curating")
    elif case == "to a closed collaboration":
        target = make_collaboration(status="closed")
    elif case == "someone else's record":
        body = {"record_ids": [text_record(other_member, title="Theirs").pk]}
    elif case == "someone else's unpublished record":
        body = {"record_ids": [text_record(other_member, published=False).pk]}
    elif case == "my unpublished record":
        body = {"record_ids": [mine.pk, text_record(artist, title="Hidden", published=False).pk]}
    elif case == "a record that does not exist":
        body = {"record_ids": [mine.pk, 987654]}
    elif case == "the same record twice":
        body = {"record_ids": [mine.pk, mine.pk]}
    elif case == "no record":
        body = {"record_ids": []}
    elif case == "too many records":
        body = {"record_ids": list(range(1, 52))}
    elif case == "ids that are not numbers":
        body = {"record_ids": ["first"]}
    elif case == "an unknown field":
        body = {"record_ids": [mine.pk], "note": "please"}
    elif case == "malformed JSON":
        body = b'{"record_ids": [1,'
    elif case == "the wrong kind":
        target = make_collaboration(kinds=["video"])
    elif case == "an assignment not accepted":
        assignment = services.assignment_create(actor=leader, collaboration=target, title="A")
        services.invitations_send(actor=leader, assignment=assignment, members=[artist])
        body = {"record_ids": [mine.pk], "assignment_id": assignment.pk}
    elif case == "another collaboration's assignment":
        other = make_collaboration(title="Other")
        assignment = services.assignment_create(actor=leader, collaboration=other, title="A")
        invitation = services.invitations_send(
            actor=leader, assignment=assignment, members=[artist]
        )[0]
        services.invitation_answer(member=artist, invitation=invitation, accept=True)
        body = {"record_ids": [mine.pk], "assignment_id": assignment.pk}
    elif case == "an assignment that does not exist":
        body = {"record_ids": [mine.pk], "assignment_id": 987654}
    before = snapshot()
    status, message = CASES[case]
    response = send(client, "post", f"/collaborations/{target.pk}/submissions", body)
    refused(response, status, message)
    assert snapshot() == before


def test_submitting_the_same_record_again_is_a_conflict(collaboration, walker, artist):
    poem = text_record(artist, title="Poem")
    ok(submit(walker, collaboration, poem), 201)
    fresh = text_record(artist, title="Fresh")
    before = snapshot()
    refused(submit(walker, collaboration, poem), 409, "“Poem” is already submitted")
    refused(submit(walker, collaboration, fresh, poem), 409, "already submitted")
    assert snapshot() == before


def test_the_late_message_names_the_deadline_in_its_zone(make_collaboration, walker, artist):
    collaboration = make_collaboration(deadline="2030-01-01T00:00", deadline_zone="Asia/Tokyo")
    Collaboration.objects.filter(pk=collaboration.pk).update(
        deadline=datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
    )
    body = refused(submit(walker, collaboration, text_record(artist)), 400)
    assert body["detail"] == (
        "The deadline passed on 01 March 2024 at 19:00 (Asia/Tokyo): submissions are closed."
    )


# The gallery ------------------------------------------------------------------------------


@pytest.fixture
def gallery(make_collaboration, leader, artist, other_member, processed_video, make_member):
    """A landscape brief that marks off-spec media: a Sony clip from Oslo (shortlisted), a
    small clip from Prague, a portrait clip (marked), a withdrawn poem, and a record whose
    artist unpublished it after submitting."""
    collaboration = make_collaboration(orientation="landscape", off_spec="mark")
    assignment = services.assignment_create(
        actor=leader, collaboration=collaboration, title="Cameras"
    )
    invitation = services.invitations_send(
        actor=leader, assignment=assignment, members=[other_member]
    )[0]
    services.invitation_answer(member=other_member, invitation=invitation, accept=True)

    def one(member: Any, record: Any) -> Submission:
        return services.submission_create(
            member=member, collaboration=collaboration, records=[record]
        )[0]

    sony = one(other_member, processed_video(other_member, key="sony", city="Oslo"))
    small = one(artist, processed_video(artist, key="small", city="Prague"))
    portrait = one(artist, processed_video(artist, key="portrait", city="Prague"))
    poem = one(artist, text_record(artist, title="Poem"))
    services.submission_withdraw(member=artist, submission=poem)
    hidden_by = make_member(username="shy")
    hidden = one(hidden_by, text_record(hidden_by, title="Shy"))
    record_unpublish(record=hidden.record)
    services.submission_decide(actor=leader, submission=sony, state="shortlisted", note="Nice")
    return {
        "collaboration": collaboration,
        "assignment": assignment,
        "sony": sony,
        "small": small,
        "portrait": portrait,
        "poem": poem,
        "hidden": hidden,
    }


def _ids(client: Client, collaboration: Collaboration, **query: Any) -> list[int]:
    page = ok(client.get(f"{API}/collaborations/{collaboration.pk}/submissions", query))
    return [s["id"] for s in page["items"]]


def test_leaders_curate_the_full_gallery_with_filters(gallery, lead):
    c = gallery["collaboration"]
    page = ok(lead.get(f"{API}/collaborations/{c.pk}/submissions"))
    assert page["curation"] is True
    by_id = {s["id"]: s for s in page["items"]}
    sony, small, portrait = gallery["sony"].pk, gallery["small"].pk, gallery["portrait"].pk
    hidden, poem = gallery["hidden"].pk, gallery["poem"].pk
    assert list(by_id) == [hidden, portrait, small, sony]
    assert by_id[sony]["curation"]["state"] == "shortlisted"
    assert by_id[sony]["curation"]["assignment"] == {
        "id": gallery["assignment"].pk,
        "title": "Cameras",
    }
    assert by_id[sony]["record"]["camera"] == "Sony ILME-FX3"
    assert by_id[sony]["record"]["thumbnail_url"].startswith(
        f"/records/{gallery['sony'].record_id}"
    )
    assert by_id[portrait]["curation"]["shortfalls"] == [
        "It is portrait; the brief asks for landscape."
    ]
    assert by_id[hidden]["record"]["published"] is False

    assert _ids(lead, c, state="shortlisted") == [sony]
    assert _ids(lead, c, state="withdrawn") == [poem]
    assert _ids(lead, c, kind="video") == [portrait, small, sony]
    assert _ids(lead, c, city="oslo") == [sony]
    assert _ids(lead, c, camera="sony") == [sony]
    assert _ids(lead, c, resolution=240) == [portrait, small, sony]
    assert _ids(lead, c, resolution=1080) == []
    assert _ids(lead, c, meets="false") == [portrait]
    assert _ids(lead, c, meets="true", kind="video") == [small, sony]
    assert _ids(lead, c, assignment=gallery["assignment"].pk) == [sony]

    first = ok(lead.get(f"{API}/collaborations/{c.pk}/submissions", {"limit": 3}))
    assert [s["id"] for s in first["items"]] == [hidden, portrait, small]
    rest = _ids(lead, c, limit=3, cursor=first["next_cursor"])
    assert rest == [sony]


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ({"state": "lost"}, 422, "state: Input should be"),
        ({"kind": "sculpture"}, 422, "kind: Input should be"),
        ({"resolution": "4k"}, 422, "resolution: Input should be a valid integer"),
        ({"resolution": 0}, 422, "resolution: Input should be greater than or equal to 1"),
        ({"meets": "perhaps"}, 422, "meets: Input should be a valid boolean"),
        ({"city": "Os\x00lo"}, 400, "A filter contains a NUL character"),
        ({"cursor": "nope"}, 400, "That page cursor is not valid"),
    ],
)
def test_bad_gallery_filters_are_refused(gallery, lead, query, status, message):
    c = gallery["collaboration"]
    refused(lead.get(f"{API}/collaborations/{c.pk}/submissions", query), status, message)


def test_everyone_else_sees_the_public_gallery_without_states(gallery, walker):
    c = gallery["collaboration"]
    expected = [gallery["portrait"].pk, gallery["small"].pk, gallery["sony"].pk]
    for client in (Client(), walker):
        page = ok(client.get(f"{API}/collaborations/{c.pk}/submissions", {"state": "passed"}))
        assert page["curation"] is False
        assert [s["id"] for s in page["items"]] == expected
        assert all(s["curation"] is None for s in page["items"])
    assert _ids(Client(), c, kind="text") == []


def test_the_leaders_gallery_takes_a_fixed_number_of_queries(
    make_collaboration, leader, make_member, processed_video, lead, django_assert_max_num_queries
):
    collaboration = make_collaboration(off_spec="mark", orientation="portrait")
    assignment = services.assignment_create(actor=leader, collaboration=collaboration, title="A")
    for i in range(12):
        artist = make_member(username=f"artist-{i}")
        record = processed_video(artist) if i < 2 else text_record(artist, title=f"Poem {i}")
        if i % 3 == 0:
            invitation = services.invitations_send(
                actor=leader, assignment=assignment, members=[artist]
            )[0]
            services.invitation_answer(member=artist, invitation=invitation, accept=True)
        services.submission_create(member=artist, collaboration=collaboration, records=[record])
    # token (+ its "last used" write), the collaboration, its leaders, the page, renditions
    with django_assert_max_num_queries(6):
        response = lead.get(f"{API}/collaborations/{collaboration.pk}/submissions")
    page = ok(response)
    assert len(page["items"]) == 12
    assert sum(1 for s in page["items"] if s["curation"]["assignment"]) == 4


# One submission, decisions, withdrawal ----------------------------------------------------


def test_leaders_decide_and_the_history_keeps_every_step(
    collaboration, walker, artist, lead, leader
):
    poem = text_record(artist, title="Poem")
    submission_id = ok(submit(walker, collaboration, poem), 201)[0]["id"]
    path = f"/submissions/{submission_id}/decisions"
    decision = ok(send(lead, "post", path, {"state": "shortlisted", "note": "Lovely"}), 201)
    assert decision["actor"]["username"] == "producer"
    assert (decision["from_state"], decision["to_state"]) == ("submitted", "shortlisted")
    assert (decision["to_label"], decision["note"]) == ("Shortlisted", "Lovely")
    ok(send(lead, "post", path, {"state": "selected"}), 201)
    notices = Notification.objects.filter(recipient=artist, kind="curation")
    assert notices.count() == 2

    for client in (walker, lead):
        detail = ok(client.get(f"{API}/submissions/{submission_id}"))
        assert (detail["state"], detail["state_label"]) == ("selected", "Selected")
        assert detail["collaboration"]["id"] == collaboration.pk
        assert detail["artist"]["username"] == "walker"
        assert detail["record"]["title"] == "Poem"
        assert detail["url"] == f"/collaborations/{collaboration.pk}/submissions/{submission_id}/"
        steps = [(h["actor"]["username"], h["from_state"], h["to_state"], h["note"])
                 for h in detail["history"]]  # fmt: skip
        assert steps == [
            ("producer", "submitted", "shortlisted", "Lovely"),
            ("producer", "shortlisted", "selected", ""),
        ]
        assert all(h["created_at"] for h in detail["history"])


def test_a_submission_is_private_to_its_artist_and_the_leaders(scene, other_member, staff_member):
    refused(token_client(other_member).get(f"{API}/submissions/{scene['s']}"), 404, NO_SUBMISSION)
    before = snapshot()
    response = send(
        token_client(other_member),
        "post",
        f"/submissions/{scene['s']}/decisions",
        {"state": "passed"},
    )
    refused(response, 404, NO_SUBMISSION)
    refused(send(token_client(other_member), "post", f"/submissions/{scene['s']}/withdraw"), 404)
    assert snapshot() == before
    assert ok(token_client(staff_member).get(f"{API}/submissions/{scene['s']}"))["id"]


@pytest.mark.parametrize(
    ("setup", "body", "status", "message"),
    [
        ("", {"state": "submitted"}, 409, "This submission is already submitted."),
        ("shortlisted", {"state": "shortlisted"}, 409, "already shortlisted"),
        ("", {"state": "withdrawn"}, 400, "“withdrawn” is not a curation state"),
        ("", {"state": "approved"}, 400, "“approved” is not a curation state; use passed"),
        ("", {"state": "passed", "note": "n" * 2001}, 400, "The note is too long"),
        ("", {"state": "passed", "score": 5}, 422, "score: Extra inputs are not permitted"),
        ("", {"note": "hm"}, 422, "state: Field required"),
        ("", b"state=passed", 400, "The request body is not valid JSON"),
        ("withdrawn", {"state": "passed"}, 400, "The artist withdrew this submission."),
        ("closed", {"state": "passed"}, 400, "This collaboration is closed: move it to curating"),
    ],
    ids=lambda value: repr(value)[:30],
)
def test_bad_decisions_are_refused_and_nothing_changes(
    scene, lead, leader, artist, setup, body, status, message
):
    submission = Submission.objects.get(pk=scene["s"])
    if setup == "shortlisted":
        services.submission_decide(actor=leader, submission=submission, state="shortlisted")
    elif setup == "withdrawn":
        services.submission_withdraw(member=artist, submission=submission)
    elif setup == "closed":
        collaboration = submission.collaboration
        services.collaboration_status_set(
            actor=leader, collaboration=collaboration, status="closed"
        )
    before = snapshot()
    refused(send(lead, "post", f"/submissions/{scene['s']}/decisions", body), status, message)
    assert snapshot() == before


def test_the_artist_withdraws_and_may_submit_again(collaboration, walker, artist, lead):
    poem = text_record(artist, title="Poem")
    submission_id = ok(submit(walker, collaboration, poem), 201)[0]["id"]
    before = snapshot()
    refused(send(lead, "post", f"/submissions/{submission_id}/withdraw"), 403, "Only the artist")
    assert snapshot() == before

    detail = ok(send(walker, "post", f"/submissions/{submission_id}/withdraw"))
    assert detail["state"] == "withdrawn"
    assert detail["history"][-1]["to_state"] == "withdrawn"
    before = snapshot()
    refused(
        send(walker, "post", f"/submissions/{submission_id}/withdraw"),
        400,
        "This submission is withdrawn; it can no longer be withdrawn.",
    )
    assert snapshot() == before

    again = ok(submit(walker, collaboration, poem), 201)
    assert again[0]["id"] == submission_id
    assert again[0]["curation"]["state"] == "submitted"
    history = ok(walker.get(f"{API}/submissions/{submission_id}"))["history"]
    assert [(h["to_state"], h["note"]) for h in history] == [
        ("withdrawn", ""),
        ("submitted", "Submitted again."),
    ]


def test_a_selected_submission_can_no_longer_be_withdrawn(scene, leader, walker):
    submission = Submission.objects.get(pk=scene["s"])
    services.submission_decide(actor=leader, submission=submission, state="selected")
    before = snapshot()
    refused(
        send(walker, "post", f"/submissions/{scene['s']}/withdraw"),
        400,
        "This submission is selected; it can no longer be withdrawn.",
    )
    assert snapshot() == before


def test_my_submissions_list_states_and_the_last_decision(
    make_collaboration, artist, other_member, leader, walker
):
    first = make_collaboration(title="First")
    second = make_collaboration(title="Second")
    a = services.submission_create(
        member=artist, collaboration=first, records=[text_record(artist, title="A")]
    )[0]
    b = services.submission_create(
        member=artist, collaboration=second, records=[text_record(artist, title="B")]
    )[0]
    services.submission_create(
        member=other_member, collaboration=first, records=[text_record(other_member)]
    )
    services.submission_decide(actor=leader, submission=a, state="passed", note="Not this time")
    page = ok(walker.get(f"{API}/me/submissions", {"limit": 1}))
    assert [s["id"] for s in page["items"]] == [b.pk]
    assert page["items"][0]["last_decision"] is None
    assert page["items"][0]["collaboration"]["title"] == "Second"
    rest = ok(walker.get(f"{API}/me/submissions", {"limit": 1, "cursor": page["next_cursor"]}))
    item = rest["items"][0]
    assert (item["id"], item["state"], item["state_label"]) == (a.pk, "passed", "Passed")
    assert item["last_decision"]["note"] == "Not this time"
    assert item["last_decision"]["actor"]["username"] == "producer"
    assert item["record"]["artist"]["username"] == "walker"
    assert rest["next_cursor"] is None


# Assignments and invitations ---------------------------------------------------------------


def test_leaders_create_assignments_and_invite_members_who_answer(
    collaboration, lead, leader, artist, other_member, walker
):
    created = ok(
        send(
            lead,
            "post",
            f"/collaborations/{collaboration.pk}/assignments",
            {"title": "4K cinematographers", "description": "Six people with 4K cameras."},
        ),
        201,
    )
    assert (created["title"], created["invitations"]) == ("4K cinematographers", [])
    invited = ok(
        send(
            lead,
            "post",
            f"/assignments/{created['id']}/invitations",
            {"usernames": ["walker", "Stranger"], "message": "We love your night shots."},
        ),
        201,
    )
    assert sorted(i["member"]["username"] for i in invited) == ["stranger", "walker"]
    assert {i["state"] for i in invited} == {"pending"}
    assert invited[0]["invited_by"]["username"] == "producer"
    assert Notification.objects.filter(kind="invitation").count() == 2

    mine = ok(walker.get(f"{API}/me/invitations", {"pending": "true"}))["items"]
    assert len(mine) == 1 and mine[0]["message"] == "We love your night shots."
    assert mine[0]["collaboration"]["id"] == collaboration.pk
    assert mine[0]["assignment"]["title"] == "4K cinematographers"
    accepted = ok(send(walker, "post", f"/invitations/{mine[0]['id']}/accept"))
    assert (accepted["state"], accepted["state_label"]) == ("accepted", "Accepted")
    assert accepted["answered_at"] is not None
    assert ok(walker.get(f"{API}/me/invitations", {"pending": "true"}))["items"] == []
    assert len(ok(walker.get(f"{API}/me/invitations"))["items"]) == 1

    theirs = Invitation.objects.get(member=other_member)
    declined = ok(send(token_client(other_member), "post", f"/invitations/{theirs.pk}/decline"))
    assert declined["state"] == "declined"

    listed = ok(lead.get(f"{API}/collaborations/{collaboration.pk}/assignments"))
    states = {i["member"]["username"]: i["state"] for i in listed[0]["invitations"]}
    assert states == {"walker": "accepted", "stranger": "declined"}
    public = ok(Client().get(f"{API}/collaborations/{collaboration.pk}/assignments"))
    assert public[0]["title"] == "4K cinematographers" and public[0]["invitations"] is None

    # The invitee's submissions are tagged with the assignment they accepted.
    tagged = ok(submit(walker, collaboration, text_record(artist)), 201)
    assert tagged[0]["curation"]["assignment"]["id"] == created["id"]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (
            {"usernames": ["walker", "ghost", "nobody"]},
            400,
            "No member is called “ghost”, “nobody”.",
        ),
        ({"usernames": ["a\x00b"]}, 400, "No member is called"),
        ({"usernames": []}, 400, "Choose at least one member to invite."),
        ({"usernames": ["walker"], "message": "m" * 5001}, 400, "The message is too long"),
        ({"usernames": "walker"}, 422, "usernames: Input should be a valid list"),
        ({"usernames": ["walker"], "cc": ["x"]}, 422, "cc: Extra inputs are not permitted"),
        (b"usernames=walker", 400, "The request body is not valid JSON"),
    ],
    ids=lambda value: repr(value)[:40],
)
def test_bad_invitations_are_refused_and_nobody_is_invited(
    collaboration, lead, leader, artist, body, status, message
):
    assignment = services.assignment_create(actor=leader, collaboration=collaboration, title="A")
    before = snapshot()
    response = send(lead, "post", f"/assignments/{assignment.pk}/invitations", body)
    refused(response, status, message)
    assert snapshot() == before


def test_inviting_twice_and_answering_twice_are_conflicts(scene, lead, walker, other_member):
    before = snapshot()
    response = send(
        lead, "post", f"/assignments/{scene['a']}/invitations", {"usernames": ["walker"]}
    )
    refused(response, 409, "Already invited: walker.")
    assert snapshot() == before
    ok(send(walker, "post", f"/invitations/{scene['i']}/decline"))
    before = snapshot()
    refused(
        send(walker, "post", f"/invitations/{scene['i']}/accept"),
        409,
        "You have already declined this invitation.",
    )
    refused(
        send(token_client(other_member), "post", f"/invitations/{scene['i']}/accept"),
        404,
        "There is no such invitation, or it is not addressed to you.",
    )
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "message"),
    [({"title": " "}, "The title is required."), ({"title": "x" * 201}, "The title is too long")],
)
def test_bad_assignments_are_refused(collaboration, lead, body, message):
    before = snapshot()
    refused(
        send(lead, "post", f"/collaborations/{collaboration.pk}/assignments", body), 400, message
    )
    assert snapshot() == before


def test_assignments_of_a_draft_are_hidden_from_everyone_else(make_collaboration, leader, walker):
    draft = make_collaboration(status="draft")
    assignment = services.assignment_create(actor=leader, collaboration=draft, title="A")
    before = snapshot()
    response = send(walker, "post", f"/assignments/{assignment.pk}/invitations", {"usernames": []})
    refused(response, 404, "There is no such assignment.")
    refused(walker.get(f"{API}/collaborations/{draft.pk}/assignments"), 404, NO_COLLAB)
    assert snapshot() == before


# The OpenAPI description ------------------------------------------------------------------


def test_the_openapi_document_describes_every_endpoint(client):
    doc = client.get("/api/v1/openapi.json").json()
    ours = {
        ("get", "/collaborations"),
        ("post", "/collaborations"),
        ("get", "/collaborations/{collaboration_id}"),
        ("patch", "/collaborations/{collaboration_id}"),
        ("post", "/collaborations/{collaboration_id}/status"),
        ("put", "/collaborations/{collaboration_id}/cover"),
        ("delete", "/collaborations/{collaboration_id}/cover"),
        ("put", "/collaborations/{collaboration_id}/partner-logo"),
        ("delete", "/collaborations/{collaboration_id}/partner-logo"),
        ("get", "/collaborations/{collaboration_id}/leaders"),
        ("post", "/collaborations/{collaboration_id}/leaders"),
        ("delete", "/collaborations/{collaboration_id}/leaders/{username}"),
        ("get", "/collaborations/{collaboration_id}/submissions"),
        ("post", "/collaborations/{collaboration_id}/submissions"),
        ("get", "/collaborations/{collaboration_id}/assignments"),
        ("post", "/collaborations/{collaboration_id}/assignments"),
        ("post", "/assignments/{assignment_id}/invitations"),
        ("get", "/submissions/{submission_id}"),
        ("post", "/submissions/{submission_id}/decisions"),
        ("post", "/submissions/{submission_id}/withdraw"),
        ("get", "/me/submissions"),
        ("get", "/me/invitations"),
        ("post", "/invitations/{invitation_id}/accept"),
        ("post", "/invitations/{invitation_id}/decline"),
    }
    described = {
        (method, path.removeprefix("/api/v1"))
        for path, operations in doc["paths"].items()
        for method in operations
    }
    assert ours <= described, ours - described
    for method, path in ours:
        operation = doc["paths"][f"/api/v1{path}"][method]
        assert operation["summary"] and "collaborations" in operation["tags"], (method, path)
        assert {"401", "403", "404", "422"} <= set(operation["responses"]), (method, path)
        if method != "get":
            assert operation["security"] == [{"MemberAuth": []}], (method, path)
    create = doc["paths"]["/api/v1/collaborations"]["post"]
    schema_name = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = doc["components"]["schemas"][schema_name.rsplit("/", 1)[-1]]
    assert schema["examples"][0]["budget"] == "2500.00"
    assert schema["additionalProperties"] is False
    cover = doc["paths"]["/api/v1/collaborations/{collaboration_id}/cover"]["put"]
    assert "multipart/form-data" in cover["requestBody"]["content"]
    listing = doc["paths"]["/api/v1/collaborations"]["get"]
    assert {} in listing["security"]  # visitors are welcome
