"""Uploads stream to disk in chunks and stop at the size cap, whichever way they arrive."""

import http.client
import os
import secrets
import tracemalloc
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ensemble.core.uploads import CappedTemporaryFileUploadHandler
from ensemble.records.models import Record, RecordVersion
from ensemble.records.services import record_create_upload

MB = 1024 * 1024


def test_uploads_are_handled_only_by_the_capped_temporary_file_handler():
    # No in-memory handler: even a small upload goes to a temporary file on disk.
    assert settings.FILE_UPLOAD_HANDLERS == [
        "ensemble.core.uploads.CappedTemporaryFileUploadHandler"
    ]


# The size cap, through the pages --------------------------------------------------------------


@pytest.mark.django_db
def test_a_body_larger_than_the_cap_is_refused_from_its_content_length(member_client, settings):
    settings.ENSEMBLE_MAX_UPLOAD_BYTES = 1000
    big = SimpleUploadedFile("big.mp4", b"\0" * (MB + 2000))
    response = member_client.post("/records/upload/", {"file": big, "title": "Big"})
    assert response.status_code == 413
    assert "That file is too large: the limit is 1000 bytes." in response.content.decode()
    assert response["Connection"] == "close"
    assert not Record.objects.exists()


@pytest.mark.django_db
def test_the_content_length_refusal_answers_the_upload_script_in_json(member_client, settings):
    settings.ENSEMBLE_MAX_UPLOAD_BYTES = 1000
    big = SimpleUploadedFile("big.mp4", b"\0" * (MB + 2000))
    response = member_client.post("/records/upload/", {"file": big}, headers={"HX-Request": "true"})
    assert response.status_code == 413
    assert response.json() == {"detail": "That file is too large: the limit is 1000 bytes."}


@pytest.mark.django_db
@pytest.mark.parametrize("hx", [False, True])
def test_a_file_over_the_cap_in_a_small_body_is_stopped_while_streaming(
    member_client, settings, hx
):
    # The body is within the middleware's allowance (cap + form overhead), so only the
    # upload handler, counting the bytes as they arrive, can notice the file is too large.
    settings.ENSEMBLE_MAX_UPLOAD_BYTES = 1000
    headers = {"HX-Request": "true"} if hx else {}
    response = member_client.post(
        "/records/upload/",
        {"file": SimpleUploadedFile("big.mp4", os.urandom(5000)), "title": "Big"},
        headers=headers,
    )
    assert response.status_code == 413
    message = "That file is too large: the limit is 1000 bytes."
    if hx:
        assert response.json() == {"detail": message}
    else:
        assert message in response.content.decode()
    assert not Record.objects.exists()


@pytest.mark.django_db
def test_a_new_version_over_the_cap_is_stopped_while_streaming(
    member, member_client, settings, upload
):
    record = record_create_upload(author=member, upload=upload("clip"))
    settings.ENSEMBLE_MAX_UPLOAD_BYTES = 1000
    response = member_client.post(
        f"/records/{record.pk}/versions/new/",
        {"file": SimpleUploadedFile("big.mp4", os.urandom(5000))},
    )
    assert response.status_code == 413
    assert "That file is too large" in response.content.decode()
    assert RecordVersion.objects.filter(record=record).count() == 1


@pytest.mark.django_db
def test_an_avatar_over_the_cap_is_refused_not_silently_dropped(member, member_client, settings):
    settings.ENSEMBLE_MAX_UPLOAD_BYTES = 1000
    response = member_client.post(
        "/settings/profile/",
        {"display_name": "Changed", "avatar": SimpleUploadedFile("me.png", os.urandom(5000))},
    )
    assert response.status_code == 413
    assert "That file is too large" in response.content.decode()
    member.refresh_from_db()
    assert member.display_name != "Changed"
    assert not member.avatar


def test_the_handler_stops_at_the_cap_and_flags_the_request(settings, rf):
    settings.ENSEMBLE_MAX_UPLOAD_BYTES = 100
    request = rf.post("/")
    handler = CappedTemporaryFileUploadHandler(request)
    handler.new_file("file", "a.mp4", "video/mp4", 200)
    handler.receive_data_chunk(b"x" * 60, 0)
    from django.core.files.uploadhandler import StopUpload

    with pytest.raises(StopUpload):
        handler.receive_data_chunk(b"x" * 60, 60)
    assert request.upload_too_large is True


