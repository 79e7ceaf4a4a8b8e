"""Record pages over HTTP: what a visitor or member sees, and what is refused with which message."""

import html
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ensemble.records.models import Kind, Record, RecordVersion
from ensemble.records.services import record_create_upload, record_unpublish
from tests.factories import text_record

pytestmark = pytest.mark.django_db


def page_text(response) -> str:
    """The page as a person reads it: entities decoded."""
    return html.unescape(response.content.decode())


def card_titles(response) -> list[str]:
    return [
        html.unescape(title)
        for title in re.findall(r'<h3 class="card-title">(.*?)</h3>', response.content.decode())
    ]


def more_link(response) -> str | None:
    found = re.search(r'hx-get="([^"]+)"', response.content.decode())
    return html.unescape(found[1]) if found else None


def found(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    assert match, f"{pattern!r} is not in the page"
    return match[1]


def current(record: Record) -> RecordVersion:
    assert record.current_version is not None
    return record.current_version


def multipart(fields: dict[str, str], filename: str, content: bytes) -> tuple[bytes, str]:
    """A multipart body with a file name exactly as given (the test client keeps only basenames)."""
    boundary = "ensemble-test-boundary-7d1f"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def upload_fields(**overrides):
    fields = {"title": "", "description": "", "tags": "", "city": "", "licence": "cc-by",
              "published": "on"}  # fmt: skip
    fields.update(overrides)
    return fields


def write_fields(**overrides):
    fields = {"title": "Night walk", "text": "Streets glow\nat night", "description": "",
              "tags": "", "city": "", "licence": "ensemble-remix", "published": "on"}  # fmt: skip
    fields.update(overrides)
    return fields


# The feed ------------------------------------------------------------------------------------


def test_the_feed_shows_published_records_newest_first(client, member, other_member):
    text_record(member, title="First")
    text_record(other_member, title="Second")
    hidden = text_record(member, title="Hidden draft", published=False)
    text_record(member, title="Third")
    assert hidden.published is False

    response = client.get("/")
    assert response.status_code == 200
    assert card_titles(response) == ["Third", "Second", "First"]


def test_the_feed_leaves_out_unpublished_records_even_for_their_author(member, member_client):
    text_record(member, title="Out in the world")
    record_unpublish(record=text_record(member, title="Taken back"))
    assert card_titles(member_client.get("/")) == ["Out in the world"]


def test_the_feed_filters_by_kind_tag_and_city(client, member, upload):
    text_record(member, title="Prague poem", tags="night, city", city="Prague")
    text_record(member, title="Lisbon poem", tags="sea", city="Lisbon")
    record_create_upload(author=member, upload=upload("image-png"), title="Prague photo",
                         city="Prague", tags="night")  # fmt: skip

    assert card_titles(client.get("/?kind=image")) == ["Prague photo"]
    assert card_titles(client.get("/?kind=text")) == ["Lisbon poem", "Prague poem"]
    assert card_titles(client.get("/?tag=night")) == ["Prague photo", "Prague poem"]
    assert card_titles(client.get("/?city=prague")) == ["Prague photo", "Prague poem"]
    assert card_titles(client.get("/?kind=text&tag=night&city=Prague")) == ["Prague poem"]

    empty = client.get("/?tag=nothing-like-this")
    assert empty.status_code == 200
    assert "No published records match these filters." in page_text(empty)


def test_the_tag_filter_reads_a_tag_as_it_was_written(client, member):
    text_record(member, title="Walk", tags="#City Walk, Night")  # stored as city-walk, night
    text_record(member, title="Sea", tags="sea")
    assert card_titles(client.get("/?tag=%23Night")) == ["Walk"]
    assert card_titles(client.get("/?tag=City+Walk")) == ["Walk"]
    assert card_titles(client.get("/?tag=city-walk,+night")) == ["Walk"]
    assert card_titles(client.get("/?tag=%23")) == ["Sea", "Walk"]  # nothing to filter by


def test_an_unknown_kind_in_the_feed_is_refused_with_a_message(client):
    response = client.get("/?kind=sculpture")
    assert response.status_code == 400
    assert "Unknown kind 'sculpture'" in page_text(response)


def test_a_damaged_cursor_is_refused_with_a_message(client):
    response = client.get("/?cursor=not-a-cursor")
    assert response.status_code == 400
    assert "That page cursor is not valid; start from the first page." in page_text(response)


def test_more_loads_the_next_page_as_an_htmx_partial(client, member):
    for number in range(50):
        text_record(member, title=f"Poem {number:02}")

    first = client.get("/")
    assert card_titles(first) == [f"Poem {n:02}" for n in range(49, 25, -1)]
    more_url = more_link(first)
    assert more_url is not None and more_url.startswith("/?cursor=")

    partial = client.get(more_url, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert "<html" not in partial.content.decode()  # only the cards and the next "More"
    assert card_titles(partial) == [f"Poem {n:02}" for n in range(25, 1, -1)]

    last = client.get(str(more_link(partial)), headers={"HX-Request": "true"})
    assert card_titles(last) == ["Poem 01", "Poem 00"]
    assert more_link(last) is None  # no "More" after the last page

    # Without htmx (no script), the same address is a whole page.
    assert "<html" in client.get(more_url).content.decode()


def test_more_keeps_the_filters(client, member):
    for number in range(30):
        text_record(member, title=f"Poem {number:02}", tags="verse" if number % 3 else "")

    first = client.get("/?tag=verse")
    assert len(card_titles(first)) == 20  # 30 minus every third one: all on the first page
    assert more_link(first) is None

    for number in range(30, 40):
        text_record(member, title=f"Poem {number:02}", tags="verse")
    first = client.get("/?tag=verse")
    assert len(card_titles(first)) == 24
    filtered_more = more_link(first)
    assert filtered_more is not None and "tag=verse" in filtered_more
    rest = card_titles(client.get(filtered_more, headers={"HX-Request": "true"}))
    assert rest == [f"Poem {n:02}" for n in range(9, 0, -1) if n % 3]


def test_the_feed_runs_the_same_few_queries_for_2_or_20_records(
    client, member, member_client, upload, django_assert_max_num_queries
):
    record_create_upload(author=member, upload=upload("clip"), tags="film", city="Oslo")
    record_create_upload(author=member, upload=upload("image-jpg"), tags="photo", city="Oslo")

    def count_queries(viewer: Client) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert viewer.get("/").status_code == 200
        return len(queries)

    few_anonymous, few_member = count_queries(client), count_queries(member_client)
    for number in range(18):
        text_record(member, title=f"Poem {number}", tags=f"t{number}, verse", city=f"C{number}")

    with django_assert_max_num_queries(
        5
    ):  # records with authors and versions, tags, renditions, cities, open calls
        response = client.get("/")
    assert len(card_titles(response)) == 20
    with django_assert_max_num_queries(8):  # and the session, the member, the unread count
        member_client.get("/")
    assert count_queries(client) == few_anonymous
    assert count_queries(member_client) == few_member


# A record and its versions -------------------------------------------------------------------


def test_a_record_page_shows_the_poem_its_author_licence_and_history(client, member):
    record = text_record(member, title="Night walk", text="*Streets* glow", city="Prague",
                         tags="night, city", licence="cc-by")  # fmt: skip
    response = client.get(f"/records/{record.pk}/")
    assert response.status_code == 200
    text = page_text(response)
    assert "<em>Streets</em> glow" in text
    assert "“Night walk” by Poet, CC BY 4.0." in text  # the attribution line
    assert "CC BY 4.0" in text
    assert "#night" in text and "#city" in text
    assert "Version 1" in text
    assert "Edit" not in text  # not the author


def test_a_version_page_shows_that_version_and_the_whole_history(member, member_client):
    record = text_record(member, text="first draft")
    response = member_client.post(
        f"/records/{record.pk}/edit/",
        {"title": record.title, "description": "", "tags": "", "city": "",
         "licence": record.licence, "text": "second draft", "note": "tightened"},
    )  # fmt: skip
    assert response.status_code == 302

    old = member_client.get(f"/records/{record.pk}/v/1/")
    assert old.status_code == 200
    text = page_text(old)
    assert "first draft" in text and "second draft" not in text
    assert "You are looking at version 1." in text
    assert "Version 1" in text and "Version 2" in text and "— tightened" in text

    current = page_text(member_client.get(f"/records/{record.pk}/"))
    assert "second draft" in current and "You are looking at version" not in current

    missing = member_client.get(f"/records/{record.pk}/v/9/")
    assert missing.status_code == 404
    assert "There is nothing at this address." in page_text(missing)


def test_a_record_that_does_not_exist_is_a_404_page(client):
    response = client.get("/records/999999/")
    assert response.status_code == 404
    assert "Not found" in page_text(response)


@pytest.fixture
def video(member, upload, media_files) -> tuple[Record, bytes]:
    record = record_create_upload(author=member, upload=upload("clip"), title="Clip")
    return record, media_files["clip"].read_bytes()


def test_the_original_is_served_whole_with_accept_ranges(client, video):
    record, data = video
    response = client.get(f"/records/{record.pk}/v/1/original")
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Length"] == str(len(data))
    assert response["ETag"] == f'"{record.current_version.sha256}"'
    assert response.getvalue() == data


def test_the_original_answers_a_byte_range_with_206(client, video):
    record, data = video
    response = client.get(f"/records/{record.pk}/v/1/original", headers={"Range": "bytes=0-99"})
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 0-99/{len(data)}"
    assert response["Content-Length"] == "100"
    assert response.getvalue() == data[:100]

    middle = client.get(f"/records/{record.pk}/v/1/original", headers={"Range": "bytes=1000-"})
    assert middle.status_code == 206
    assert middle["Content-Range"] == f"bytes 1000-{len(data) - 1}/{len(data)}"
    assert middle.getvalue() == data[1000:]


def test_the_original_answers_a_suffix_range_with_the_last_bytes(client, video):
    record, data = video
    response = client.get(f"/records/{record.pk}/v/1/original", headers={"Range": "bytes=-100"})
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {len(data) - 100}-{len(data) - 1}/{len(data)}"
    assert response.getvalue() == data[-100:]


def test_a_range_beyond_the_end_is_unsatisfiable(client, video):
    record, data = video
    response = client.get(
        f"/records/{record.pk}/v/1/original", headers={"Range": f"bytes={len(data)}-"}
    )
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(data)}"


def test_a_matching_etag_answers_304_and_a_stale_if_range_gets_the_whole_file(client, video):
    record, data = video
    etag = f'"{record.current_version.sha256}"'
    url = f"/records/{record.pk}/v/1/original"
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={"If-None-Match": f'"other", {etag}'}).status_code == 304
    assert client.get(url, headers={"If-None-Match": f"W/{etag}"}).status_code == 304
    assert client.get(url, headers={"If-None-Match": "*"}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    stale = client.get(url, headers={"Range": "bytes=0-99", "If-Range": '"stale"'})
    assert stale.status_code == 200
    assert stale.getvalue() == data


def test_the_original_answers_head_without_a_body(client, video):
    record, data = video
    response = client.head(f"/records/{record.pk}/v/1/original")
    assert response.status_code == 200
    assert response["Content-Length"] == str(len(data))
    assert response["Accept-Ranges"] == "bytes"


def test_the_original_downloads_under_its_uploaded_name_when_asked(client, video):
    record, _ = video
    response = client.get(f"/records/{record.pk}/v/1/original?download=1")
    assert response["Content-Disposition"] == 'attachment; filename="clip.mp4"'


def test_a_text_version_has_no_original_file(client, member):
    record = text_record(member)
    assert client.get(f"/records/{record.pk}/v/1/original").status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "other"])
