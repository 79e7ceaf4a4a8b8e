"""Staff pages for feedback: comments with their reports, resolving reports, deleting softly."""

import pytest
from django.test import Client

from ensemble.feedback import services
from ensemble.feedback.models import Comment, Report
from tests.factories import text_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(make_member) -> Client:
    client = Client()
    client.force_login(make_member(username="admin", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def reported(member, other_member, make_member) -> Comment:
    poem = text_record(member, title="Harbour at Dusk")
    comment = services.comment_add(author=other_member, target=poem, body="Buy cheap pills")
    services.report_add(reporter=member, comment=comment, reason="spam", note="a shop")
    services.report_add(reporter=make_member(), comment=comment, reason="abuse")
    return comment


def test_staff_see_comments_with_open_reports(staff_client, reported):
    listed = staff_client.get("/staff/feedback/comment/?reported=open")
    assert listed.status_code == 200 and "Buy cheap pills" in listed.content.decode()
    page = staff_client.get(f"/staff/feedback/comment/{reported.pk}/change/")
    assert page.status_code == 200 and "a shop" in page.content.decode()


def test_staff_resolve_reports(staff_client, reported):
    assert staff_client.get("/staff/feedback/report/").status_code == 200
    ids = [str(pk) for pk in Report.objects.values_list("pk", flat=True)]
    response = staff_client.post(
        "/staff/feedback/report/", {"action": "resolve", "_selected_action": ids}
    )
    assert response.status_code == 302
    assert not Report.objects.filter(resolved_at__isnull=True).exists()
    listed = staff_client.get("/staff/feedback/comment/?reported=open")
    assert "Buy cheap pills" not in listed.content.decode()


def test_staff_delete_comments_softly(staff_client, reported):
    response = staff_client.post(
        "/staff/feedback/comment/",
        {"action": "delete_softly", "_selected_action": [str(reported.pk)]},
    )
    assert response.status_code == 302
    reported.refresh_from_db()
    assert reported.is_deleted and reported.body == ""
    assert Comment.objects.filter(pk=reported.pk).exists()
