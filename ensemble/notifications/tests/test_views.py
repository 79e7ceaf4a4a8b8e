"""Notification pages over HTTP: the header bell, the list, opening one, marking all read."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ensemble.notifications.models import Notification
from ensemble.notifications.services import notification_mark_read
from tests.factories import text_record

from .helpers import page_text, remixed

pytestmark = pytest.mark.django_db


def bell(response) -> str:
    match = re.search(
        r'<a href="/notifications/" class="bell[^"]*"[^>]*>.*?</a>', page_text(response)
    )
    assert match, "no bell in the header"
    return match[0]


def items(response) -> list[str]:
    return re.findall(r'<span class="notification-text">([^<]*)</span>', page_text(response))


# The header ----------------------------------------------------------------------------------


def test_the_header_bell_shows_the_unread_count(member, other_member, member_client):
    assert 'aria-label="Notifications"' in bell(member_client.get("/"))
    assert "bell-count" not in bell(member_client.get("/"))
    for _ in range(3):
        remixed(member, other_member)
    remixed(other_member, member)  # someone else's
    header = bell(member_client.get("/"))
    assert 'aria-label="Notifications: 3 unread"' in header
    assert '<span class="bell-count" aria-hidden="true">3</span>' in header


def test_a_large_unread_count_is_shortened(member, other_member, member_client):
    Notification.objects.bulk_create(
        Notification(recipient=member, text=f"n{i}", url="/") for i in range(120)
    )
    assert '<span class="bell-count" aria-hidden="true">99+</span>' in bell(member_client.get("/"))


def test_the_unread_count_costs_one_count_query_and_none_for_visitors(
    client, member, other_member, member_client
):
    def count_queries(viewer: Client) -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            assert viewer.get("/licence/").status_code == 200
        return [
            q["sql"] for q in queries.captured_queries if "notifications_notification" in q["sql"]
        ]

    assert count_queries(client) == []
    assert "bell" not in page_text(client.get("/licence/"))
    for _ in range(30):
        remixed(member, other_member)
    [query] = count_queries(member_client)
    assert query.startswith("SELECT COUNT(*)")


def test_an_htmx_fragment_runs_no_count_query(member, other_member, member_client):
    for number in range(31):
        remixed(member, other_member, title=f"Poem {number}")
    more = re.search(r'hx-get="([^"]+)"', page_text(member_client.get("/notifications/")))
    assert more
    with CaptureQueriesContext(connection) as queries:
        member_client.get(more[1], headers={"HX-Request": "true"})
    assert not any("COUNT" in q["sql"] for q in queries.captured_queries)


# The page ------------------------------------------------------------------------------------


def test_the_page_lists_newest_first_with_unread_ones_highlighted(
    member, other_member, member_client
):
    first = remixed(member, other_member, title="Old poem")
    remixed(member, other_member, title="New poem")
    notification_mark_read(member=member, notification_id=first.pk)
    response = member_client.get("/notifications/")
    assert response.status_code == 200
    assert items(response) == [
        "Stranger built on your record “New poem”",
        "Stranger built on your record “Old poem”",
    ]
    text = page_text(response)
    assert text.count('class="notification notification-unread"') == 1
    assert text.index("notification-unread") < text.index("Old poem")
    assert "Mark all read" in text


def test_the_page_pages_with_htmx(member, other_member, member_client):
    for number in range(35):
        remixed(member, other_member, title=f"Poem {number:02}")
    first = member_client.get("/notifications/")
    assert len(items(first)) == 30
    more = re.search(r'hx-get="([^"]+)"', page_text(first))
    assert more
    rest = member_client.get(more[1], headers={"HX-Request": "true"})
    assert "<html" not in page_text(rest)
    assert items(rest) == [f"Stranger built on your record “Poem {n:02}”" for n in range(4, -1, -1)]


def test_the_empty_page_says_what_will_appear(member_client):
    text = page_text(member_client.get("/notifications/"))
    assert "Nothing yet. When someone builds on your work, you will hear about it here." in text
    assert "Mark all read" not in text
    assert "E-mails about notifications are on." in text


def test_a_bad_cursor_is_refused_with_a_message(member_client):
    response = member_client.get("/notifications/", {"cursor": "not-a-cursor"})
    assert response.status_code == 400
    assert "That page cursor is not valid; start from the first page." in page_text(response)


def test_visitors_are_sent_to_log_in(client):
    for url in ["/notifications/", "/notifications/1/open/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    assert client.post("/notifications/read-all/").status_code == 302


# Opening and marking read --------------------------------------------------------------------


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(
    member, other_member, member_client
):
    record = text_record(member, title="Night walk")
    notification = remixed(member, other_member)
    Notification.objects.filter(pk=notification.pk).update(url=record.get_absolute_url())
    page = page_text(member_client.get("/notifications/"))
    assert f'href="/notifications/{notification.pk}/open/"' in page

    response = member_client.get(f"/notifications/{notification.pk}/open/")
    assert response.status_code == 302
    assert response["Location"] == f"/records/{record.pk}/"
    notification.refresh_from_db()
    read_at = notification.read_at
    assert read_at is not None
    assert "bell-count" not in bell(member_client.get("/"))

    again = member_client.get(f"/notifications/{notification.pk}/open/")  # idempotent
    assert again.status_code == 302
    notification.refresh_from_db()
    assert notification.read_at == read_at


def test_another_members_notification_cannot_be_opened(member, other_member):
    notification = remixed(member, other_member)
    stranger = Client()
    stranger.force_login(other_member)
    for method in ("get", "post"):
        response = getattr(stranger, method)(f"/notifications/{notification.pk}/open/")
        assert response.status_code == 404
        assert "There is no such notification." in page_text(response)
    notification.refresh_from_db()
    assert notification.read_at is None


@pytest.mark.parametrize("path", ["/notifications/abc/open/", "/notifications/-1/open/",
                                  "/notifications/99999999999999999999999/open/"])  # fmt: skip
def test_unknown_or_malformed_ids_are_not_found(member_client, path):
    assert member_client.get(path).status_code == 404


def test_a_stored_link_off_the_site_is_never_followed(member, other_member, member_client):
    notification = remixed(member, other_member)
    Notification.objects.filter(pk=notification.pk).update(url="https://evil.example/")
    response = member_client.get(f"/notifications/{notification.pk}/open/")
    assert response["Location"] == "/notifications/"


def test_marking_all_read(member, other_member, member_client):
    for _ in range(3):
        remixed(member, other_member)
    theirs = remixed(other_member, member)
    assert member_client.get("/notifications/read-all/").status_code == 405  # POST only
    assert Notification.objects.filter(recipient=member, read_at=None).count() == 3

    response = member_client.post("/notifications/read-all/")
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    assert not Notification.objects.filter(recipient=member, read_at=None).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    page = page_text(member_client.get("/notifications/"))
    assert "notification-unread" not in page and "Mark all read" not in page


def test_marking_all_read_needs_the_csrf_token(member, other_member):
    remixed(member, other_member)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    assert browser.post("/notifications/read-all/").status_code == 403
    assert Notification.objects.filter(read_at=None).count() == 1


# The e-mail preference in the profile --------------------------------------------------------


def test_the_profile_turns_e_mails_off_and_on(member, member_client):
    def checkbox() -> str:
        form = page_text(member_client.get("/settings/profile/"))
        box = re.search(r'<input[^>]*name="email_notifications"[^>]*>', form)
        assert box and "E-mail me about notifications" in form
        return box[0]

    assert " checked" in checkbox()  # on by default
    profile = {"display_name": "Poet", "bio": "", "city": ""}
    assert member_client.post("/settings/profile/", profile).status_code == 302  # box unticked
    member.refresh_from_db()
    assert member.email_notifications is False
    assert " checked" not in checkbox()
    assert "E-mails about notifications are off." in page_text(member_client.get("/notifications/"))

    response = member_client.post("/settings/profile/", {**profile, "email_notifications": "on"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.email_notifications is True