def test_an_unpublished_record_is_invisible_to_others(video, who, other_member):
    record, _ = video
    record_unpublish(record=record)
    viewer = Client()
    if who == "other":
        viewer.force_login(other_member)
    for url in (f"/records/{record.pk}/", f"/records/{record.pk}/v/1/",
                f"/records/{record.pk}/v/1/original"):  # fmt: skip
        response = viewer.get(url)
        assert response.status_code == 404, url
    assert "Clip" not in page_text(viewer.get(f"/records/{record.pk}/"))


def test_an_unpublished_record_is_visible_to_its_author_and_to_staff(
    video, member_client, staff_member
):
    record, data = video
    record_unpublish(record=record)
    author_page = member_client.get(f"/records/{record.pk}/")
    assert author_page.status_code == 200
    assert "This record is unpublished: only you can see it." in page_text(author_page)
    assert "Publish it again" in page_text(author_page)
    assert member_client.get(f"/records/{record.pk}/v/1/original").getvalue() == data

    staff = Client()
    staff.force_login(staff_member)
    staff_page = staff.get(f"/records/{record.pk}/")
    assert staff_page.status_code == 200
    assert "only its author and staff can see it" in page_text(staff_page)
    assert "Publish it again" not in page_text(staff_page)
    original = staff.get(f"/records/{record.pk}/v/1/original")
    assert original.getvalue() == data


