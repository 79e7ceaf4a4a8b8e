"""Records through their services: what is stored, and what is refused with which message."""

import pytest

from ensemble.core.errors import Conflict, EnsembleError, UnsupportedMedia
from ensemble.records.models import Kind, Licence, Record, RecordVersion
from ensemble.records.services import (
    record_create_text,
    record_create_upload,
    record_unpublish,
    record_update,
    record_version_add_text,
    record_version_add_upload,
)
from tests.factories import text_record

pytestmark = pytest.mark.django_db


def test_a_poem_is_stored_with_sanitised_html_and_the_default_licence(member):
    record = record_create_text(
        author=member,
        title="Night <b>walk</b>",
        text="*Streets* glow\n\n<script>alert(1)</script>\n[x](javascript:alert(1)) "
        '<img src=x onerror="alert(1)">',
        tags="Poem, #City Walk, poem",
    )
    version = record.current_version
    assert version is not None
    assert record.kind == Kind.TEXT
    assert record.licence == Licence.ENSEMBLE
    assert record.title == "Night <b>walk</b>"  # stored as typed, escaped when shown
    assert sorted(record.tags.values_list("name", flat=True)) == ["city-walk", "poem"]
    assert "<em>Streets</em>" in version.text_html
    assert "<script" not in version.text_html
    assert "<img" not in version.text_html  # raw HTML is shown as text, never as markup
    assert 'href="javascript' not in version.text_html


def test_an_uploaded_video_is_content_addressed_and_probed(member, upload):
    record = record_create_upload(author=member, upload=upload("clip"), city="Prague")
    version = record.current_version
    assert version is not None
    assert record.kind == Kind.VIDEO
    assert record.title == "clip"
    assert version.original.name == (
        f"originals/{version.sha256[:2]}/{version.sha256[2:4]}/{version.sha256}.mp4"
    )
    assert version.probe["width"] == 160 and version.probe["height"] == 90
    assert version.probe["duration"] == pytest.approx(1.0, abs=0.2)


def test_audio_and_images_are_recognised_from_their_bytes(member, upload):
    assert record_create_upload(author=member, upload=upload("tone")).kind == Kind.AUDIO
    assert record_create_upload(author=member, upload=upload("image-png")).kind == Kind.IMAGE


def test_uploading_the_same_bytes_twice_says_so(member, upload):
    first = record_create_upload(author=member, upload=upload("clip"), title="First")
    with pytest.raises(Conflict, match="You already uploaded this file: “First”, version 1"):
        record_create_upload(author=member, upload=upload("clip", "renamed.mp4"))
    assert Record.objects.count() == 1
    assert first.versions.count() == 1


def test_two_members_uploading_the_same_bytes_share_one_stored_original(
    member, other_member, upload
):
    mine = record_create_upload(author=member, upload=upload("clip"))
    theirs = record_create_upload(author=other_member, upload=upload("clip"))
    assert mine.current_version is not None and theirs.current_version is not None
    assert mine.current_version.original.name == theirs.current_version.original.name


@pytest.mark.parametrize(
    ("key", "name", "error", "message"),
    [
        ("text", "text.mp4", UnsupportedMedia, "is not a video we can read"),
        ("truncated", "truncated.mp4", UnsupportedMedia, "“truncated.mp4”"),
        ("clip", "clip.exe", UnsupportedMedia, "is not a file type Ensemble accepts"),
        ("tone", "tone.mp4", UnsupportedMedia, "has no video in it"),
    ],
)
def test_files_that_are_not_what_they_claim_are_refused(member, upload, key, name, error, message):
    with pytest.raises(error, match=message):
        record_create_upload(author=member, upload=upload(key, name))
    assert not Record.objects.exists()
    assert not RecordVersion.objects.exists()


def test_an_empty_file_is_refused(member):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(EnsembleError, match="The file is empty"):
        record_create_upload(author=member, upload=SimpleUploadedFile("x.mp4", b""))


def test_a_kind_that_does_not_match_the_file_is_refused(member, upload):
    with pytest.raises(UnsupportedMedia, match="not accepted as audio"):
        record_create_upload(author=member, upload=upload("clip"), kind="audio")
    with pytest.raises(EnsembleError, match="Unknown kind 'sculpture'"):
        record_create_upload(author=member, upload=upload("clip"), kind="sculpture")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": ""}, "Title is required"),
        ({"title": "x" * 201}, "Title is too long: 201 characters, the limit is 200"),
        ({"title": "a\x00b"}, "Title contains a NUL character"),
        ({"text": "   "}, "The text is required"),
        ({"licence": "all-rights"}, "Unknown licence 'all-rights'"),
        ({"tags": ["x" * 41]}, "is too long: at most 40 characters"),
        ({"tags": [f"t{i}" for i in range(21)]}, "At most 20 tags"),
        ({"city": "c" * 81}, "City is too long"),
        ({"description": "d" * 5001}, "Description is too long"),
    ],
)
def test_bad_fields_are_refused_and_nothing_is_stored(member, fields, message):
    values = {"title": "Poem", "text": "words", **fields}
    with pytest.raises(EnsembleError, match=message):
        record_create_text(author=member, **values)
    assert not Record.objects.exists()


def test_editing_the_text_makes_a_new_version_and_keeps_the_old(member):
    record = text_record(member, text="first line")
    version = record_version_add_text(record=record, text="first line\nsecond line", note="more")
    record.refresh_from_db()
    assert version.number == 2
    assert record.current_version == version
    assert list(record.versions.order_by("number").values_list("text", flat=True)) == [
        "first line",
        "first line\nsecond line",
    ]
    with pytest.raises(Conflict, match="Nothing changed"):
        record_version_add_text(record=record, text="first line\nsecond line")


def test_a_new_upload_makes_a_new_version(member, upload):
    record = record_create_upload(author=member, upload=upload("clip"))
    version = record_version_add_upload(record=record, upload=upload("other"), note="regraded")
    record.refresh_from_db()
    assert (version.number, version.note) == (2, "regraded")
    assert record.current_version == version
    assert record.versions.count() == 2


def test_a_failed_new_version_leaves_the_record_as_it_was(member, upload):
    record = record_create_upload(author=member, upload=upload("clip"))
    with pytest.raises(UnsupportedMedia):
        record_version_add_upload(record=record, upload=upload("text", "new.mp4"))
    record.refresh_from_db()
    assert record.versions.count() == 1
    assert record.current_version is not None and record.current_version.number == 1


def test_update_and_unpublish_keep_rows(member):
    record = text_record(member)
    record_update(record=record, title="Renamed", tags=["a", "b"], city="Tokyo", licence="cc-by")
    record_unpublish(record=record)
    record.refresh_from_db()
    assert (record.title, record.city, record.licence, record.published) == (
        "Renamed",
        "Tokyo",
        "cc-by",
        False,
    )
    assert record.versions.count() == 1
