"""The collaboration story in a real browser (issue #5).

A producer opens a collaboration requiring 4K; two artists submit (one 4K HEVC clip, one lo-fi
phone clip on a brief that accepts lo-fi as non-official); the producer shortlists and selects;
each artist sees the decision and its note; a timecoded comment seeks the player.
"""

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, expect

from ensemble.collabs import services as collab_services
from ensemble.collabs.models import Collaboration, Invitation, Submission, SubmissionState
from ensemble.media.ffmpeg import ffmpeg_run, file_url, lavfi_input
from ensemble.media.jobs import media_job_run
from ensemble.media.models import MediaJob
from ensemble.records.services import record_create_upload
from tests.browser.test_journey import (
    PHONE,
    Watcher,
    assert_no_horizontal_scroll,
    assert_styled,
    shoot,
)
from tests.factories import MemberFactory, text_record

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

TIMEOUT_MS = 30_000
NOTE_SHORTLIST = "Gorgeous light on the river — shortlisted."
NOTE_SELECT = "Selected for the official cut: it opens the film."
NOTE_LOFI = "Lovely lo-fi texture — shortlisted for the extended cut."
TIMED_REMARK = "At one second the tram crosses: keep that moment."


def _clip(path: Path, args: list[str]) -> Path:
    ffmpeg_run([*args, file_url(path)], timeout=120)
    return path


