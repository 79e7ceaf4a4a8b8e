"""What the pages and API show of media processing: progress, then the renditions."""

import re

import pytest
from django.test import Client

from ensemble.media.jobs import media_job_run
from ensemble.media.models import MediaJob
from ensemble.records.services import record_create_upload, record_unpublish

pytestmark = pytest.mark.django_db


def _processed(member, upload, key="clip", **fields):
    record = record_create_upload(author=member, upload=upload(key), **fields)
    media_job_run(job_id=MediaJob.objects.get(version=record.current_version).pk)
    return record


def test_while_processing_the_page_polls_the_status_and_plays_the_original(client, member, upload):
    record = record_create_upload(author=member, upload=upload("clip"))
    page = client.get(record.get_absolute_url()).content.decode()
    status_url = f"/records/{record.pk}/v/1/status/"
    assert f'hx-get="{status_url}"' in page
    assert "Waiting to be prepared for the web" in page
    assert f'src="/records/{record.pk}/v/1/original"' in page

    status = client.get(status_url, HTTP_HX_REQUEST="true")
    assert status.status_code == 200
    assert "HX-Refresh" not in status


def test_once_ready_the_status_asks_the_page_to_reload_and_the_player_uses_renditions(
    client, member, upload
):
    record = _processed(member, upload)
    status = client.get(f"/records/{record.pk}/v/1/status/", HTTP_HX_REQUEST="true")
    assert status["HX-Refresh"] == "true"

    page = client.get(record.get_absolute_url()).content.decode()
    assert "data-player" in page
    assert re.search(r'<option value="/records/\d+/v/1/media/video-[0-9]+p\.mp4" selected>', page)
    assert f'data-storyboard="/records/{record.pk}/v/1/media/storyboard.vtt"' in page
    assert f'poster="/records/{record.pk}/v/1/media/poster.jpg"' in page
    assert "Waiting to be prepared" not in page

    feed = client.get("/").content.decode()
    assert f"/records/{record.pk}/v/1/media/thumb-medium.webp" in feed


def test_renditions_are_served_with_ranges_and_hidden_with_their_record(client, member, upload):
    record = _processed(member, upload)
    url = f"/records/{record.pk}/v/1/media/storyboard.vtt"
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/vtt"
    assert b"".join(response.streaming_content).startswith(b"WEBVTT")
    video = client.get(f"/records/{record.pk}/v/1/media/video-90p.mp4", HTTP_RANGE="bytes=0-9")
    assert video.status_code == 206
    assert client.get(f"/records/{record.pk}/v/1/media/nothing.mp4").status_code == 404

    record_unpublish(record=record)
    assert Client().get(url).status_code == 404
    owner = Client()
    owner.force_login(member)
    assert owner.get(url).status_code == 200


def test_a_failed_job_tells_the_artist_why(client, member, upload):
    record = record_create_upload(author=member, upload=upload("clip"))
    MediaJob.objects.filter(version=record.current_version).update(
        state=MediaJob.State.FAILED, message="This file could not be converted."
    )
    page = client.get(record.get_absolute_url()).content.decode()
    assert "could not be prepared for the web" in page
    assert "This file could not be converted." in page


def test_audio_gets_a_waveform_and_images_get_responsive_sizes(client, member, upload):
    song = _processed(member, upload, "tone")
    page = client.get(song.get_absolute_url()).content.decode()
    assert f'data-peaks="/records/{song.pk}/v/1/media/waveform.json"' in page
    assert f'src="/records/{song.pk}/v/1/media/audio.m4a"' in page

    image = _processed(member, upload, "image-jpg")
    page = client.get(image.get_absolute_url()).content.decode()
    assert f"/records/{image.pk}/v/1/media/image-64.webp 64w" in page


def test_the_api_lists_renditions_and_processing_state(client, member, upload):
    record = _processed(member, upload, city="Cairo")
    data = client.get(f"/api/v1/records/{record.pk}").json()
    version = data["current_version"]
    assert version["processing"] == {"state": "succeeded", "progress": 1.0, "message": ""}
    names = {r["name"] for r in version["renditions"]}
    assert {"video-90p.mp4", "poster.jpg", "storyboard.vtt"} <= names
    assert (version["resolution"], version["codec"]) == (90, "h264")


def test_the_feed_and_api_filter_by_resolution_and_camera(client, member, upload, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ensemble.media.ffmpeg import ffmpeg_run, lavfi_input

    camera_clip = tmp_path / "camera.mp4"
    ffmpeg_run(
        [*lavfi_input("testsrc2=size=1280x720:rate=10:duration=0.3"),
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
         "-movflags", "use_metadata_tags",
         "-metadata", "com.apple.quicktime.make=Sony",
         "-metadata", "com.apple.quicktime.model=FX3", str(camera_clip)]
    )  # fmt: skip
    phone = _processed(member, upload, title="Phone walk")
    camera = record_create_upload(
        author=member,
        upload=SimpleUploadedFile("camera.mp4", camera_clip.read_bytes()),
        title="Camera walk",
    )
    media_job_run(job_id=MediaJob.objects.get(version=camera.current_version).pk)

    def titles(query: str) -> list[str]:
        return [r["title"] for r in client.get(f"/api/v1/records?{query}").json()["items"]]

    assert titles("resolution=720") == ["Camera walk"]
    assert titles("camera=fx3") == ["Camera walk"]
    assert titles("camera=sony&resolution=2160") == []
    assert set(titles("codec=h264")) == {"Camera walk", "Phone walk"}
    assert titles("orientation=portrait") == []
    assert client.get("/api/v1/records?resolution=-5").status_code == 422
    page = client.get("/?resolution=720&camera=FX3").content.decode()
    assert "Camera walk" in page and phone.title not in page