# Writing, uploading, editing -----------------------------------------------------------------


def test_writing_a_poem_stores_it_and_opens_its_page(member, member_client):
    assert member_client.get("/records/write/").status_code == 200
    response = member_client.post(
        "/records/write/", write_fields(tags="Night, #City Walk", city="Prague")
    )
    record = Record.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/records/{record.pk}/"
    assert (record.author, record.kind, record.title, record.city) == (
        member, Kind.TEXT, "Night walk", "Prague",
    )  # fmt: skip
    assert sorted(record.tags.values_list("name", flat=True)) == ["city-walk", "night"]
    assert "Streets glow" in page_text(member_client.get(response["Location"]))


def test_a_poem_saved_unpublished_stays_out_of_the_feed(member_client, client):
    member_client.post("/records/write/", write_fields(published=""))
    record = Record.objects.get()
    assert record.published is False
    assert card_titles(client.get("/")) == []


def test_uploading_a_video_redirects_to_its_page(member, member_client, upload):
    page = member_client.get("/records/upload/")
    assert page.status_code == 200
    assert "Up to 4.0\xa0GB" in page_text(page)

    response = member_client.post(
        "/records/upload/", {**upload_fields(title="Clip", city="Oslo"), "file": upload("clip")}
    )
    record = Record.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/records/{record.pk}/"
    assert (record.kind, record.title, record.licence) == (Kind.VIDEO, "Clip", "cc-by")
    assert current(record).original_filename == "clip.mp4"


