"""A 10-bit HEVC camera clip (which Chromium cannot play) is uploaded through the page, shows
its processing progress, then plays from its H.264 renditions with a quality selector and
storyboard previews on the scrubber."""

from pathlib import Path

import pytest
from django.test import Client
from playwright.sync_api import Browser, expect

from ensemble.media.ffmpeg import ffmpeg_run, lavfi_input
from ensemble.media.jobs import media_job_run
from ensemble.media.models import MediaJob
from ensemble.records.models import Record

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

TIMEOUT_MS = 30_000


@pytest.fixture
def hevc_clip(tmp_path: Path) -> Path:
    clip = tmp_path / "camera walk.mp4"
    ffmpeg_run(
        [*lavfi_input("testsrc2=size=640x360:rate=25:duration=2"),
         *lavfi_input("sine=frequency=220:duration=2"),
         "-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le", "-tag:v", "hvc1",
         "-x265-params", "log-level=error", "-c:a", "aac", "-shortest", str(clip)]
    )  # fmt: skip
    return clip


def test_an_hevc_upload_switches_to_renditions_with_quality_and_previews(
    member, hevc_clip, live_server, browser: Browser, artifacts, monkeypatch
):
    # Playwright's sync API runs an event loop on this thread; the ORM calls below are plain
    # synchronous work between browser steps.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    client = Client()
    client.force_login(member)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value,
          "url": live_server.url}]
    )  # fmt: skip
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(f"{live_server.url}/records/upload/")
    page.set_input_files("input[name=file]", str(hevc_clip))
    page.fill("input[name=title]", "Walk through Prague")
    page.fill("input[name=city]", "Prague")
    page.click("form.upload-form button[type=submit]")
    page.wait_for_url("**/records/*/", timeout=TIMEOUT_MS)
    expect(page.locator(".media-status")).to_contain_text("prepared for the web")
    page.screenshot(path=str(artifacts / "media-processing.png"))

    record = Record.objects.get(title="Walk through Prague")
    job = MediaJob.objects.get(version=record.current_version)
    assert job.state == MediaJob.State.QUEUED
    media_job_run(job_id=job.pk)  # what the worker does

    # The page polls, sees the job done and reloads into the rendition player.
    video = page.locator("[data-player] video")
    expect(video).to_be_visible(timeout=TIMEOUT_MS)
    assert "/media/video-360p.mp4" in (video.get_attribute("src") or "")
    options = page.locator("[data-quality] option").all_inner_texts()
    assert options == ["360p", "240p"]
    page.evaluate("document.querySelector('[data-player] video').play()")
    page.wait_for_function(
        "() => document.querySelector('[data-player] video').currentTime > 0.3",
        timeout=TIMEOUT_MS,
    )

    page.select_option("[data-quality]", label="240p")
    page.wait_for_function(
        "() => { const v = document.querySelector('[data-player] video');"
        " return v.currentSrc.includes('video-240p.mp4') && v.readyState >= 2; }",
        timeout=TIMEOUT_MS,
    )
    height = page.evaluate("document.querySelector('[data-player] video').videoHeight")
    assert height == 240

    scrubber = page.locator("[data-scrubber]")
    page.wait_for_function(
        "() => Number(document.querySelector('[data-scrubber]').dataset.cues || 0) > 0",
        timeout=TIMEOUT_MS,
    )
    box = scrubber.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] / 2)
    preview = page.locator(".scrubber-preview")
    expect(preview).to_be_visible()
    tile = page.evaluate(
        "getComputedStyle(document.querySelector('.scrubber-tile')).backgroundImage"
    )
    assert "storyboard.jpg" in tile
    page.screenshot(path=str(artifacts / "media-player.png"))
    assert problems == []
    context.close()
