"""Members and API tokens through the HTTP API, and how every caller is authenticated."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ensemble.accounts.models import ApiToken
from ensemble.accounts.services import api_token_create
from ensemble.accounts.tokens import digest

pytestmark = pytest.mark.django_db

API = "/api/v1"
LOG_IN = "Log in, or send an API token as “Authorization: Bearer <token>”."
BAD_TOKEN = "This API token is unknown, expired or revoked."
BAD_HEADER = "Send the token as “Authorization: Bearer <token>”."
CSRF = "CSRF check failed: reload the page and try again."


def bearer(secret: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {secret}"})


def token_client(person: Any) -> Client:
    return bearer(api_token_create(member=person, name="tests").secret)


def refused(response: Any, status: int, message: str | None = None) -> dict[str, Any]:
    """The answer is a JSON error with this status and (a message containing) this message."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json"), response.content[:500]
    body: dict[str, Any] = response.json()
    assert isinstance(body.get("detail"), str) and body["detail"].strip(), body
    if message is not None:
        assert message in body["detail"], body
    return body


def post_json(client: Client, path: str, data: Any) -> Any:
    return client.post(f"{API}{path}", data=data, content_type="application/json")


@pytest.fixture
def caller(member: Any, other_member: Any, staff_member: Any) -> Any:
    def make(who: str) -> Client:
        if who == "anonymous":
            return Client()
        return token_client({"self": member, "other": other_member, "staff": staff_member}[who])

    return make


# Members ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["self", "other", "anonymous", "staff"])
def test_anyone_may_read_a_member_profile(member, caller, who):
    member.display_name, member.city, member.roles = "The Poet", "Prague", ["writer"]
    member.save()
    response = caller(who).get(f"{API}/members/poet")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["username"], body["name"], body["city"]) == ("poet", "The Poet", "Prague")
    assert (body["roles"], body["avatar_url"], body["url"]) == (["writer"], None, "/@poet/")
    assert "email" not in body and "password" not in body


def test_an_unknown_or_inactive_member_is_404(make_member):
    make_member(username="gone", is_active=False)
    client = Client()
    refused(client.get(f"{API}/members/nobody"), 404, "There is no member called 'nobody'.")
    refused(client.get(f"{API}/members/gone"), 404, "There is no member called 'gone'.")
    refused(client.get(f"{API}/members/a%00b"), 404, "There is no member called")


@pytest.mark.parametrize("who", ["self", "other", "anonymous", "staff"])
def test_me_is_the_caller(caller, who):
    response = caller(who).get(f"{API}/me")
    if who == "anonymous":
        refused(response, 401, LOG_IN)
        return
    expected = {"self": "poet", "other": "stranger", "staff": "moderator"}[who]
    assert response.status_code == 200 and response.json()["username"] == expected


# Tokens: create, list, revoke ---------------------------------------------------------------