@pytest.fixture(scope="module")
def story_media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A 4K HEVC camera clip (2 s at 2 fps: tiny) and a portrait 480p phone clip."""
    folder = tmp_path_factory.mktemp("story-media")
    camera = _clip(
        folder / "cairo-walk.mov",
        [*lavfi_input("testsrc2=size=3840x2160:rate=2:duration=2"),
         "-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-tag:v", "hvc1",
         "-x265-params", "log-level=error",
         "-metadata", "make=Sony", "-metadata", "model=ILME-FX3"],
    )  # fmt: skip
    phone = _clip(
        folder / "sheffield-phone.mov",
        [*lavfi_input("testsrc2=size=480x854:rate=24:duration=2"),
         *lavfi_input("sine=frequency=300:duration=2"),
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-shortest", "-metadata", "make=Apple", "-metadata", "model=iPhone 12"],
    )  # fmt: skip
    cover = folder / "cover.png"
    picture = Image.new("RGB", (1200, 600), (194, 65, 12))
    for x in range(0, 1200, 60):  # stripes, so the cover is visibly a picture
        picture.paste((250, 200, 150), (x, 0, x + 24, 600))
    picture.save(cover)
    return {"camera": camera, "phone": phone, "cover": cover}


def _processed(author: Any, path: Path, **fields: Any) -> Any:
    record = record_create_upload(
        author=author, upload=SimpleUploadedFile(path.name, path.read_bytes()), **fields
    )
    job = MediaJob.objects.get(version=record.current_version)
    done = media_job_run(job_id=job.pk)  # what the worker does
    assert done is not None and done.state == MediaJob.State.SUCCEEDED, done and done.message
    return record


def _cookie(member: Any) -> str:
    session = Client()
    session.force_login(member)
    return str(session.cookies[settings.SESSION_COOKIE_NAME].value)


@pytest.fixture
def cast(transactional_db: Any, live_server: Any, story_media: dict[str, Path]) -> dict[str, Any]:
    """Made before the browser starts: Django refuses ORM calls while Playwright runs."""
    mara = MemberFactory.create(username="mara", display_name="Mara Okafor")
    ana = MemberFactory.create(username="ana", display_name="Ana Ferreira", city="Cairo")
    ben = MemberFactory.create(username="ben", display_name="Ben Hallam", city="Sheffield")
    camera = _processed(ana, story_media["camera"], title="Cairo, walking east", city="Cairo")
    phone = _processed(ben, story_media["phone"], title="Sheffield in the rain", city="Sheffield")
    return {
        "mara": _cookie(mara),
        "ana": _cookie(ana),
        "ben": _cookie(ben),
        "camera": camera.pk,
        "phone": phone.pk,
    }


def _context(browser: Browser, base: str, cookie: str, **options: Any) -> BrowserContext:
    options.setdefault("viewport", {"width": 1280, "height": 900})
    context = browser.new_context(**options)
    context.set_default_timeout(TIMEOUT_MS)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}])
    return context


def _page(context: BrowserContext, watcher: Watcher) -> Page:
    page = context.new_page()
    watcher.attach(page)
    return page


def open_the_brief(page: Page, base: str, cover: Path, artifacts: Path) -> str:
    page.goto(f"{base}/collaborations/")
    assert_styled(page)
    expect(page.locator(".site-nav a", has_text="Collaborations")).to_be_visible()
    page.get_by_role("link", name="Start a collaboration").click()
    expect(page.locator("h1")).to_have_text("Start a collaboration")
    # The time zone starts as the browser's own.
    expect(page.locator("select[name=deadline_zone]")).to_have_value("America/Sao_Paulo")
    # Width and height show up only for a custom resolution.
    expect(page.locator("[data-custom-resolution]")).to_be_hidden()
    page.get_by_label("Custom").check()
    expect(page.locator("[data-custom-resolution]")).to_be_visible()

    page.fill("input[name=title]", "In a City")
    page.fill(
        "textarea[name=brief]",
        "Shoot what it is like **walking through your city**.\n\n"
        "- one continuous walk\n- no music: the city is the soundtrack",
    )
    page.get_by_label("Video", exact=True).check()
    page.get_by_label("4K UHD — 3840×2160").check()
    page.get_by_label("Accept it, marked “does not meet the official requirements”").check()
    deadline = (timezone.now() + timedelta(days=12)).strftime("%Y-%m-%dT18:00")
    page.fill("input[name=deadline]", deadline)
    page.select_option("select[name=deadline_zone]", "Europe/Prague")
    page.fill("input[name=partner_name]", "Lumen Cameras")
    page.fill("input[name=budget]", "12000")
    page.select_option("select[name=budget_currency]", "EUR")
    page.set_input_files("input[name=cover]", str(cover))
    shoot(page, artifacts, "collab-form")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the draft").click()
    expect(page).to_have_url(re.compile(r"/collaborations/\d+/$"))
    expect(page.locator(".notice")).to_contain_text("This brief is a draft")
    expect(page.locator(".collab-hero .status")).to_have_text("Draft")

    with page.expect_navigation():
        page.get_by_role("button", name="Open for submissions").click()
    expect(page.locator(".collab-hero .status")).to_have_text("Open for submissions")
    expect(page.locator(".brief strong")).to_have_text("walking through your city")
    expect(page.locator(".requirements")).to_contain_text("At least 3840×2160 pixels")
    expect(page.locator("[data-countdown]")).to_contain_text(re.compile(r"closes in 1[12] days"))
    expect(page.locator(".deadline-when")).to_contain_text("18:00 Europe/Prague")
    # The visitor's own time, in São Paulo, is shown beside the brief's.
    expect(page.locator(".deadline-local")).to_contain_text("Your time:")
    expect(page.locator(".deadline-local")).to_contain_text("America/Sao Paulo")
    page.wait_for_function(
        "() => document.querySelector('.collab-hero-image').naturalWidth > 0", timeout=TIMEOUT_MS
    )
    shoot(page, artifacts, "collab-page-leader")
    return page.url


def submit(
    page: Page, collab_url: str, title: str, verdict: str, artifacts: Path, name: str
) -> None:
    page.goto(f"{collab_url.split('/collaborations/')[0]}/")
    strip = page.locator(".open-calls")
    expect(strip).to_contain_text("In a City")
    with page.expect_navigation():
        strip.get_by_role("link", name=re.compile("In a City")).click()
    assert page.url == collab_url
    with page.expect_navigation():
        page.get_by_role("link", name="Submit your work").click()
    row = page.locator(".pick", has_text=title)
    expect(row.locator(".verdict")).to_contain_text(verdict)
    row.locator("input[type=checkbox]").check()
    shoot(page, artifacts, f"submit-{name}")
    with page.expect_navigation():
        page.get_by_role("button", name="Submit", exact=True).click()
    expect(page).to_have_url(re.compile(r"/collaborations/mine/$"))
    expect(page.locator(".message")).to_contain_text(f"You submitted “{title}” to “In a City”")
    expect(page.locator(".sub-row", has_text=title).locator(".state")).to_have_text("Submitted")


def curate(page: Page, collab_url: str, artifacts: Path) -> None:
    page.goto(collab_url)
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile(r"^Curate")).click()
    board = page.locator("#board")
    expect(board.locator(".board-card")).to_have_count(2)
    submitted = board.locator("[data-column=submitted]")
    expect(submitted.locator("[data-count]")).to_have_text("2")
    lofi = board.locator(".board-card", has_text="Sheffield in the rain")
    expect(lofi.locator(".offspec-badge")).to_have_text("Does not meet the official requirements")
    expect(lofi).to_contain_text("It is 480×854; the brief asks for at least 3840×2160.")
    expect(lofi).to_contain_text("iPhone 12")
    camera = board.locator(".board-card", has_text="Cairo, walking east")
    expect(camera.locator(".offspec-badge")).to_have_count(0)
    expect(camera).to_contain_text("3840×2160 HEVC")
    expect(camera).to_contain_text("Sony ILME-FX3")
    shoot(page, artifacts, "curate-board-before")

    # Moves go through htmx: the board is swapped in place, the page never reloads.
    page.evaluate("window.stillHere = true")

    def move(title: str, note: str, button: str, column: str) -> None:
        card = page.locator("#board .board-card", has_text=title)
        card.locator("textarea[name=note]").fill(note)
        card.get_by_role("button", name=button, exact=True).click()
        expect(
            page.locator(f"#board [data-column={column}] .board-card", has_text=title)
        ).to_be_visible()

    move("Cairo, walking east", NOTE_SHORTLIST, "Shortlist", "shortlisted")
    move("Cairo, walking east", NOTE_SELECT, "Select", "selected")
    move("Sheffield in the rain", NOTE_LOFI, "Shortlist", "shortlisted")
    assert page.evaluate("window.stillHere") is True
    expect(page.locator("#board [data-column=submitted] [data-count]")).to_have_text("0")
    expect(page.locator("#board [data-column=shortlisted] [data-count]")).to_have_text("1")
    expect(page.locator("#board [data-column=selected] [data-count]")).to_have_text("1")
    shoot(page, artifacts, "curate-board")


def comment_at_one_second(page: Page, submission_url: str) -> None:
    page.goto(submission_url)
    form = page.locator("[data-comment-form]")
    form.locator("textarea[name=body]").fill(TIMED_REMARK)
    form.locator("input[name=timecode]").fill("0:01")
    form.get_by_role("button", name="Comment").click()
    expect(page.locator(".comment", has_text=TIMED_REMARK)).to_be_visible()


def see_the_decision(
    page: Page, title: str, state: str, note: str, artifacts: Path, name: str
) -> str:
    page.goto(page.url.split("/collaborations/")[0] + "/collaborations/mine/")
    row = page.locator(".sub-row", has_text=title)
    expect(row.locator(".state")).to_have_text(state)
    expect(row.locator(".leader-note")).to_contain_text(note)
    expect(row.locator(".leader-note")).to_contain_text("Mara Okafor")
    shoot(page, artifacts, f"my-submissions-{name}")
    with page.expect_navigation():
        row.get_by_role("link", name=title).click()
    expect(page.locator(".record-head .state")).to_have_text(state)
    expect(page.locator(".timeline")).to_contain_text(note)
    return page.url


def test_a_producer_curates_4k_and_lofi_footage_and_each_artist_sees_the_decision(
    cast: dict[str, Any], live_server: Any, browser: Browser, story_media: dict[str, Path],
    artifacts: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # DB checks between browser steps
    base = live_server.url
    watcher = Watcher()
    producer = _context(browser, base, cast["mara"], timezone_id="America/Sao_Paulo")
    ana = _context(browser, base, cast["ana"], timezone_id="Africa/Cairo")
    ben = _context(browser, base, cast["ben"], timezone_id="Europe/London")
    try:
        mara_page = _page(producer, watcher)
        collab_url = open_the_brief(mara_page, base, story_media["cover"], artifacts)
        collaboration = Collaboration.objects.get()
        assert (collaboration.min_width, collaboration.min_height) == (3840, 2160)
        assert collaboration.deadline_zone == "Europe/Prague"

        ana_page = _page(ana, watcher)
        submit(ana_page, collab_url, "Cairo, walking east", "Meets the requirements",
               artifacts, "4k")  # fmt: skip
        ben_page = _page(ben, watcher)
        submit(ben_page, collab_url, "Sheffield in the rain",
               "Accepted, marked “does not meet the official requirements”",
               artifacts, "lofi")  # fmt: skip
        expect(ben_page.locator(".sub-row", has_text="Sheffield in the rain")).to_contain_text(
            "Does not meet the official requirements"
        )
        shoot(ben_page, artifacts, "my-submissions-submitted")
        ana_page.goto(f"{base}/")
        expect(ana_page.locator(".open-call")).to_have_count(1)
        shoot(ana_page, artifacts, "home-open-calls")
        mara_page.goto(f"{base}/collaborations/")
        expect(mara_page.locator(".collab-card")).to_contain_text("2 submissions")
        shoot(mara_page, artifacts, "collab-list")
        by_record = {s.record_id: s for s in Submission.objects.all()}
        assert by_record[cast["camera"]].meets_requirements
        assert not by_record[cast["phone"]].meets_requirements

        curate(mara_page, collab_url, artifacts)
        camera_submission = by_record[cast["camera"]]
        camera_submission.refresh_from_db()
        assert camera_submission.state == SubmissionState.SELECTED
        assert [d.note for d in camera_submission.decisions.order_by("id")] == [
            NOTE_SHORTLIST,
            NOTE_SELECT,
        ]
        comment_at_one_second(mara_page, base + camera_submission.get_absolute_url())
        mara_page.goto(collab_url)
        expect(mara_page.locator(".collab-gallery .card")).to_have_count(2)
        shoot(mara_page, artifacts, "collab-page")

        # Each artist sees the decision on their own work, with its note.
        submission_url = see_the_decision(
            ana_page, "Cairo, walking east", "Selected", NOTE_SELECT, artifacts, "selected"
        )
        expect(ana_page.locator(".timeline")).to_contain_text(NOTE_SHORTLIST)
        see_the_decision(
            ben_page, "Sheffield in the rain", "Shortlisted", NOTE_LOFI, artifacts, "lofi"
        )
        shoot(ben_page, artifacts, "submission-lofi")

        # The producer's timecoded comment takes Ana's player to that moment.
        video = ana_page.locator("video.player")
        expect(video).to_be_visible()
        ana_page.wait_for_function(
            "() => document.querySelector('video.player').readyState >= 1", timeout=TIMEOUT_MS
        )
        assert ana_page.evaluate("document.querySelector('video.player').currentTime") == 0
        timed = ana_page.locator(".comment", has_text=TIMED_REMARK)
        expect(timed.locator("button.timecode")).to_contain_text("0:01")
        ana_page.evaluate("document.querySelector('video.player').muted = true")
        timed.locator("button.timecode").click()
        ana_page.wait_for_function(
            "() => document.querySelector('video.player').currentTime >= 0.9", timeout=TIMEOUT_MS
        )
        ana_page.evaluate("document.querySelector('video.player').pause()")
        shoot(ana_page, artifacts, "submission-selected")

        assert not watcher.problems, watcher.problems
        _phone_pages(
            browser,
            base,
            {
                "mara": (cast["mara"], [("collab", collab_url), ("board", f"{collab_url}curate/")]),
                "ana": (
                    cast["ana"],
                    [
                        ("home", f"{base}/"),
                        ("list", f"{base}/collaborations/"),
                        ("submission", submission_url),
                        ("mine", f"{base}/collaborations/mine/"),
                    ],
                ),
            },
            artifacts,
        )
    finally:
        producer.close()
        ana.close()
        ben.close()


def _phone_pages(
    browser: Browser, base: str, people: dict[str, tuple[str, list[tuple[str, str]]]],
    artifacts: Path,
) -> None:  # fmt: skip
    """The same pages at phone width: nothing may scroll sideways."""
    watcher = Watcher()
    for cookie, pages in people.values():
        context = _context(
            browser, base, cookie, viewport=PHONE, device_scale_factor=2, is_mobile=True,
            has_touch=True,
        )  # fmt: skip
        try:
            page = _page(context, watcher)
            for name, address in pages:
                page.goto(address)
                assert_styled(page)
                assert_no_horizontal_scroll(page, name)
                shoot(page, artifacts, f"phone-collab-{name}")
        finally:
            context.close()
    assert not watcher.problems, watcher.problems


@pytest.fixture
def invited(transactional_db: Any, live_server: Any) -> dict[str, Any]:
    mara = MemberFactory.create(username="mara", display_name="Mara Okafor")
    ana = MemberFactory.create(username="ana", display_name="Ana Ferreira")
    collaboration = collab_services.collaboration_create(
        leader=mara, title="In a City", brief="Walk through your city.", kinds=["text", "video"]
    )
    collab_services.collaboration_status_set(actor=mara, collaboration=collaboration, status="open")
    poem = text_record(ana, title="Cairo, a poem")
    collab_services.submission_create(member=ana, collaboration=collaboration, records=[poem])
    return {"mara": _cookie(mara), "ana": _cookie(ana), "collaboration": collaboration.pk}


def test_a_leader_invites_a_chosen_artist_who_accepts(
    invited: dict[str, Any], live_server: Any, browser: Browser, artifacts: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    base = live_server.url
    page_url = f"{base}/collaborations/{invited['collaboration']}/invitations/"
    watcher = Watcher()
    producer = _context(browser, base, invited["mara"])
    artist = _context(browser, base, invited["ana"], viewport=PHONE, is_mobile=True)
    try:
        page = _page(producer, watcher)
        page.goto(page_url)
        page.fill("input[name=title]", "Six cinematographers with 4K cameras")
        page.fill("textarea[name=description]", "We send you a camera; you shoot your walk.")
        with page.expect_navigation():
            page.get_by_role("button", name="Create the assignment").click()
        page.fill("input[name=members]", "ana, nobody-at-all")
        page.fill(".invite-form textarea[name=message]", "Your poem's city, on camera?")
        with page.expect_navigation():
            page.get_by_role("button", name="Send invitations").click()
        expect(page.locator(".invite-form .error")).to_have_text(
            "No member is called “nobody-at-all”."
        )
        expect(page.locator("input[name=members]")).to_have_value("ana, nobody-at-all")
        # That refusal is a 400 by design; nothing else may fail.
        assert all("400" in problem for problem in watcher.problems), watcher.problems
        watcher.problems.clear()
        page.fill("input[name=members]", "ana")
        with page.expect_navigation():
            page.get_by_role("button", name="Send invitations").click()
        expect(page.locator(".invitees")).to_contain_text("Ana Ferreira Waiting for an answer")

        phone = _page(artist, watcher)
        phone.goto(f"{base}/collaborations/invitations/")
        invitation = phone.locator(".invitation", has_text="Six cinematographers")
        expect(invitation.locator(".leader-note")).to_contain_text("Your poem's city, on camera?")
        assert_no_horizontal_scroll(phone, "invitations")
        shoot(phone, artifacts, "phone-invitations")
        with phone.expect_navigation():
            invitation.get_by_role("button", name="Accept").click()
        expect(phone.locator(".message")).to_contain_text("You accepted")
        expect(invitation.locator(".answer")).to_have_text("Accepted")
        assert Invitation.objects.get().state == Invitation.State.ACCEPTED

        page.reload()
        expect(page.locator(".invitees")).to_contain_text("Ana Ferreira Accepted")
        shoot(page, artifacts, "collab-invitations")
        assert not watcher.problems, watcher.problems
    finally:
        producer.close()
        artist.close()
