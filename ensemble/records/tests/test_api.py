"""Records through the HTTP API: who may do what, what is refused with which message, listing.

Every refusal is JSON {"detail": "<message>"} with a 4xx status, and leaves nothing behind.
"""

import base64
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from ensemble.accounts.services import api_token_create
from ensemble.records.models import Record, RecordVersion, Tag
from ensemble.records.services import record_create_upload
from tests.factories import text_record

pytestmark = pytest.mark.django_db

API = "/api/v1"
NOT_VISIBLE = "There is no such record, or it is not published."
NOT_AUTHOR = "Only the record's author can change it."
LOG_IN = "Log in, or send an API token as “Authorization: Bearer <token>”."
BAD_CURSOR = "That page cursor is not valid; start from the first page."


def token_client(person: Any) -> Client:
    issued = api_token_create(member=person, name="tests")
    return Client(headers={"Authorization": f"Bearer {issued.secret}"})


@pytest.fixture
def caller(member: Any, other_member: Any, staff_member: Any) -> Callable[[str], Client]:
    """A client for "author" (poet), "other", "staff" or "anonymous", with a bearer token."""

    def make(who: str) -> Client:
        if who == "anonymous":
            return Client()
        return token_client({"author": member, "other": other_member, "staff": staff_member}[who])

    return make


@pytest.fixture
def author_client(member: Any) -> Client:
    return token_client(member)