def test_uploading_through_the_page_script_answers_204_with_hx_redirect(member_client, upload):
    response = member_client.post(
        "/records/upload/",
        {**upload_fields(), "file": upload("tone", "tone.wav")},
        headers={"HX-Request": "true"},
    )
    record = Record.objects.get()
    assert response.status_code == 204
    assert response["HX-Redirect"] == f"/records/{record.pk}/"
    assert record.kind == Kind.AUDIO
    assert record.title == "tone"  # the file name, when no title is given


def test_a_refused_upload_through_the_page_script_gets_the_form_back_with_the_message(
    member_client, upload
):
    response = member_client.post(
        "/records/upload/",
        {**upload_fields(), "file": upload("text")},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 415
    body = response.content.decode()
    assert body.lstrip().startswith("<form")  # the partial the script swaps in
    assert "“text.mp4”: This file is not a video we can read (or it is damaged)." in page_text(
        response
    )


def test_editing_the_text_makes_a_new_version(member, member_client):
    record = text_record(member, text="first line")
    response = member_client.post(
        f"/records/{record.pk}/edit/",
        {"title": "Renamed", "description": "About it", "tags": "a, b", "city": "Oslo",
         "licence": "cc0", "text": "first line\nsecond line", "note": "one more line"},
    )  # fmt: skip
    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.title, record.description, record.city, record.licence) == (
        "Renamed", "About it", "Oslo", "cc0",
    )  # fmt: skip
    assert list(record.versions.order_by("number").values_list("text", "note")) == [
        ("first line", ""),
        ("first line\nsecond line", "one more line"),
    ]


def test_editing_only_the_title_of_a_poem_sent_by_a_browser_makes_no_new_version(
    member, member_client
):
    # Browsers send a textarea's line breaks as CRLF; the stored text has LF.
    record = text_record(member, text="first line\nsecond line")
    page = member_client.get(f"/records/{record.pk}/edit/")
    assert "first line\nsecond line" in page_text(page)
    response = member_client.post(
        f"/records/{record.pk}/edit/",
        {"title": "Only the title", "description": "", "tags": "", "city": "",
         "licence": record.licence, "text": "first line\r\nsecond line\r\n", "note": ""},
    )  # fmt: skip
    assert response.status_code == 302, page_text(response)
    record.refresh_from_db()
    assert record.title == "Only the title"
    assert record.versions.count() == 1


