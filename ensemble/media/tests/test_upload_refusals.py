"""Hostile files are refused at upload with a 4xx and a message; nothing is stored or read."""

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image

from ensemble.media.models import MediaJob
from ensemble.records.models import Record, RecordVersion

pytestmark = pytest.mark.django_db


def _png_header(width: int, height: int) -> bytes:
    """A PNG that declares a huge size in a valid header chunk and carries no real pixels."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    header = struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    idat = b"IDAT" + zlib.compress(b"\x00" * 10)
    body = struct.pack(">I", len(idat) - 4) + idat + struct.pack(">I", zlib.crc32(idat))
    return b"\x89PNG\r\n\x1a\n" + header + body


def _png_then_html() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(out, format="PNG")
    return out.getvalue() + b"<html><script>alert(1)</script></html>"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "walk.mp4",
            b"#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n/etc/passwd\n",
            "is not a video",
        ),
        ("walk.mp4", b"ffconcat version 1.0\nfile 'http://127.0.0.1:9/x.mp4'\n", "is not a video"),
        ("walk.mp4", b"", "empty"),
        ("huge.png", _png_header(30000, 30000), "too many pixels"),
        ("trick.png", _png_then_html(), "“trick.png”"),
        ("vector.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "not a file type"),
    ],
)
def test_hostile_uploads_are_refused_and_nothing_is_stored(member_client, name, content, message):
    response = member_client.post(
        "/api/v1/records/upload", {"file": SimpleUploadedFile(name, content)}
    )
    assert 400 <= response.status_code < 500
    assert message in response.json()["detail"]
    assert not Record.objects.exists()
    assert not RecordVersion.objects.exists()
    assert not MediaJob.objects.exists()


def test_reprocess_queues_every_media_version_with_a_progress_bar(member, upload, capsys):
    from ensemble.records.services import record_create_upload
    from tests.factories import text_record

    record_create_upload(author=member, upload=upload("clip"))
    record_create_upload(author=member, upload=upload("tone"))
    text_record(member)  # text has nothing to process
    MediaJob.objects.update(state=MediaJob.State.SUCCEEDED, progress=1.0)

    call_command("reprocess", "--all")

    out, err = capsys.readouterr()
    assert "Queued 2 version(s)." in out
    assert "Queueing [" in err and "2/2" in err
    assert set(MediaJob.objects.values_list("state", flat=True)) == {"queued"}


def test_reprocess_inline_runs_the_pipeline_for_one_record(member, upload, capsys):
    from ensemble.records.services import record_create_upload

    record = record_create_upload(author=member, upload=upload("image-png"))
    call_command("reprocess", "--record", str(record.pk), "--inline")
    assert "Processed 1 version(s)." in capsys.readouterr().out
    assert MediaJob.objects.get().state == MediaJob.State.SUCCEEDED
    with pytest.raises(Exception, match="No media version matches"):
        call_command("reprocess", "--version-id", "999999")