def test_a_new_token_shows_its_secret_once_and_works(member_client, member):
    response = post_json(member_client, "/tokens", {"name": "Uploader", "expires_in_days": 30})
    assert response.status_code == 201, response.content
    created = response.json()
    secret = created["secret"]
    assert secret.startswith("ens_") and len(secret) > 40
    assert created["prefix"] == secret[:12]
    assert (created["name"], created["active"], created["revoked_at"]) == ("Uploader", True, None)
    token = ApiToken.objects.get(pk=created["id"])
    assert token.key_hash == digest(secret) and secret not in token.key_hash
    assert token.expires_at is not None
    assert token.expires_at - timezone.now() == pytest.approx(
        timedelta(days=30), abs=timedelta(minutes=1)
    )

    listed = member_client.get(f"{API}/tokens").json()
    assert [t["id"] for t in listed] == [created["id"]]
    assert "secret" not in listed[0] and secret not in str(listed)

    me = bearer(secret).get(f"{API}/me")
    assert me.status_code == 200 and me.json()["username"] == "poet"
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_tokens_are_listed_newest_first_and_only_to_their_member(member, other_member):
    older = api_token_create(member=member, name="older").token
    ApiToken.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=1))
    newer = api_token_create(member=member, name="newer").token
    api_token_create(member=other_member, name="theirs")
    listed = token_client(member).get(f"{API}/tokens").json()
    assert [t["name"] for t in listed] == ["tests", "newer", "older"]
    assert newer.pk in {t["id"] for t in listed}


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"name": ""}, 400, "Give the token a name, so you know later what uses it."),
        ({"name": "   "}, 400, "Give the token a name"),
        ({"name": "n" * 81}, 400, "The token name is too long: 81 characters, the limit is 80."),
        ({"name": "a\x00b"}, 400, "The token name contains a NUL character"),
        ({"name": "x", "expires_in_days": 0}, 400, "A token can expire after 1 to 3650 days."),
        ({"name": "x", "expires_in_days": 3651}, 400, "A token can expire after 1 to 3650 days."),
        ({"name": "x", "expires_in_days": 10**30}, 400, "A token can expire after 1 to 3650"),
        ({"name": "x", "expires_in_days": "soon"}, 422, "expires_in_days: Input should be"),
        ({}, 422, "name: Field required"),
        (b"{", 400, "The request body is not valid JSON"),
        (b"\xc3\x28", 400, "The request body is not valid JSON"),
        (b'{"name": "\\udc00"}', 400, "The token name contains characters that are not valid"),
    ],
    ids=lambda value: repr(value)[:40],
)
def test_bad_token_requests_are_refused_and_no_token_is_made(member, body, status, message):
    client = Client()
    client.force_login(member)
    refused(post_json(client, "/tokens", body), status, message)
    assert not ApiToken.objects.exists()


def test_revoking_a_token_stops_it_at_once(member):
    issued = api_token_create(member=member, name="script")
    client = bearer(issued.secret)
    assert client.get(f"{API}/me").status_code == 200
    response = client.delete(f"{API}/tokens/{issued.token.pk}")
    assert response.status_code == 200, response.content
    assert response.json()["active"] is False and response.json()["revoked_at"]
    refused(client.get(f"{API}/me"), 401, BAD_TOKEN)
    refused(client.get(f"{API}/records"), 401, BAD_TOKEN)  # even where a visitor may read


def test_revoking_twice_keeps_the_first_time(member):
    token = api_token_create(member=member, name="script").token
    client = token_client(member)
    first = client.delete(f"{API}/tokens/{token.pk}").json()["revoked_at"]
    second = client.delete(f"{API}/tokens/{token.pk}")
    assert second.status_code == 200 and second.json()["revoked_at"] == first


def test_nobody_revokes_another_members_token(member, other_member, staff_member):
    theirs = api_token_create(member=other_member, name="theirs")
    for client in (token_client(member), token_client(staff_member)):
        refused(client.delete(f"{API}/tokens/{theirs.token.pk}"), 404, "You have no token with")
    refused(Client().delete(f"{API}/tokens/{theirs.token.pk}"), 401, LOG_IN)
    refused(token_client(member).delete(f"{API}/tokens/999999"), 404, "You have no token with")
    refused(token_client(member).delete(f"{API}/tokens/abc"), 422, "token_id: Input should be")
    theirs.token.refresh_from_db()
    assert theirs.token.is_active
    assert bearer(theirs.secret).get(f"{API}/me").json()["username"] == "stranger"


@pytest.mark.parametrize("path", ["/me", "/tokens"])
def test_anonymous_visitors_get_401_for_member_endpoints(path):
    refused(Client().get(f"{API}{path}"), 401, LOG_IN)
    refused(post_json(Client(), "/tokens", {"name": "x"}), 401, LOG_IN)
    assert not ApiToken.objects.exists()


# Authentication failures: always 401 with JSON, on private and public endpoints ------------