def test_a_refused_edit_changes_nothing(member, member_client):
    record = text_record(member, title="Kept", text="kept text")
    response = member_client.post(
        f"/records/{record.pk}/edit/",
        {"title": "Changed", "description": "", "tags": "", "city": "",
         "licence": record.licence, "text": "   ", "note": ""},
    )  # fmt: skip
    assert response.status_code == 400
    assert "The text is required." in page_text(response)
    record.refresh_from_db()
    assert record.title == "Kept"
    assert record.versions.count() == 1


def test_a_media_record_is_edited_without_a_text_field(member, member_client, video):
    record, _ = video
    page = member_client.get(f"/records/{record.pk}/edit/")
    assert 'name="text"' not in page.content.decode()
    response = member_client.post(
        f"/records/{record.pk}/edit/",
        {"title": "Renamed clip", "description": "", "tags": "", "city": "", "licence": "cc-by"},
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.title == "Renamed clip"
    assert record.versions.count() == 1


def test_uploading_a_new_version_keeps_the_old_one(member_client, video, upload):
    record, _ = video
    assert member_client.get(f"/records/{record.pk}/versions/new/").status_code == 200
    response = member_client.post(
        f"/records/{record.pk}/versions/new/", {"file": upload("other"), "note": "regraded"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/records/{record.pk}/"
    record.refresh_from_db()
    assert (current(record).number, current(record).note) == (2, "regraded")
    history = page_text(member_client.get(f"/records/{record.pk}/"))
    assert "Version 2" in history and "Version 1" in history


def test_a_new_version_through_the_page_script_answers_204(member_client, video, media_files):
    record, _ = video
    response = member_client.post(
        f"/records/{record.pk}/versions/new/",
        {"file": SimpleUploadedFile("v2.mp4", media_files["other"].read_bytes()), "note": ""},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == f"/records/{record.pk}/"
    assert record.versions.count() == 2


def test_a_text_record_gets_new_versions_by_editing(member, member_client):
    record = text_record(member)
    response = member_client.get(f"/records/{record.pk}/versions/new/")
    assert response.status_code == 302
    assert response["Location"] == f"/records/{record.pk}/edit/"


def test_unpublishing_and_publishing_again(member, member_client, client):
    record = text_record(member, title="Back and forth")
    assert member_client.get(f"/records/{record.pk}/unpublish/").status_code == 405

    response = member_client.post(f"/records/{record.pk}/unpublish/")
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.published is False
    assert client.get(f"/records/{record.pk}/").status_code == 404

    member_client.post(f"/records/{record.pk}/publish/")
    record.refresh_from_db()
    assert record.published is True
    assert card_titles(client.get("/")) == ["Back and forth"]


# Only the author -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "edit/"),
        ("post", "edit/"),
        ("get", "versions/new/"),
        ("post", "versions/new/"),
        ("post", "unpublish/"),
        ("post", "publish/"),
    ],
)
def test_another_member_may_not_change_a_record(member, other_member, video, method, path):
    record, _ = video
    stranger = Client()
    stranger.force_login(other_member)
    data = {"title": "Taken over", "licence": "cc0", "description": "", "tags": "", "city": ""}
    response = getattr(stranger, method)(f"/records/{record.pk}/{path}", data)
    assert response.status_code == 403
    assert "Only the record's author can change it." in page_text(response)
    record.refresh_from_db()
    assert (record.title, record.published, record.versions.count()) == ("Clip", True, 1)


def test_another_members_unpublished_record_is_not_found_rather_than_forbidden(
    member, other_member
):
    record = text_record(member, published=False)
    stranger = Client()
    stranger.force_login(other_member)
    response = stranger.post(f"/records/{record.pk}/publish/")
    assert response.status_code == 404
    record.refresh_from_db()
    assert record.published is False


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/records/write/"),
        ("post", "/records/write/"),
        ("get", "/records/upload/"),
        ("get", "/records/{pk}/edit/"),
        ("get", "/records/{pk}/versions/new/"),
        ("post", "/records/{pk}/unpublish/"),
        ("post", "/records/{pk}/publish/"),
    ],
)
def test_anonymous_visitors_are_sent_to_log_in(client, member, method, path):
    record = text_record(member)
    url = path.format(pk=record.pk)
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"
    record.refresh_from_db()
    assert record.published is True
    assert Record.objects.count() == 1


