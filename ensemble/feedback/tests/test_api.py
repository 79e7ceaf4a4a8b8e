"""Feedback through the HTTP API: every refusal is JSON {"detail": "<message>"} with a 4xx
status and changes nothing."""

from typing import Any

import pytest
from django.test import Client

from ensemble.collabs.models import Status
from ensemble.feedback import services
from ensemble.feedback.models import Comment, Follow, Heart, Report
from ensemble.notifications.models import Notification
from ensemble.records.services import record_create_upload
from tests.factories import text_record

from .helpers import collaboration, submission, token_client

pytestmark = pytest.mark.django_db

API = "/api/v1"
LOG_IN = "Log in, or send an API token as “Authorization: Bearer <token>”."


@pytest.fixture
def poem(member):
    return text_record(member, title="Harbour at Dusk")


@pytest.fixture
def video(member, upload):
    return record_create_upload(author=member, upload=upload("clip"), title="Test Card Morning")


@pytest.fixture
def api(other_member) -> Client:
    return token_client(other_member)


def refused(response: Any, status: int, message: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json"), response.content[:500]
    body: dict[str, Any] = response.json()
    assert isinstance(body.get("detail"), str) and body["detail"].strip(), body
    if message is not None:
        assert message in body["detail"], body
    return body


def counts() -> tuple[int, ...]:
    return (
        Comment.objects.count(),
        Report.objects.count(),
        Heart.objects.count(),
        Follow.objects.count(),
        Notification.objects.count(),
    )


# Comments on records -------------------------------------------------------------------------


def test_posting_and_reading_comments_on_a_record(poem, member, api, client):
    made = api.post(
        f"{API}/records/{poem.pk}/comments", {"body": "So *quiet*."}, "application/json"
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["body"] == "So *quiet*." and body["body_html"] == "<p>So <em>quiet</em>.</p>\n"
    assert body["author"] == {"username": "stranger", "name": "Stranger", "url": "/@stranger/"}
    assert body["url"] == f"/records/{poem.pk}/#comment-{body['id']}"
    assert (body["timecode"], body["version"], body["deleted"], body["replies"]) == (
        None, None, False, []
    )  # fmt: skip
    reply = token_client(member).post(
        f"{API}/records/{poem.pk}/comments",
        {"body": "Thank you!", "parent_id": body["id"]},
        "application/json",
    )
    assert reply.status_code == 201 and reply.json()["parent_id"] == body["id"]

    listed = client.get(f"{API}/records/{poem.pk}/comments")  # visitors read them too
    assert listed.status_code == 200
    page = listed.json()
    assert page["count"] == 2 and page["next_cursor"] is None
    assert [c["id"] for c in page["items"]] == [body["id"]]
    assert [r["body"] for r in page["items"][0]["replies"]] == ["Thank you!"]


def test_comments_page_with_a_cursor(poem, api):
    for n in range(3):
        api.post(f"{API}/records/{poem.pk}/comments", {"body": f"C{n}"}, "application/json")
    first = api.get(f"{API}/records/{poem.pk}/comments", {"limit": 2}).json()
    assert [c["body"] for c in first["items"]] == ["C2", "C1"]
    rest = api.get(f"{API}/records/{poem.pk}/comments", {"cursor": first["next_cursor"]}).json()
    assert [c["body"] for c in rest["items"]] == ["C0"]
    refused(api.get(f"{API}/records/{poem.pk}/comments", {"cursor": "nope"}), 400, "cursor")


def test_a_timecoded_comment_through_the_api(video, api):
    made = api.post(
        f"{API}/records/{video.pk}/comments",
        {"body": "Here", "timecode": 0.5},
        "application/json",
    )
    assert made.status_code == 201, made.content
    assert (made.json()["timecode"], made.json()["version"]) == (0.5, 1)


@pytest.mark.parametrize(("payload", "message"), [
    ({"body": "x" * 5001}, "Your comment is too long: 5,001 characters, the limit is 5,000."),
    ({"body": ""}, "Write something first: the comment is empty."),
    ({"body": "x", "timecode": 90}, "1:30 is past the end: this video is"),
    ({"body": "x", "timecode": -2}, "A timecode cannot be negative"),
])  # fmt: skip
def test_bad_comments_on_a_video_are_refused_with_a_message(video, api, payload, message):
    before = counts()
    body = refused(
        api.post(f"{API}/records/{video.pk}/comments", payload, "application/json"), 400, message
    )
    assert counts() == before
    if "timecode" in payload and payload["timecode"] == 90:
        duration = video.current_version.duration
        assert f"({duration:.1f} seconds)" in body["detail"]
        assert body["field"] == "timecode"


def test_a_timecode_on_a_poem_is_refused(poem, api):
    refused(
        api.post(f"{API}/records/{poem.pk}/comments", {"body": "x", "timecode": 1},
                 "application/json"),
        400,
        "Only comments on audio or video can point at a time; this is a text record.",
    )  # fmt: skip
    assert not Comment.objects.exists()


def test_a_reply_to_a_reply_joins_the_top_level_thread(poem, member, api):
    top = services.comment_add(author=member, target=poem, body="Top")
    reply = services.comment_add(author=member, target=poem, body="Reply", parent=top)
    answer = api.post(f"{API}/records/{poem.pk}/comments",
                      {"body": "Answer", "parent_id": reply.pk}, "application/json")  # fmt: skip
    assert answer.status_code == 201 and answer.json()["parent_id"] == top.pk


def test_a_reply_to_a_comment_elsewhere_or_missing_is_refused(poem, member, api):
    other = text_record(member, title="Other")
    elsewhere = services.comment_add(author=member, target=other, body="Elsewhere")
    url = f"{API}/records/{poem.pk}/comments"
    refused(api.post(url, {"body": "x", "parent_id": elsewhere.pk}, "application/json"), 400,
            "That comment is not on this record.")  # fmt: skip
    refused(api.post(url, {"body": "x", "parent_id": 99999}, "application/json"), 404,
            "There is no such comment.")  # fmt: skip
    assert Comment.objects.count() == 1


def test_an_unpublished_record_cannot_be_read_or_commented_by_others(member, api):
    draft = text_record(member, title="Draft", published=False)
    services.comment_add(author=member, target=draft, body="Note to self")
    before = counts()
    refused(api.get(f"{API}/records/{draft.pk}/comments"), 404, "There is no such record")
    refused(api.post(f"{API}/records/{draft.pk}/comments", {"body": "Hi"}, "application/json"),
            404, "There is no such record")  # fmt: skip
    assert counts() == before
    own = token_client(member).post(
        f"{API}/records/{draft.pk}/comments", {"body": "Another note"}, "application/json"
    )
    assert own.status_code == 201


def test_a_comment_with_script_is_returned_sanitised(poem, api):
    made = api.post(f"{API}/records/{poem.pk}/comments",
                    {"body": "<script>alert(1)</script>[x](javascript:alert(1))"},
                    "application/json")  # fmt: skip
    assert made.status_code == 201
    assert "<script" not in made.json()["body_html"]
    assert 'href="javascript' not in made.json()["body_html"]


# Editing, deleting, reporting ----------------------------------------------------------------


def test_editing_and_deleting_ones_own_comment(poem, other_member, api):
    comment = services.comment_add(author=other_member, target=poem, body="Helo")
    edited = api.patch(f"{API}/comments/{comment.pk}", {"body": "Hello"}, "application/json")
    assert edited.status_code == 200
    assert edited.json()["body"] == "Hello" and edited.json()["edited_at"] is not None
    deleted = api.delete(f"{API}/comments/{comment.pk}")
    assert deleted.status_code == 200
    assert deleted.json()["deleted"] is True and deleted.json()["body"] == ""
    assert api.delete(f"{API}/comments/{comment.pk}").status_code == 200  # again: harmless
    refused(api.patch(f"{API}/comments/{comment.pk}", {"body": "Back"}, "application/json"),
            400, "This comment was deleted; it cannot be edited.")  # fmt: skip


def test_someone_elses_comment_cannot_be_edited_or_deleted(poem, member, api):
    comment = services.comment_add(author=member, target=poem, body="Mine")
    refused(api.patch(f"{API}/comments/{comment.pk}", {"body": "Yours"}, "application/json"),
            403, "Only its author can edit a comment.")  # fmt: skip
    refused(api.delete(f"{API}/comments/{comment.pk}"), 403,
            "Only its author (or staff) can delete a comment.")  # fmt: skip
    comment.refresh_from_db()
    assert comment.body == "Mine" and not comment.is_deleted


def test_staff_delete_through_the_api(poem, member, staff_member):
    comment = services.comment_add(author=member, target=poem, body="Spam")
    assert token_client(staff_member).delete(f"{API}/comments/{comment.pk}").status_code == 200


def test_reporting_a_comment_once(poem, member, api):
    comment = services.comment_add(author=member, target=poem, body="Buy now")
    url = f"{API}/comments/{comment.pk}/reports"
    made = api.post(url, {"reason": "spam", "note": "A shop"}, "application/json")
    assert made.status_code == 201
    assert made.json() | {"id": 0, "created_at": ""} == {
        "id": 0, "comment_id": comment.pk, "reason": "spam", "note": "A shop", "created_at": "",
    }  # fmt: skip
    refused(api.post(url, {"reason": "abuse"}, "application/json"), 409,
            "You already reported this comment; staff will look at it.")  # fmt: skip
    refused(api.post(url, {"reason": "boring"}, "application/json"), 400,
            "Choose why you report it")  # fmt: skip
    refused(token_client(member).post(url, {"reason": "spam"}, "application/json"), 400,
            "This is your own comment")  # fmt: skip
    assert Report.objects.count() == 1


def test_comments_on_hidden_records_answer_as_missing(member, api):
    draft = text_record(member, title="Draft", published=False)
    comment = services.comment_add(author=member, target=draft, body="Secret")
    for response in (
        api.patch(f"{API}/comments/{comment.pk}", {"body": "x"}, "application/json"),
        api.delete(f"{API}/comments/{comment.pk}"),
        api.post(f"{API}/comments/{comment.pk}/reports", {"reason": "spam"}, "application/json"),
    ):
        refused(response, 404, "There is no such comment.")
    comment.refresh_from_db()
    assert comment.body == "Secret" and not Report.objects.exists()


# Hearts and follows --------------------------------------------------------------------------


def test_hearting_a_record(poem, api, client):
    assert api.put(f"{API}/records/{poem.pk}/heart").json() == {
        "record_id": poem.pk, "hearts": 1, "hearted": True
    }  # fmt: skip
    assert api.put(f"{API}/records/{poem.pk}/heart").json()["hearts"] == 1
    assert api.delete(f"{API}/records/{poem.pk}/heart").json() == {
        "record_id": poem.pk, "hearts": 0, "hearted": False
    }  # fmt: skip
    assert api.delete(f"{API}/records/{poem.pk}/heart").status_code == 200


def test_a_hidden_record_cannot_be_hearted(member, api):
    draft = text_record(member, published=False)
    refused(api.put(f"{API}/records/{draft.pk}/heart"), 404, "There is no such record")
    assert not Heart.objects.exists()


def test_following_and_unfollowing_a_member(member, api):
    assert api.put(f"{API}/members/poet/follow").json() == {"following": True, "followers": 1}
    assert api.put(f"{API}/members/poet/follow").json() == {"following": True, "followers": 1}
    assert api.delete(f"{API}/members/poet/follow").json() == {"following": False, "followers": 0}
    refused(api.put(f"{API}/members/nobody/follow"), 404, "There is no such member.")


def test_following_yourself_is_refused(other_member, api):
    refused(api.put(f"{API}/members/stranger/follow"), 400, "You cannot follow yourself.")
    assert not Follow.objects.exists()


def test_following_a_collaboration(member, api):
    collab = collaboration(member)
    url = f"{API}/collaborations/{collab.pk}/follow"
    assert api.put(url).json() == {"following": True, "followers": 1}
    assert api.delete(url).json() == {"following": False, "followers": 0}
    draft = collaboration(member, status=Status.DRAFT)
    refused(api.put(f"{API}/collaborations/{draft.pk}/follow"), 404, "no such collaboration")


def test_the_feed_through_the_api(member, other_member, api):
    api.put(f"{API}/members/poet/follow")
    poem = text_record(member, title="Harbour at Dusk")
    page = api.get(f"{API}/feed").json()
    assert page["next_cursor"] is None
    assert [(a["verb"], a["text"], a["record_id"], a["url"]) for a in page["items"]] == [
        ("posted", "Poet posted “Harbour at Dusk”", poem.pk, f"/records/{poem.pk}/")
    ]
    assert page["items"][0]["actor"]["username"] == "poet"


# Collaborations and submissions --------------------------------------------------------------


def test_comments_on_a_collaboration(member, api, client):
    collab = collaboration(member)
    url = f"{API}/collaborations/{collab.pk}/comments"
    made = api.post(url, {"body": "Count me in"}, "application/json")
    assert made.status_code == 201, made.content
    assert made.json()["url"] == f"/collaborations/{collab.pk}/#comment-{made.json()['id']}"
    assert [c["body"] for c in client.get(url).json()["items"]] == ["Count me in"]
    draft = collaboration(member, status=Status.DRAFT)
    refused(api.post(f"{API}/collaborations/{draft.pk}/comments", {"body": "x"},
                     "application/json"), 404, "There is no such collaboration")  # fmt: skip


def test_comments_on_a_submission_are_for_its_artist_and_leaders(
    member, other_member, api, make_member, upload, client
):
    footage = record_create_upload(author=other_member, upload=upload("clip"), title="Dawn")
    entry = submission(collaboration(member), footage)
    url = f"{API}/submissions/{entry.pk}/comments"
    made = api.post(url, {"body": "Shot at dawn", "timecode": 0.2}, "application/json")
    assert made.status_code == 201, made.content
    assert made.json()["version"] == 1
    assert token_client(member).get(url).json()["count"] == 1
    before = counts()
    outsider = token_client(make_member(username="outsider"))
    refused(outsider.get(url), 404, "There is no such submission")
    refused(outsider.post(url, {"body": "x"}, "application/json"), 404, "no such submission")
    refused(client.get(url), 401, LOG_IN)
    assert counts() == before


# Anonymous writes ----------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), [
    ("post", "/records/{pk}/comments"),
    ("patch", "/comments/{comment}"),
    ("delete", "/comments/{comment}"),
    ("post", "/comments/{comment}/reports"),
    ("put", "/records/{pk}/heart"),
    ("delete", "/records/{pk}/heart"),
    ("put", "/members/poet/follow"),
    ("delete", "/members/poet/follow"),
    ("put", "/collaborations/{collab}/follow"),
    ("post", "/collaborations/{collab}/comments"),
    ("get", "/feed"),
])  # fmt: skip
def test_anonymous_writes_are_refused_with_401(client, poem, member, method, path):
    comment = services.comment_add(author=member, target=poem, body="Hi")
    collab = collaboration(member)
    before = counts()
    url = API + path.format(pk=poem.pk, comment=comment.pk, collab=collab.pk)
    payload = {"body": "x", "reason": "spam"}
    response = getattr(client, method)(url, payload, "application/json")
    refused(response, 401, LOG_IN)
    assert counts() == before


