"""Notifications through the HTTP API: only the recipient reads or marks them; every refusal
is JSON {"detail": "<message>"} with a 4xx status and changes nothing."""

from typing import Any

import pytest
from django.test import Client

from ensemble.notifications.models import Notification

from .helpers import remixed, token_client

pytestmark = pytest.mark.django_db

API = "/api/v1/notifications"
LOG_IN = "Log in, or send an API token as “Authorization: Bearer <token>”."
NO_SUCH = "There is no such notification."


def refused(response: Any, status: int, message: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json"), response.content[:500]
    body: dict[str, Any] = response.json()
    assert isinstance(body.get("detail"), str) and body["detail"].strip(), body
    if message is not None:
        assert message in body["detail"], body
    return body


def unread_of(member: Any) -> int:
    return Notification.objects.filter(recipient=member, read_at=None).count()


def test_the_recipient_lists_their_notifications_newest_first_in_pages(member, other_member):
    made = [remixed(member, other_member, title=f"Poem {i}") for i in range(5)]
    remixed(other_member, member)  # not theirs
    api = token_client(member)
    first = api.get(API, {"limit": 3})
    assert first.status_code == 200
    body = first.json()
    assert [n["id"] for n in body["items"]] == [n.pk for n in reversed(made)][:3]
    item = body["items"][0]
    assert item["kind"] == "remixed"
    assert item["text"] == "Stranger built on your record “Poem 4”"
    assert (item["url"], item["subject_label"]) == ("/records/1/", "Poem 4")
    assert item["actor"] == {"username": "stranger", "name": "Stranger", "url": "/@stranger/"}
    assert item["unread"] is True and item["read_at"] is None
    rest = api.get(API, {"limit": 3, "cursor": body["next_cursor"]}).json()
    assert [n["id"] for n in rest["items"]] == [made[1].pk, made[0].pk]
    assert rest["next_cursor"] is None


def test_the_unread_count_and_marking_one_and_all_read(member, other_member):
    one, _, _ = (remixed(member, other_member) for _ in range(3))
    api = token_client(member)
    assert api.get(f"{API}/unread-count").json() == {"unread": 3}

    marked = api.post(f"{API}/{one.pk}/read")
    assert marked.status_code == 200
    assert marked.json()["id"] == one.pk and marked.json()["unread"] is False
    again = api.post(f"{API}/{one.pk}/read")  # harmless
    assert again.status_code == 200 and again.json()["read_at"] == marked.json()["read_at"]
    assert api.get(f"{API}/unread-count").json() == {"unread": 2}

    assert api.post(f"{API}/read-all").json() == {"marked": 2}
    assert api.post(f"{API}/read-all").json() == {"marked": 0}
    assert api.get(f"{API}/unread-count").json() == {"unread": 0}


def test_the_browser_session_works_too(member, other_member, member_client):
    remixed(member, other_member)
    assert member_client.get(f"{API}/unread-count").json() == {"unread": 1}
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    refused(browser.post(f"{API}/read-all"), 403, "CSRF check failed")
    assert unread_of(member) == 1


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", ""), ("get", "/unread-count"), ("post", "/read-all"), ("post", "/1/read")],
)
def test_visitors_are_asked_to_log_in(client, member, other_member, method, path):
    remixed(member, other_member)
    refused(getattr(client, method)(f"{API}{path}"), 401, LOG_IN)
    assert unread_of(member) == 1


def test_a_bad_token_is_refused(member):
    bad = Client(headers={"Authorization": "Bearer nope"})
    refused(bad.get(API), 401, "This API token is unknown, expired or revoked.")


def test_another_member_can_neither_see_nor_mark_yours(member, other_member):
    notification = remixed(member, other_member)
    stranger = token_client(other_member)
    assert stranger.get(API).json() == {"items": [], "next_cursor": None}
    assert stranger.get(f"{API}/unread-count").json() == {"unread": 0}
    refused(stranger.post(f"{API}/{notification.pk}/read"), 404, NO_SUCH)
    assert stranger.post(f"{API}/read-all").json() == {"marked": 0}
    assert unread_of(member) == 1


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/987654/read", 404, NO_SUCH),
        ("/0/read", 404, NO_SUCH),
        ("/-3/read", 404, NO_SUCH),
        (f"/{2**70}/read", 404, NO_SUCH),
        ("/abc/read", 422, "notification_id: Input should be a valid integer"),
        ("/1.5/read", 422, "notification_id: Input should be a valid integer"),
        ("/%00/read", 422, "notification_id"),
    ],
)
def test_unknown_or_malformed_ids_are_refused(member, other_member, path, status, message):
    remixed(member, other_member)
    refused(token_client(member).post(f"{API}{path}"), status, message)
    assert unread_of(member) == 1


def test_wrong_methods_and_bad_queries_are_refused(member):
    api = token_client(member)
    refused(api.get(f"{API}/read-all"), 405, "GET is not allowed here")
    refused(api.delete(f"{API}/1/read"), 405)
    refused(api.get(API, {"cursor": "garbage"}), 400, "That page cursor is not valid")
    refused(api.get(API, {"limit": "many"}), 422, "limit: Input should be a valid integer")


def test_out_of_range_limits_are_clamped(member, other_member):
    for _ in range(3):
        remixed(member, other_member)
    api = token_client(member)
    assert len(api.get(API, {"limit": 0}).json()["items"]) == 1
    assert len(api.get(API, {"limit": 10**6}).json()["items"]) == 3


def test_listing_takes_a_fixed_number_of_queries(
    make_member, member, django_assert_max_num_queries
):
    actors = [make_member(username=f"actor-{i}") for i in range(10)]
    for actor in actors * 3:
        remixed(member, actor)
    api = token_client(member)
    # the token and its "last used" write, then the notifications with their actors
    with django_assert_max_num_queries(3):
        response = api.get(API, {"limit": 30})
    assert len(response.json()["items"]) == 30


def test_the_openapi_document_describes_the_endpoints(client):
    doc = client.get("/api/v1/openapi.json").json()
    paths = {
        (method, path) for path, ops in doc["paths"].items() for method in ops
        if path.startswith("/api/v1/notifications")
    }  # fmt: skip
    assert paths == {
        ("get", "/api/v1/notifications"),
        ("get", "/api/v1/notifications/unread-count"),
        ("post", "/api/v1/notifications/read-all"),
        ("post", "/api/v1/notifications/{notification_id}/read"),
    }
    for path, ops in doc["paths"].items():
        if path.startswith("/api/v1/notifications"):
            for op in ops.values():
                assert op["security"] == [{"MemberAuth": []}]
                assert {"200", "401", "404"} <= set(op["responses"])