# Bad input through the pages -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "status", "message"),
    [
        (("empty.mp4", b""), 400, "The submitted file is empty."),
        ("text", 415, "“text.mp4”: This file is not a video we can read (or it is damaged)."),
        ("truncated", 415, "“truncated.mp4”: This file is not a video we can read"),
        (("notes.exe", b"MZ" * 100), 415, "“notes.exe” is not a file type Ensemble accepts"),
        (None, 400, "Choose a file to upload."),
    ],
)
def test_bad_files_are_refused_in_the_page_and_nothing_is_stored(
    member_client, media_files, file, status, message
):
    data = upload_fields(title="Bad")
    if isinstance(file, tuple):
        data["file"] = SimpleUploadedFile(*file)
    elif file:
        data["file"] = SimpleUploadedFile(media_files[file].name, media_files[file].read_bytes())
    response = member_client.post("/records/upload/", data)
    assert response.status_code == status
    assert message in page_text(response)
    assert not Record.objects.exists()
    assert not RecordVersion.objects.exists()


def test_a_bad_new_version_leaves_the_record_as_it_was(member_client, video, upload):
    record, _ = video
    response = member_client.post(
        f"/records/{record.pk}/versions/new/", {"file": upload("truncated"), "note": ""}
    )
    assert response.status_code == 415
    assert "“truncated.mp4”" in page_text(response)
    record.refresh_from_db()
    assert current(record).number == 1


def test_uploading_the_same_file_twice_says_where_it_already_is(member_client, upload):
    member_client.post("/records/upload/", {**upload_fields(title="First"), "file": upload("clip")})
    response = member_client.post(
        "/records/upload/", {**upload_fields(), "file": upload("clip", "again.mp4")}
    )
    assert response.status_code == 409
    assert "You already uploaded this file: “First”, version 1." in page_text(response)
    assert Record.objects.count() == 1


@pytest.mark.parametrize("url", ["/records/write/", "/records/upload/"])
def test_an_unknown_licence_is_refused(member_client, upload, url):
    data = write_fields(licence="all-rights-reserved")
    if url == "/records/upload/":
        data["file"] = upload("clip")
    response = member_client.post(url, data)
    assert response.status_code == 400
    assert "Select a valid choice. all-rights-reserved is not one of the available choices." in (
        page_text(response)
    )
    assert not Record.objects.exists()


SCRIPT = '<script>alert("x")</script>'


def test_html_and_script_typed_into_a_record_are_shown_as_text(member, member_client, client):
    response = member_client.post(
        "/records/write/",
        write_fields(
            title=f"Title {SCRIPT}",
            text=f"Poem {SCRIPT}\n<img src=x onerror=alert(1)>\n[link](javascript:alert(1))",
            description=f"About {SCRIPT}",
            tags=f"{SCRIPT}, <b>bold</b>",
            city=f"City {SCRIPT}",
        ),
    )
    assert response.status_code == 302
    record = Record.objects.get()
    pages = [
        client.get(record.get_absolute_url()),
        client.get("/"),
        client.get(f"/@{member.username}/"),
        member_client.get(f"/records/{record.pk}/edit/"),
    ]
    for page in pages:
        body = page.content.decode()
        assert page.status_code == 200
        assert "<script>alert" not in body
        assert "<img src=x" not in body
        assert 'href="javascript:' not in body
    detail = client.get(record.get_absolute_url()).content.decode()
    assert "Title &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in detail
    assert "About &lt;script&gt;" in detail
    assert "City &lt;script&gt;" in detail
    tags = sorted(record.tags.values_list("name", flat=True))
    assert tags == ["b-bold-b", "script-alert-x-script"]


def test_a_bad_value_echoed_in_an_error_message_is_escaped(member_client):
    response = member_client.post("/records/write/", write_fields(licence=SCRIPT))
    assert response.status_code == 400
    assert "<script>alert" not in response.content.decode()
    assert "&lt;script&gt;" in response.content.decode()