def test_the_browser_session_needs_the_csrf_token(poem, other_member):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(other_member)
    refused(browser.post(f"{API}/records/{poem.pk}/comments", {"body": "x"}, "application/json"),
            403, "CSRF check failed")  # fmt: skip
    assert not Comment.objects.exists()


def test_the_openapi_description_lists_the_paths_with_examples(client):
    schema = client.get(f"{API}/openapi.json").json()
    paths = schema["paths"]
    for path, methods in {
        "/api/v1/records/{record_id}/comments": {"get", "post"},
        "/api/v1/collaborations/{collaboration_id}/comments": {"get", "post"},
        "/api/v1/submissions/{submission_id}/comments": {"get", "post"},
        "/api/v1/comments/{comment_id}": {"patch", "delete"},
        "/api/v1/comments/{comment_id}/reports": {"post"},
        "/api/v1/records/{record_id}/heart": {"put", "delete"},
        "/api/v1/members/{username}/follow": {"put", "delete"},
        "/api/v1/collaborations/{collaboration_id}/follow": {"put", "delete"},
        "/api/v1/feed": {"get"},
    }.items():
        assert methods <= set(paths[path]), path
    comment_in = schema["components"]["schemas"]["CommentIn"]
    assert {"body": "The cello comes in here — goosebumps.", "timecode": 83.5} in (
        comment_in["examples"]
    )