# Peak memory does not grow with the size of the upload ---------------------------------------


_BLOCK = os.urandom(256 * 1024)  # "random-ish" bytes: a random block, repeated


def _multipart_stream(
    boundary: str, fields: dict[str, str], filename: str, size: int
) -> tuple[int, Iterator[bytes]]:
    """A multipart body of `size` file bytes, generated in chunks; its exact length first."""
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: video/mp4\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def chunks() -> Iterator[bytes]:
        yield head
        remaining = size
        while remaining > 0:
            chunk = _BLOCK[: min(len(_BLOCK), remaining)]
            remaining -= len(chunk)
            yield chunk
        yield tail

    return len(head) + size + len(tail), chunks()


def _stream_upload(live_server: Any, session_id: str, size: int) -> tuple[int, str, int]:
    """POST an upload of `size` bytes in chunks; the status, the body and the traced peak."""
    csrf = secrets.token_hex(16)  # a 32-character secret, as the CSRF cookie and the header
    boundary = secrets.token_hex(16)
    length, body = _multipart_stream(
        boundary, {"title": f"{size} bytes", "licence": "cc-by"}, "big.mp4", size
    )
    address = urlsplit(live_server.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=120)
    tracemalloc.reset_peak()
    before, _ = tracemalloc.get_traced_memory()
    try:
        connection.request(
            "POST",
            "/records/upload/",
            body=body,
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Content-Length": str(length),
                "Cookie": f"sessionid={session_id}; csrftoken={csrf}",
                "X-CSRFToken": csrf,
                "HX-Request": "true",
            },
        )
        response = connection.getresponse()
        text = response.read().decode()
    finally:
        connection.close()
    _, peak = tracemalloc.get_traced_memory()
    return response.status, text, peak - before


@pytest.fixture
def traced() -> Iterator[None]:
    tracemalloc.start()
    try:
        yield
    finally:
        tracemalloc.stop()


def test_peak_memory_does_not_grow_with_the_size_of_an_upload(
    live_server, make_member, traced, settings
):
    # The live server runs in a thread of this process, so tracemalloc sees what it allocates
    # while it parses the request body. The bytes are not a video: they are refused after
    # they have all arrived, which is the point — the whole body went through the handler.
    settings.ENSEMBLE_MAX_UPLOAD_BYTES = 100 * MB
    client = Client()
    client.force_login(make_member(username="streamer"))
    session_id = client.cookies[settings.SESSION_COOKIE_NAME].value

    _stream_upload(live_server, session_id, 64 * 1024)  # warm up: templates, imports, caches
    results = {}
    for size in (4 * MB, 40 * MB):
        status, text, peak = _stream_upload(live_server, session_id, size)
        assert status == 415, text
        assert "is not a video we can read" in text, text
        results[size] = peak

    assert results[40 * MB] < 8 * MB, results
    # Ten times the bytes, about the same peak: nothing grows with the size of the file.
    assert results[40 * MB] < results[4 * MB] + 2 * MB, results
    assert not Record.objects.exists()


def test_the_memory_measurement_would_see_an_upload_held_in_memory(
    live_server, make_member, traced, settings
):
    # The control for the test above: with Django's in-memory handler the same kind of
    # request does show up in the traced peak, so a low peak there is meaningful.
    settings.ENSEMBLE_MAX_UPLOAD_BYTES = 100 * MB
    settings.FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.MemoryFileUploadHandler"]
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100 * MB
    client = Client()
    client.force_login(make_member(username="hoarder"))
    session_id = client.cookies[settings.SESSION_COOKIE_NAME].value

    status, text, peak = _stream_upload(live_server, session_id, 12 * MB)
    assert status == 415, text
    assert peak > 12 * MB, peak


@pytest.mark.django_db
def test_unknown_api_paths_and_methods_answer_json(client):
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "There is no API endpoint at /api/v1/nothing-here."}

    wrong_method = client.delete("/api/v1/records")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["detail"].startswith("DELETE is not allowed here; use GET")
    assert "GET" in wrong_method["Allow"]