@pytest.mark.parametrize("path", ["/me", "/records", "/members/poet"])
@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("revoked", BAD_TOKEN),
        ("expired", BAD_TOKEN),
        ("inactive-member", BAD_TOKEN),
        ("garbage", BAD_TOKEN),
        ("not-latin", BAD_TOKEN),
    ],
)
def test_a_token_that_is_not_good_is_refused(member, path, state, message):
    issued = api_token_create(member=member, name="script")
    secret = issued.secret
    if state == "revoked":
        ApiToken.objects.filter(pk=issued.token.pk).update(revoked_at=timezone.now())
    elif state == "expired":
        past = timezone.now() - timedelta(seconds=1)
        ApiToken.objects.filter(pk=issued.token.pk).update(expires_at=past)
    elif state == "inactive-member":
        member.is_active = False
        member.save()
    elif state == "garbage":
        secret = "ens_" + "x" * 43
    else:
        secret = "ens_žluťoučký"
    headers = {"Authorization": f"Bearer {secret}"}
    if state == "not-latin":  # a raw header as a server receives it: bytes read as latin-1
        headers = {"Authorization": f"Bearer {secret}".encode().decode("latin-1")}
    refused(Client(headers=headers).get(f"{API}{path}"), 401, message)


@pytest.mark.parametrize(
    "header",
    ["Token abc", "Bearer", "Bearer    ", "Basic cG9ldDpwYXNzd29yZA==", "abc", " Bearer x"],
)
@pytest.mark.parametrize("path", ["/me", "/records"])
def test_a_malformed_authorization_header_is_refused(member, header, path):
    refused(Client(headers={"Authorization": header}).get(f"{API}{path}"), 401, BAD_HEADER)


def test_the_scheme_name_is_not_case_sensitive(member):
    secret = api_token_create(member=member, name="script").secret
    response = Client(headers={"Authorization": f"bearer {secret}"}).get(f"{API}/me")
    assert response.status_code == 200 and response.json()["username"] == "poet"


def test_a_bad_token_is_refused_even_with_a_good_session(member):
    client = Client(headers={"Authorization": "Bearer ens_nope"})
    client.force_login(member)
    refused(client.get(f"{API}/me"), 401, BAD_TOKEN)


def test_an_expired_token_stops_and_a_future_one_works(member):
    issued = api_token_create(member=member, name="script", expires_in_days=1)
    assert bearer(issued.secret).get(f"{API}/me").status_code == 200
    ApiToken.objects.filter(pk=issued.token.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    refused(bearer(issued.secret).get(f"{API}/me"), 401, BAD_TOKEN)
    listed = token_client(member).get(f"{API}/tokens").json()
    assert {t["name"]: t["active"] for t in listed} == {"script": False, "tests": True}


# Browser sessions and CSRF -----------------------------------------------------------------


def test_the_session_works_for_reads_without_a_csrf_token(member):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    assert browser.get(f"{API}/me").json()["username"] == "poet"
    assert browser.get(f"{API}/tokens").status_code == 200


def test_session_writes_without_the_csrf_token_are_refused(member):
    token = api_token_create(member=member, name="script").token
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    refused(post_json(browser, "/tokens", {"name": "new"}), 403, CSRF)
    refused(browser.delete(f"{API}/tokens/{token.pk}"), 403, CSRF)
    browser.cookies["csrftoken"] = "c" * 32  # a cookie without the matching header
    refused(post_json(browser, "/tokens", {"name": "new"}), 403, CSRF)
    refused(
        browser.post(
            f"{API}/tokens",
            data={"name": "new"},
            content_type="application/json",
            headers={"X-CSRFToken": "d" * 32},  # a header that does not match the cookie
        ),
        403,
        CSRF,
    )
    assert list(ApiToken.objects.values_list("name", "revoked_at")) == [("script", None)]


def test_session_writes_with_the_csrf_cookie_and_header_work(member):
    token = api_token_create(member=member, name="script").token
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    csrf = "e" * 32
    browser.cookies["csrftoken"] = csrf
    response = browser.post(
        f"{API}/tokens",
        data={"name": "new"},
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )
    assert response.status_code == 201, response.content
    response = browser.delete(f"{API}/tokens/{token.pk}", headers={"X-CSRFToken": csrf})
    assert response.status_code == 200 and response.json()["active"] is False


def test_a_logged_out_session_is_anonymous(member):
    browser = Client()
    browser.force_login(member)
    browser.logout()
    refused(browser.get(f"{API}/me"), 401, LOG_IN)