def test_a_path_in_the_file_name_is_dropped(member, member_client, media_files):
    body, content_type = multipart(
        upload_fields(), "../../../../tmp/evil.mp4", media_files["clip"].read_bytes()
    )
    response = member_client.post("/records/upload/", body, content_type=content_type)
    assert response.status_code == 302
    version = current(Record.objects.get())
    assert version.original_filename == "evil.mp4"
    assert version.original.name.startswith("originals/")
    stored = Path(version.original.path).resolve()
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert not Path("/tmp/evil.mp4").exists()


def test_a_nul_in_the_file_name_is_dropped(member_client, media_files):
    body, content_type = multipart(
        upload_fields(), "clip.exe\x00.mp4", media_files["clip"].read_bytes()
    )
    response = member_client.post("/records/upload/", body, content_type=content_type)
    assert response.status_code == 302
    version = current(Record.objects.get())
    assert version.original_filename == "clip.exe.mp4"
    assert "\x00" not in version.original.name


def test_a_path_to_a_file_of_no_accepted_type_is_refused(member_client, media_files):
    body, content_type = multipart(
        upload_fields(), "../../../etc/passwd", media_files["clip"].read_bytes()
    )
    response = member_client.post("/records/upload/", body, content_type=content_type)
    assert response.status_code == 415
    assert "“passwd” is not a file type Ensemble accepts (video, audio or image)." in page_text(
        response
    )
    assert not Record.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "t" * 10_000}, "Title is too long: 10,000 characters, the limit is 200."),
        ({"description": "d" * 5001}, "Description is too long: 5,001 characters"),
        ({"city": "c" * 81}, "City is too long: 81 characters, the limit is 80."),
        ({"tags": "x" * 41}, "The tag “xxxxxxxxxxxxxxxxxxxx…” is too long"),
        ({"tags": ", ".join(f"t{n}" for n in range(21))}, "At most 20 tags, please."),
        ({"text": "w" * 200_001}, "The text is too long: 200,001 characters"),
        ({"title": "a\x00b"}, "Null characters are not allowed."),
        ({"title": "   "}, "Title is required."),
    ],
)
def test_long_and_broken_fields_are_refused_in_the_page(member_client, fields, message):
    response = member_client.post("/records/write/", write_fields(**fields))
    assert response.status_code == 400
    assert message in page_text(response)
    assert not Record.objects.exists()


def test_a_form_sent_without_its_csrf_token_is_refused_with_a_way_forward(member):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    response = browser.post("/records/write/", write_fields())
    assert response.status_code == 403
    text = page_text(response)
    assert "Please try again" in text
    assert "Reload the page and send it again." in text
    assert not Record.objects.exists()


def test_the_upload_script_gets_a_csrf_refusal_as_a_message_not_a_page(member, upload):
    # The script swaps a <form> from an HTML answer into the page; an error page has the
    # log-out form in its menu, so errors reach the script as {"detail": …} instead.
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    response = browser.post(
        "/records/upload/", {**upload_fields(), "file": upload("clip")}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 403
    assert response.json() == {
        "detail": "This form had expired or came from somewhere else. Reload the page and "
        "send it again."
    }
    assert not Record.objects.exists()


def test_the_upload_script_gets_a_refusal_by_another_member_as_a_message(
    other_member, video, upload
):
    record, _ = video
    stranger = Client()
    stranger.force_login(other_member)
    response = stranger.post(
        f"/records/{record.pk}/versions/new/", {"file": upload("other")}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "Only the record's author can change it."}


def test_a_form_too_large_to_read_says_so(member_client):
    # Beyond DATA_UPLOAD_MAX_MEMORY_SIZE Django does not read the form at all.
    response = member_client.post("/records/write/", write_fields(text="w" * (3 * 1024 * 1024)))
    assert response.status_code == 413
    assert "What you sent is too large: a form can hold at most 2.0 MB of text." in page_text(
        response
    )
    assert not Record.objects.exists()


def test_a_form_sent_with_its_csrf_token_is_accepted(member):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    page = browser.get("/records/write/")
    token = found(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    response = browser.post("/records/write/", {**write_fields(), "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Record.objects.count() == 1