def refused(response: Any, status: int, message: str | None = None) -> dict[str, Any]:
    """The answer is a JSON error with this status and (a message containing) this message."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json"), response.content[:500]
    body: dict[str, Any] = response.json()
    assert isinstance(body.get("detail"), str) and body["detail"].strip(), body
    if message is not None:
        assert message in body["detail"], body
    return body


def markup_of(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """The elements (tag and attributes) in a piece of HTML, as a browser would see them."""
    found: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, attrs))

    Collect().feed(html)
    return found


def stored_originals() -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / "originals"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def counts() -> tuple[int, int, int]:
    return Record.objects.count(), RecordVersion.objects.count(), Tag.objects.count()


def post_json(client: Client, path: str, data: Any) -> Any:
    return client.post(f"{API}{path}", data=data, content_type="application/json")


# Who may see and change a record ------------------------------------------------------------

CALLERS = ["author", "other", "anonymous", "staff"]
ACTIONS = ["read", "versions", "edit", "text-version", "upload-version", "unpublish", "publish"]


def _expected(action: str, who: str, published: bool) -> tuple[int, str | None]:
    reads = action in ("read", "versions")
    if who == "anonymous" and not reads:
        return 401, LOG_IN
    if not published and who not in ("author", "staff"):
        return 404, NOT_VISIBLE
    if reads:
        return 200, None
    if who != "author":
        return 403, NOT_AUTHOR
    return (201 if action.endswith("version") else 200), None


def _act(client: Client, action: str, record: Record, new_file: SimpleUploadedFile) -> Any:
    base = f"{API}/records/{record.pk}"
    if action == "read":
        return client.get(base)
    if action == "versions":
        return client.get(f"{base}/versions")
    if action == "edit":
        return client.patch(base, data={"title": "Changed"}, content_type="application/json")
    if action == "text-version":
        return post_json(client, f"/records/{record.pk}/versions/text", {"text": "A new verse"})
    if action == "upload-version":
        return client.post(f"{base}/versions", data={"file": new_file, "note": "regraded"})
    return client.post(f"{base}/{action}")  # unpublish, publish


@pytest.mark.parametrize("published", [True, False], ids=["published", "unpublished"])
@pytest.mark.parametrize("who", CALLERS)
@pytest.mark.parametrize("action", ACTIONS)
def test_who_may_see_and_change_a_record(member, upload, caller, action, who, published):
    if action == "upload-version":
        record = record_create_upload(
            author=member, upload=upload("clip"), title="Clip", published=published
        )
    else:
        record = text_record(member, title="Poem", published=published)
    before = (record.title, record.published, record.versions.count())
    client = caller(who)

    response = _act(client, action, record, upload("other"))

    status, message = _expected(action, who, published)
    record.refresh_from_db()
    if status >= 400:
        refused(response, status, message)
        assert (record.title, record.published, record.versions.count()) == before
        return
    assert response.status_code == status, response.content[:500]
    body = response.json()
    if action == "read":
        assert (body["id"], body["title"], body["published"]) == (record.pk, "Poem", published)
    elif action == "versions":
        assert [v["number"] for v in body] == [1]
    elif action == "edit":
        assert body["title"] == record.title == "Changed"
    elif action.endswith("version"):
        assert body["number"] == 2
        assert record.versions.count() == 2
        assert record.current_version is not None and record.current_version.number == 2
    else:
        assert body["published"] is record.published is (action == "publish")


@pytest.mark.parametrize("who", CALLERS)
def test_only_members_create_records(caller, upload, who):
    client = caller(who)
    text = post_json(client, "/records/text", {"title": "Poem", "text": "Words"})
    media = client.post(f"{API}/records/upload", data={"file": upload("image-png")})
    if who == "anonymous":
        refused(text, 401, LOG_IN)
        refused(media, 401, LOG_IN)
        assert counts() == (0, 0, 0)
        return
    assert text.status_code == 201 and media.status_code == 201, (text.content, media.content)
    username = {"author": "poet", "other": "stranger", "staff": "moderator"}[who]
    assert text.json()["author"]["username"] == media.json()["author"]["username"] == username
    assert media.json()["kind"] == "image"


def test_an_unpublished_record_leaves_the_public_feed_but_not_its_authors_list(
    member, caller, author_client
):
    hidden = text_record(member, title="Draft", published=False)
    shown = text_record(member, title="Out")
    for who in CALLERS:
        titles = [r["title"] for r in caller(who).get(f"{API}/records").json()["items"]]
        assert titles == ["Out"], who
    mine = author_client.get(f"{API}/records", {"author": "poet"}).json()["items"]
    assert [r["id"] for r in mine] == [shown.pk, hidden.pk]
    theirs = caller("other").get(f"{API}/records", {"author": "poet"}).json()["items"]
    assert [r["id"] for r in theirs] == [shown.pk]


def test_a_record_that_does_not_exist_is_404_for_reads_and_writes(author_client):
    refused(author_client.get(f"{API}/records/999999"), 404, NOT_VISIBLE)
    refused(author_client.get(f"{API}/records/999999/versions"), 404, NOT_VISIBLE)
    response = author_client.patch(
        f"{API}/records/999999", data={"title": "x"}, content_type="application/json"
    )
    refused(response, 404, NOT_VISIBLE)
    refused(author_client.post(f"{API}/records/999999/publish"), 404, NOT_VISIBLE)
    refused(author_client.get(f"{API}/records/{2**70}"), 404, NOT_VISIBLE)


def test_a_record_id_that_is_not_a_number_is_refused_with_json(author_client):
    refused(author_client.get(f"{API}/records/abc"), 422, "record_id: Input should be")


# Creating records: what is stored ----------------------------------------------------------


def test_a_text_record_is_created_with_its_fields(author_client, member):
    response = post_json(
        author_client,
        "/records/text",
        {
            "title": "Night walk",
            "text": "*Streets* glow",
            "description": "A poem about Prague",
            "tags": ["Poem", "#City Walk"],
            "city": "Prague",
            "licence": "cc-by",
            "published": False,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    record = Record.objects.get(pk=body["id"])
    assert record.author == member
    assert body["kind"] == "text"
    assert body["tags"] == ["city-walk", "poem"]
    assert (body["city"], body["licence"], body["published"]) == ("Prague", "cc-by", False)
    assert body["licence_url"] == "https://creativecommons.org/licenses/by/4.0/"
    assert body["current_version"]["text"] == "*Streets* glow"
    assert body["current_version"]["text_html"] == "<p><em>Streets</em> glow</p>\n"
    assert body["current_version"]["original_url"] is None
    assert body["url"] == f"/records/{record.pk}/"


def test_an_uploaded_video_is_described_with_its_probe_and_original(author_client, upload):
    response = author_client.post(
        f"{API}/records/upload",
        data={"file": upload("clip"), "title": "Clip", "tags": "Night, city walk", "city": "Oslo"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    version = body["current_version"]
    assert (body["kind"], body["title"], body["tags"]) == ("video", "Clip", ["city-walk", "night"])
    assert version["content_type"] == "video/mp4"
    assert version["original_filename"] == "clip.mp4"
    assert version["original_url"] == f"/records/{body['id']}/v/1/original"
    assert (version["probe"]["width"], version["probe"]["height"]) == (160, 90)
    assert version["text"] is None and version["text_html"] is None


def test_html_and_script_are_stored_as_typed_and_never_rendered(author_client):
    attack = "<script>alert(1)</script>"
    response = post_json(
        author_client,
        "/records/text",
        {
            "title": f"Night {attack}",
            "description": '<img src=x onerror="alert(1)">',
            "tags": [attack, "<b>Bold</b> Move", "#POEM", "poem"],
            "city": "<i>Prague</i>",
            "text": f"*Streets*\n\n{attack}\n\n[x](javascript:alert(1)) "
            '<img src=x onerror="alert(1)"> <a href="#" onclick="alert(1)">y</a>',
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"] == f"Night {attack}"  # stored as typed; pages escape it
    assert body["description"] == '<img src=x onerror="alert(1)">'
    assert body["city"] == "<i>Prague</i>"
    assert body["tags"] == ["b-bold-b-move", "poem", "script-alert-1-script"]
    html = body["current_version"]["text_html"]
    assert "<em>Streets</em>" in html
    assert "&lt;script&gt;" in html  # shown as text, not run
    elements = markup_of(html)
    assert {tag for tag, _ in elements} <= {"p", "em", "a"}, elements
    assert not [a for _, attrs in elements for a in attrs if a[0].startswith("on")], elements
    assert not [a for _, attrs in elements for a in attrs if "javascript" in (a[1] or "")]
    fetched = author_client.get(f"{API}/records/{body['id']}").json()
    assert fetched["current_version"]["text_html"] == html


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("../../etc/passwd.png", "passwd.png"),
        ("..\\..\\windows\\evil.png", "evil.png"),
        ("/absolute/path/x.png", "x.png"),
        ("nul\x00byte.png", "nulbyte.png"),
        ("...hidden.png", "hidden.png"),
    ],
)
def test_upload_filenames_cannot_reach_outside_the_content_addressed_store(
    author_client, upload, name, stored
):
    response = author_client.post(f"{API}/records/upload", data={"file": upload("image-png", name)})
    assert response.status_code == 201, response.content
    version = RecordVersion.objects.get()
    assert version.original_filename == stored
    assert response.json()["current_version"]["original_filename"] == stored
    sha = version.sha256
    assert version.original.name == f"originals/{sha[:2]}/{sha[2:4]}/{sha}.png"
    assert Path(version.original.path).resolve().is_relative_to(Path(settings.MEDIA_ROOT))


# Creating records: what is refused ---------------------------------------------------------


@pytest.mark.parametrize(
    ("file_key", "file_name", "fields", "status", "message"),
    [
        (None, None, {}, 422, "file: Field required"),
        ("empty", "empty.mp4", {}, 400, "The file is empty."),
        ("text", None, {}, 415, "“text.mp4”: This file is not a video we can read"),
        ("truncated", None, {}, 415, "“truncated.mp4”: "),
        ("tone", "tone.mp4", {}, 415, "“tone.mp4”: This file has no video in it."),
        ("clip", "clip.exe", {}, 415, "“clip.exe” is not a file type Ensemble accepts"),
        ("clip", None, {"kind": "sculpture"}, 400, "Unknown kind 'sculpture': choose one of"),
        ("clip", None, {"kind": "text"}, 400, "Text records are written in the page"),
        ("clip", None, {"kind": "audio"}, 415, "“clip.mp4” is not accepted as audio"),
        ("clip", None, {"licence": "all-rights"}, 400, "Unknown licence 'all-rights'"),
        ("clip", None, {"title": "x" * 10_000}, 400, "Title is too long: 10,000 characters"),
        ("clip", None, {"title": "a\x00b"}, 400, "Title contains a NUL character"),
        ("clip", None, {"tags": "x" * 41}, 400, "is too long: at most 40 characters"),
        ("clip", None, {"published": "perhaps"}, 422, "published: Input should be a valid"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(
    author_client, upload, file_key, file_name, fields, status, message
):
    data: dict[str, Any] = dict(fields)
    if file_key == "empty":
        data["file"] = SimpleUploadedFile(file_name, b"")
    elif file_key:
        data["file"] = upload(file_key, file_name)
    originals = stored_originals()
    refused(author_client.post(f"{API}/records/upload", data=data), status, message)
    assert counts() == (0, 0, 0)
    assert stored_originals() == originals


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"text": "words"}, 422, "title: Field required"),
        ({"title": "Poem"}, 422, "text: Field required"),
        (b"", 422, "request body: Field required"),
        (b"{not json", 400, "The request body is not valid JSON"),
        (b"\xff\xfe\xfa\x00", 400, "The request body is not valid JSON"),
        ('{"title": "Café", "text": "x"}'.encode("latin-1"), 400, "not valid JSON"),
        (b'{"title": "Poem", "text": "\\ud800"}', 400, "The text contains characters that"),
        (b"[1, 2]", 422, "Field required"),
        ({"title": "Poem", "text": "x", "tags": "poem"}, 422, "tags: Input should be a valid"),
        ({"title": "Poem", "text": "x", "licence": "mine"}, 400, "Unknown licence 'mine'"),
        ({"title": "x" * 10_000, "text": "x"}, 400, "Title is too long: 10,000 characters"),
        ({"title": "Poem", "text": "x" * 200_001}, 400, "The text is too long: 200,001"),
        ({"title": "Poem", "text": "   "}, 400, "The text is required."),
        ({"title": "Poem", "text": "x" * (3 * 1024 * 1024)}, 413, "The request body is too"),
    ],
    ids=lambda value: repr(value)[:40],
)
def test_bad_text_records_are_refused_and_nothing_is_stored(author_client, body, status, message):
    refused(post_json(author_client, "/records/text", body), status, message)
    assert counts() == (0, 0, 0)


def test_a_form_encoded_body_is_refused_as_not_json(author_client):
    response = author_client.post(f"{API}/records/text", data={"title": "Poem", "text": "x"})
    refused(response, 400, "The request body is not valid JSON")
    assert counts() == (0, 0, 0)


def test_a_form_with_too_many_fields_is_refused_with_json(author_client, upload):
    data: dict[str, Any] = {
        f"field{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)
    }
    data["file"] = upload("image-png")
    response = author_client.post(f"{API}/records/upload", data=data)
    refused(response, 400, "The number of GET/POST parameters exceeded")
    assert counts() == (0, 0, 0)


def test_the_longest_allowed_text_is_accepted(author_client):
    response = post_json(author_client, "/records/text", {"title": "Epic", "text": "x" * 200_000})
    assert response.status_code == 201, response.content[:300]


# Oversized uploads: refused before the body is read, or while it streams --------------------


def test_an_upload_larger_than_its_content_length_allows_is_refused_before_reading(
    author_client, settings
):
    settings.ENSEMBLE_MAX_UPLOAD_BYTES = 1000
    big = SimpleUploadedFile("big.mp4", b"\x00" * (1024 * 1024 + 4096))
    response = author_client.post(f"{API}/records/upload", data={"file": big})
    body = refused(response, 413, "That file is too large: the limit is 1000 bytes.")
    assert response["Connection"] == "close"  # only the middleware answers like this
    assert "field" not in body
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize("endpoint", ["upload", "version"])
def test_an_upload_past_the_cap_is_stopped_while_it_streams(
    author_client, member, upload, settings, endpoint
):
    record = record_create_upload(author=member, upload=upload("clip"))
    before = counts()
    settings.ENSEMBLE_MAX_UPLOAD_BYTES = 1000  # the body is under the middleware's margin
    path = "/records/upload" if endpoint == "upload" else f"/records/{record.pk}/versions"
    response = author_client.post(f"{API}{path}", data={"file": upload("other")})
    body = refused(response, 413, "That file is too large: the limit is 1000 bytes.")
    assert not response.has_header("Connection")  # not the middleware: the upload handler
    assert "field" not in body  # nor the service's own check, which names the field
    assert counts() == before


# Editing, versions, publishing --------------------------------------------------------------


def test_editing_changes_only_the_fields_sent(author_client, member):
    record = text_record(member, title="Poem", city="Oslo", tags=["night"], licence="cc0")
    response = author_client.patch(
        f"{API}/records/{record.pk}",
        data={"description": "New words", "tags": ["Night", "City Walk"], "licence": None},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["title"], body["city"], body["description"]) == ("Poem", "Oslo", "New words")
    assert body["tags"] == ["city-walk", "night"]
    assert body["licence"] == "cc0"  # null leaves a field as it is
    record.refresh_from_db()
    assert record.description == "New words"


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"title": ""}, 400, "Title is required."),
        ({"title": "t" * 10_000}, 400, "Title is too long"),
        ({"licence": "mine"}, 400, "Unknown licence 'mine'"),
        ({"tags": [f"t{i}" for i in range(21)]}, 400, "At most 20 tags, please."),
        ({"tags": "poem"}, 422, "tags: Input should be a valid list"),
        ({"city": "c" * 81}, 400, "City is too long"),
    ],
)
def test_bad_edits_are_refused_and_nothing_changes(author_client, member, changes, status, message):
    record = text_record(member, title="Poem", tags=["night"])
    before = Record.objects.filter(pk=record.pk).values().get()
    response = author_client.patch(
        f"{API}/records/{record.pk}", data=changes, content_type="application/json"
    )
    refused(response, status, message)
    assert Record.objects.filter(pk=record.pk).values().get() == before
    assert list(record.tags.values_list("name", flat=True)) == ["night"]


def test_a_new_upload_version_becomes_current_and_history_lists_both(author_client, member, upload):
    record = record_create_upload(author=member, upload=upload("clip"), title="Clip")
    response = author_client.post(
        f"{API}/records/{record.pk}/versions", data={"file": upload("other"), "note": "regraded"}
    )
    assert response.status_code == 201, response.content
    assert (response.json()["number"], response.json()["note"]) == (2, "regraded")
    history = author_client.get(f"{API}/records/{record.pk}/versions").json()
    assert [(v["number"], v["note"]) for v in history] == [(2, "regraded"), (1, "")]
    assert history[0]["sha256"] != history[1]["sha256"]
    current = author_client.get(f"{API}/records/{record.pk}").json()["current_version"]
    assert current["number"] == 2


def test_a_new_text_version_is_rendered_safely(author_client, member):
    record = text_record(member, text="first line")
    response = post_json(
        author_client,
        f"/records/{record.pk}/versions/text",
        {"text": "first line\n\n<script>alert(1)</script> **more**", "note": "longer"},
    )
    assert response.status_code == 201, response.content
    version = response.json()
    assert (version["number"], version["note"]) == (2, "longer")
    assert "<strong>more</strong>" in version["text_html"]
    assert {tag for tag, _ in markup_of(version["text_html"])} == {"p", "strong"}
    history = author_client.get(f"{API}/records/{record.pk}/versions").json()
    assert [v["text"] for v in history] == [version["text"], "first line"]


def test_uploading_the_same_bytes_again_is_a_conflict(author_client, member, upload):
    record = record_create_upload(author=member, upload=upload("clip"), title="Clip")
    before = counts()
    response = author_client.post(
        f"{API}/records/{record.pk}/versions", data={"file": upload("clip", "again.mp4")}
    )
    refused(response, 409, "You already uploaded this file: “Clip”, version 1.")
    response = author_client.post(f"{API}/records/upload", data={"file": upload("clip")})
    refused(response, 409, "You already uploaded this file: “Clip”, version 1.")
    assert counts() == before


def test_the_same_text_again_is_a_conflict(author_client, member):
    record = text_record(member, text="same words")
    response = post_json(
        author_client, f"/records/{record.pk}/versions/text", {"text": "same words"}
    )
    refused(response, 409, "Nothing changed: the text is the same as the current version.")
    assert record.versions.count() == 1


@pytest.mark.parametrize(
    ("kind", "endpoint", "status", "message"),
    [
        ("text", "upload", 400, "A text record changes by editing its text"),
        ("video", "text", 400, "Only text records have text to edit"),
        ("video", "wrong-file", 415, "“image.png” is not accepted as video"),
        ("video", "broken-file", 415, "“truncated.mp4”: "),
        ("video", "empty-file", 400, "The file is empty."),
        ("text", "missing-text", 422, "text: Field required"),
        ("text", "long-note", 400, "The version note is too long"),
    ],
)
def test_bad_new_versions_are_refused_and_the_record_stays_as_it_was(
    author_client, member, upload, kind, endpoint, status, message
):
    if kind == "text":
        record = text_record(member)
    else:
        record = record_create_upload(author=member, upload=upload("clip"))
    before = counts()
    originals = stored_originals()
    path = f"{API}/records/{record.pk}/versions"
    files = {
        "upload": upload("other"),
        "wrong-file": upload("image-png"),
        "broken-file": upload("truncated"),
        "empty-file": SimpleUploadedFile("empty.mp4", b""),
    }
    if endpoint in files:
        response = author_client.post(path, data={"file": files[endpoint]})
    else:
        body = {
            "text": {"text": "new words"},
            "missing-text": {"note": "no text"},
            "long-note": {"text": "new words", "note": "n" * 201},
        }[endpoint]
        response = post_json(author_client, f"/records/{record.pk}/versions/text", body)
    refused(response, status, message)
    assert counts() == before
    assert stored_originals() == originals
    record.refresh_from_db()
    assert record.current_version is not None and record.current_version.number == 1


def test_unpublish_hides_and_publish_shows_again(author_client, member):
    record = text_record(member)
    anonymous = Client()
    response = author_client.post(f"{API}/records/{record.pk}/unpublish")
    assert response.status_code == 200 and response.json()["published"] is False
    refused(anonymous.get(f"{API}/records/{record.pk}"), 404, NOT_VISIBLE)
    assert author_client.post(f"{API}/records/{record.pk}/unpublish").status_code == 200
    response = author_client.post(f"{API}/records/{record.pk}/publish")
    assert response.status_code == 200 and response.json()["published"] is True
    assert anonymous.get(f"{API}/records/{record.pk}").status_code == 200
    assert record.versions.count() == 1  # nothing is deleted


# Browser sessions and CSRF -----------------------------------------------------------------


def test_the_browser_session_needs_the_csrf_token_for_writes(member):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    assert browser.get(f"{API}/records").status_code == 200  # reads need no CSRF token
    response = post_json(browser, "/records/text", {"title": "Poem", "text": "words"})
    refused(response, 403, "CSRF check failed: reload the page and try again.")
    assert counts() == (0, 0, 0)

    csrf = "a" * 32
    browser.cookies["csrftoken"] = csrf
    response = browser.post(
        f"{API}/records/text",
        data={"title": "Poem", "text": "words"},
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )
    assert response.status_code == 201, response.content
    record_id = response.json()["id"]
    response = browser.patch(
        f"{API}/records/{record_id}", data={"title": "Poem 2"}, content_type="application/json"
    )
    refused(response, 403, "CSRF check failed")
    assert Record.objects.get().title == "Poem"


def test_a_browser_upload_sends_the_csrf_token_in_the_form(member, upload):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    response = browser.post(f"{API}/records/upload", data={"file": upload("image-png")})
    refused(response, 403, "CSRF check failed")
    csrf = "b" * 32
    browser.cookies["csrftoken"] = csrf
    response = browser.post(
        f"{API}/records/upload", data={"file": upload("image-png"), "csrfmiddlewaretoken": csrf}
    )
    assert response.status_code == 201, response.content


def test_a_bearer_token_needs_no_csrf_token_even_beside_a_session(member, other_member):
    issued = api_token_create(member=member, name="script")
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {issued.secret}"})
    client.force_login(other_member)  # the token, not the session, says who this is
    response = post_json(client, "/records/text", {"title": "Poem", "text": "words"})
    assert response.status_code == 201, response.content
    assert response.json()["author"]["username"] == "poet"


# Listing: filters, pagination, queries -----------------------------------------------------


def test_the_feed_filters_by_kind_tag_city_and_author(member, other_member, upload):
    poem = text_record(member, title="Poem", tags=["night"], city="Prague")
    image = record_create_upload(
        author=other_member, upload=upload("image-png"), tags="Night, sky", city="Oslo"
    )
    song = record_create_upload(author=member, upload=upload("tone"), tags=["day"], city="Oslo")
    client = Client()

    def ids(**query: str) -> list[int]:
        response = client.get(f"{API}/records", query)
        assert response.status_code == 200, response.content
        return [r["id"] for r in response.json()["items"]]

    assert ids() == [song.pk, image.pk, poem.pk]
    assert ids(kind="image") == [image.pk]
    assert ids(kind="audio") == [song.pk]
    assert ids(tag="NIGHT") == [image.pk, poem.pk]
    assert ids(city=" oslo ") == [song.pk, image.pk]
    assert ids(author="poet") == [song.pk, poem.pk]
    assert ids(author="poet", kind="text", tag="night", city="prague") == [poem.pk]
    assert ids(author="nobody") == []
    assert ids(tag="unknown") == []


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ({"kind": "sculpture"}, 400, "Unknown kind 'sculpture'."),
        ({"cursor": "not-a-cursor"}, 400, BAD_CURSOR),
        ({"cursor": "!!!"}, 400, BAD_CURSOR),
        ({"cursor": base64.urlsafe_b64encode(b"2020-01-01|5").decode()}, 400, BAD_CURSOR),
        (
            {"cursor": base64.urlsafe_b64encode(b"0001-01-01T00:00:00+14:00|1").decode()},
            400,
            BAD_CURSOR,
        ),
        ({"cursor": base64.urlsafe_b64encode(b"\xff\xfe|1").decode()}, 400, BAD_CURSOR),
        ({"limit": "many"}, 422, "limit: Input should be a valid integer"),
        ({"tag": "a\x00b"}, 400, "A filter contains a NUL character"),
        ({"author": "\x00"}, 400, "A filter contains a NUL character"),
    ],
    ids=lambda value: repr(value)[:40],
)
def test_bad_feed_queries_are_refused_with_a_message(member, query, status, message):
    text_record(member)
    refused(Client().get(f"{API}/records", query), status, message)


def test_walking_the_cursor_visits_every_record_once(member, other_member):
    records = [text_record(member if i % 2 else other_member, title=f"R{i}") for i in range(7)]
    same_moment = timezone.now()
    Record.objects.filter(pk__in=[r.pk for r in records[2:5]]).update(created_at=same_moment)
    expected = list(
        Record.objects.order_by("-created_at", "-id").values_list("pk", flat=True)
    )  # newest first, ties broken by id
    client = Client()
    seen: list[int] = []
    pages = 0
    cursor = None
    while True:
        query: dict[str, Any] = {"limit": 2}
        if cursor:
            query["cursor"] = cursor
        page = client.get(f"{API}/records", query).json()
        pages += 1
        assert len(page["items"]) <= 2
        seen += [r["id"] for r in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert pages < 10, "the cursor never ends"
    assert seen == expected
    assert pages == 4


def test_the_limit_is_kept_between_one_and_a_hundred(member):
    for i in range(3):
        text_record(member, title=f"R{i}")
    client = Client()
    assert len(client.get(f"{API}/records", {"limit": 0}).json()["items"]) == 1
    assert len(client.get(f"{API}/records", {"limit": -5}).json()["items"]) == 1
    page = client.get(f"{API}/records", {"limit": 10**6}).json()
    assert len(page["items"]) == 3 and page["next_cursor"] is None


@pytest.mark.parametrize("who", ["anonymous", "author"])
def test_listing_twenty_records_takes_a_fixed_number_of_queries(
    make_member, caller, upload, who, django_assert_max_num_queries
):
    authors = [make_member(username=f"artist-{i}") for i in range(4)]
    for i in range(19):
        text_record(authors[i % 4], title=f"R{i}", tags=[f"t{i}", "shared"], city="Oslo")
    record_create_upload(author=authors[0], upload=upload("image-png"), tags="shared")
    client = caller(who)
    # anonymous: records (authors, versions joined) + tags; a token adds its lookup and the
    # once-a-minute "last used" write.
    # records with authors, versions and jobs; tags; renditions (+ the token for scripts)
    with django_assert_max_num_queries(3 if who == "anonymous" else 5):
        response = client.get(f"{API}/records", {"limit": 20})
    items = response.json()["items"]
    assert len(items) == 20
    assert all("shared" in r["tags"] and r["current_version"] for r in items)
    assert {r["author"]["username"] for r in items} == {a.username for a in authors}


# The OpenAPI document ----------------------------------------------------------------------

ENDPOINTS = {
    ("get", "/api/v1/notifications"),
    ("get", "/api/v1/notifications/unread-count"),
    ("post", "/api/v1/notifications/read-all"),
    ("post", "/api/v1/notifications/{notification_id}/read"),
    ("get", "/api/v1/records"),
    ("get", "/api/v1/records/{record_id}/lineage"),
    ("post", "/api/v1/records/text"),
    ("post", "/api/v1/records/upload"),
    ("get", "/api/v1/records/{record_id}"),
    ("patch", "/api/v1/records/{record_id}"),
    ("get", "/api/v1/records/{record_id}/versions"),
    ("post", "/api/v1/records/{record_id}/versions"),
    ("post", "/api/v1/records/{record_id}/versions/text"),
    ("post", "/api/v1/records/{record_id}/unpublish"),
    ("post", "/api/v1/records/{record_id}/publish"),
    ("get", "/api/v1/members/{username}"),
    ("get", "/api/v1/me"),
    ("get", "/api/v1/tokens"),
    ("post", "/api/v1/tokens"),
    ("delete", "/api/v1/tokens/{token_id}"),
    # feedback (ensemble/feedback/api.py)
    ("get", "/api/v1/records/{record_id}/comments"),
    ("post", "/api/v1/records/{record_id}/comments"),
    ("get", "/api/v1/collaborations/{collaboration_id}/comments"),
    ("post", "/api/v1/collaborations/{collaboration_id}/comments"),
    ("get", "/api/v1/submissions/{submission_id}/comments"),
    ("post", "/api/v1/submissions/{submission_id}/comments"),
    ("patch", "/api/v1/comments/{comment_id}"),
    ("delete", "/api/v1/comments/{comment_id}"),
    ("post", "/api/v1/comments/{comment_id}/reports"),
    ("put", "/api/v1/records/{record_id}/heart"),
    ("delete", "/api/v1/records/{record_id}/heart"),
    ("put", "/api/v1/members/{username}/follow"),
    ("delete", "/api/v1/members/{username}/follow"),
    ("put", "/api/v1/collaborations/{collaboration_id}/follow"),
    ("delete", "/api/v1/collaborations/{collaboration_id}/follow"),
    ("get", "/api/v1/feed"),
    # collaborations (ensemble/collabs/api.py)
    ("get", "/api/v1/collaborations"),
    ("post", "/api/v1/collaborations"),
    ("get", "/api/v1/collaborations/{collaboration_id}"),
    ("patch", "/api/v1/collaborations/{collaboration_id}"),
    ("post", "/api/v1/collaborations/{collaboration_id}/status"),
    ("put", "/api/v1/collaborations/{collaboration_id}/cover"),
    ("delete", "/api/v1/collaborations/{collaboration_id}/cover"),
    ("put", "/api/v1/collaborations/{collaboration_id}/partner-logo"),
    ("delete", "/api/v1/collaborations/{collaboration_id}/partner-logo"),
    ("get", "/api/v1/collaborations/{collaboration_id}/leaders"),
    ("post", "/api/v1/collaborations/{collaboration_id}/leaders"),
    ("delete", "/api/v1/collaborations/{collaboration_id}/leaders/{username}"),
    ("get", "/api/v1/collaborations/{collaboration_id}/submissions"),
    ("post", "/api/v1/collaborations/{collaboration_id}/submissions"),
    ("get", "/api/v1/collaborations/{collaboration_id}/assignments"),
    ("post", "/api/v1/collaborations/{collaboration_id}/assignments"),
    ("post", "/api/v1/assignments/{assignment_id}/invitations"),
    ("get", "/api/v1/submissions/{submission_id}"),
    ("post", "/api/v1/submissions/{submission_id}/decisions"),
    ("post", "/api/v1/submissions/{submission_id}/withdraw"),
    ("get", "/api/v1/me/submissions"),
    ("get", "/api/v1/me/invitations"),
    ("post", "/api/v1/invitations/{invitation_id}/accept"),
    ("post", "/api/v1/invitations/{invitation_id}/decline"),
    # productions (ensemble/productions/api.py)
    ("get", "/api/v1/productions"),
    ("post", "/api/v1/productions"),
    ("get", "/api/v1/productions/{production_id}"),
    ("patch", "/api/v1/productions/{production_id}"),
    ("put", "/api/v1/productions/{production_id}/release"),
    ("put", "/api/v1/productions/{production_id}/cover"),
    ("delete", "/api/v1/productions/{production_id}/cover"),
    ("get", "/api/v1/productions/{production_id}/extras"),
    ("post", "/api/v1/productions/{production_id}/extras"),
    ("get", "/api/v1/productions/{production_id}/cuts"),
    ("post", "/api/v1/productions/{production_id}/cuts"),
    ("post", "/api/v1/productions/{production_id}/cuts/presets"),
    ("post", "/api/v1/productions/{production_id}/cuts/import"),
    ("get", "/api/v1/cuts/{cut_id}"),
    ("post", "/api/v1/cuts/{cut_id}/clips"),
    ("post", "/api/v1/cuts/{cut_id}/clips/{index}/move"),
    ("post", "/api/v1/cuts/{cut_id}/clips/{index}/trim"),
    ("put", "/api/v1/cuts/{cut_id}/clips/{index}/transition"),
    ("delete", "/api/v1/cuts/{cut_id}/clips/{index}"),
    ("post", "/api/v1/cuts/{cut_id}/beds"),
    ("put", "/api/v1/cuts/{cut_id}/beds/{index}"),
    ("delete", "/api/v1/cuts/{cut_id}/beds/{index}"),
    ("post", "/api/v1/cuts/{cut_id}/titles"),
    ("delete", "/api/v1/cuts/{cut_id}/titles/{index}"),
    ("patch", "/api/v1/cuts/{cut_id}/titles/{index}"),
    ("post", "/api/v1/cuts/{cut_id}/refresh"),
    ("get", "/api/v1/cuts/{cut_id}/export"),
    ("post", "/api/v1/cuts/{cut_id}/import"),
    ("get", "/api/v1/cuts/{cut_id}/credits"),
    ("get", "/api/v1/cuts/{cut_id}/renders"),
    ("post", "/api/v1/cuts/{cut_id}/renders"),
    ("get", "/api/v1/renders/{render_id}"),
    ("post", "/api/v1/renders/{render_id}/cancel"),
    # revenue share (ensemble/royalties/api.py)
    ("post", "/api/v1/productions/{production_id}/pool"),
    ("get", "/api/v1/productions/{production_id}/pool"),
    ("post", "/api/v1/productions/{production_id}/pool/entries"),
    ("post", "/api/v1/cuts/{cut_id}/proposals"),
    ("get", "/api/v1/proposals/{proposal_id}"),
    ("post", "/api/v1/proposals/{proposal_id}/publish"),
    ("post", "/api/v1/proposals/{proposal_id}/comments"),
    ("put", "/api/v1/proposals/{proposal_id}/lines/{member_id}/weight"),
    ("put", "/api/v1/proposals/{proposal_id}/hand-back"),
    ("post", "/api/v1/proposals/{proposal_id}/finalise"),
    ("get", "/api/v1/allocations/{proposal_id}"),
    ("get", "/api/v1/me/earnings"),
    ("get", "/api/v1/me/earnings/csv"),
    ("post", "/api/v1/me/payouts"),
}
PUBLIC_READS = {
    ("get", "/api/v1/records"),
    ("get", "/api/v1/records/{record_id}"),
    ("get", "/api/v1/records/{record_id}/versions"),
    ("get", "/api/v1/records/{record_id}/lineage"),
    ("get", "/api/v1/members/{username}"),
    ("get", "/api/v1/records/{record_id}/comments"),
    ("get", "/api/v1/collaborations/{collaboration_id}/comments"),
    ("get", "/api/v1/collaborations"),
    ("get", "/api/v1/collaborations/{collaboration_id}"),
    ("get", "/api/v1/collaborations/{collaboration_id}/leaders"),
    ("get", "/api/v1/collaborations/{collaboration_id}/submissions"),
    ("get", "/api/v1/collaborations/{collaboration_id}/assignments"),
    ("get", "/api/v1/productions"),
    ("get", "/api/v1/productions/{production_id}"),
    ("get", "/api/v1/productions/{production_id}/extras"),
    ("get", "/api/v1/productions/{production_id}/cuts"),
    ("get", "/api/v1/cuts/{cut_id}"),
    ("get", "/api/v1/cuts/{cut_id}/export"),
    ("get", "/api/v1/cuts/{cut_id}/credits"),
    ("get", "/api/v1/cuts/{cut_id}/renders"),
    ("get", "/api/v1/renders/{render_id}"),
    ("get", "/api/v1/proposals/{proposal_id}"),
    ("get", "/api/v1/allocations/{proposal_id}"),
}


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def test_the_openapi_document_lists_every_endpoint_and_the_bearer_scheme():
    response = Client().get(f"{API}/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.")
    assert doc["info"]["title"] == "Ensemble API" and doc["info"]["version"] == "1"
    operations = {
        (method, path): op for path, ops in doc["paths"].items() for method, op in ops.items()
    }
    assert set(operations) == ENDPOINTS
    schemes = doc["components"]["securitySchemes"]
    assert schemes == {"MemberAuth": {"type": "http", "scheme": "bearer"}}
    for key, op in operations.items():
        assert op["responses"], key
        assert op["operationId"], key
        if key in PUBLIC_READS:
            assert op["security"] == [{"MemberAuth": []}, {}], key  # or no token at all
        else:
            assert op["security"] == [{"MemberAuth": []}], key
        path_names = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
        assert path_names == set(key[1].replace("}", "{").split("{")[1::2]), key
    assert len({op["operationId"] for op in operations.values()}) == len(operations)
    upload = operations[("post", "/api/v1/records/upload")]["requestBody"]["content"]
    file_field = upload["multipart/form-data"]["schema"]["properties"]["file"]
    assert file_field == {"format": "binary", "title": "File", "type": "string"}
    schemas = doc["components"]["schemas"]
    for ref in _refs(doc):
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in schemas
