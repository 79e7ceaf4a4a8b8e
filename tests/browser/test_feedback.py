"""Feedback in a real browser: a member comments at the current moment of a video, the comment
and its marker under the player appear without a reload, and clicking the comment's time (or a
marker) seeks the player there. Also the home page's section of who you follow, and the follow
button on a member page."""

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, Page, ViewportSize, expect

from ensemble.feedback.models import Comment
from ensemble.feedback.services import comment_add, follow_add, heart_add
from ensemble.media.jobs import media_job_run
from ensemble.media.models import MediaJob
from ensemble.records.services import record_create_upload
from tests.factories import MemberFactory, text_record

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

TIMEOUT_MS = 30_000
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture
def seeded(transactional_db: Any, live_server: Any, upload: Any) -> dict[str, Any]:
    """Made before the browser starts: Django refuses ORM calls while Playwright runs."""
    poet = MemberFactory.create(username="poet", display_name="Ada Poet", city="Lisbon")
    mira = MemberFactory.create(username="mira", display_name="Mira Okafor")
    video = record_create_upload(
        author=poet, upload=upload("clip"), title="Test Card Morning", city="Lisbon"
    )
    job = MediaJob.objects.get(version=video.current_version)
    media_job_run(job_id=job.pk)  # what the worker does: the renditions the player plays
    first = comment_add(
        author=poet, target=video, body="The tone comes in *right here*.", timecode=0.2
    )
    comment_add(author=mira, target=video, body="Gorgeous colours, @poet!", parent=first)
    heart_add(member=mira, record=video)
    follow_add(follower=mira, member=poet)
    text_record(poet, title="Harbour at Dusk")
    session = Client()
    session.force_login(mira)
    return {
        "cookie": session.cookies[settings.SESSION_COOKIE_NAME].value,
        "video_url": video.get_absolute_url(),
        "video_id": video.pk,
    }


def open_page(browser: Browser, live_server: Any, cookie: str, viewport: ViewportSize) -> Any:
    context = browser.new_context(viewport=viewport)
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return context, page


def watch(page: Page) -> list[str]:
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}") if message.type == "error" else None
        ),
    )
    return problems


def shoot(page: Page, folder: Path, name: str, *, full: bool = True) -> None:
    page.evaluate("window.scrollTo(0, 0)")  # else the sticky header lands mid-picture
    page.screenshot(path=str(folder / f"{name}.png"), full_page=full)


VIDEO = "document.querySelector('[data-player] video')"
# Pause and seek to a moment; done once the player got there.
SEEK_TO = """(at) => new Promise(done => {
  const v = document.querySelector('[data-player] video');
  v.pause();
  v.addEventListener('seeked', done, {once: true});
  v.currentTime = at;
})"""
# Pause at the start and note every moment the player seeks to, and whether it plays.
RECORD_SEEKS = """() => new Promise(done => {
  const v = document.querySelector('[data-player] video');
  v.pause();
  window.seeks = [];
  window.played = false;
  v.addEventListener('play', () => { window.played = true; });
  v.addEventListener('seeked', () => window.seeks.push(v.currentTime));
  v.addEventListener('seeked', done, {once: true});
  v.currentTime = 0;
})"""


def test_a_timecoded_comment_seeks_the_video(
    seeded: dict[str, Any], live_server: Any, browser: Browser, artifacts: Path, monkeypatch: Any
) -> None:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM checks between steps
    context, page = open_page(browser, live_server, seeded["cookie"], DESKTOP)
    problems = watch(page)
    page.goto(live_server.url + seeded["video_url"])
    expect(page.locator("[data-player] video")).to_be_visible()
    page.wait_for_function(f"() => {VIDEO}.readyState >= 1")
    expect(page.locator("#comment-markers .comment-marker")).to_have_count(1)

    # Pause at 0.6 s, then comment "at the current time".
    page.evaluate(SEEK_TO, 0.6)
    page.get_by_label("At the current time").check()
    expect(page.locator("[data-timecode-input]")).to_have_value("0:00.6")
    page.fill("#comment-body", "The colour bars **arrive** here.")
    page.get_by_role("button", name="Comment", exact=True).click()

    newest = page.locator("#comment-list > .comment-item", has_text="The colour bars arrive")
    expect(newest.locator(":scope > article > .comment-body")).to_have_text(
        "The colour bars arrive here."
    )
    expect(page.locator("#comment-list > .comment-item").first).to_contain_text("colour bars")
    time_button = newest.locator(":scope > article button.timecode")
    expect(time_button).to_have_text("▶ 0:00.6")
    expect(page.locator("#comment-markers .comment-marker")).to_have_count(2)  # no reload
    expect(page.locator("#comments-title .count")).to_have_text("3")
    expect(page.locator("[data-comment-count]")).to_have_text("3 comments")
    assert page.evaluate(f"() => {VIDEO}.currentTime") == pytest.approx(0.6, abs=0.01)
    comment = Comment.objects.get(body="The colour bars **arrive** here.")
    assert comment.timecode == pytest.approx(0.6) and comment.version is not None

    # Back to the start; clicking the comment's time seeks there and plays.
    page.evaluate(RECORD_SEEKS)
    time_button.click()
    page.wait_for_function("() => window.seeks.some(t => Math.abs(t - 0.6) < 0.05)")
    page.wait_for_function("() => window.played")

    # A marker under the player seeks too: the first one is the poet's comment at 0.2 s.
    page.evaluate(f"() => {{ {VIDEO}.pause(); window.seeks = []; }}")
    page.locator("#comment-markers .comment-marker").first.click()
    page.wait_for_function("() => window.seeks.some(t => Math.abs(t - 0.2) < 0.05)")
    page.evaluate(f"() => {{ const v = {VIDEO}; v.pause(); v.currentTime = 0.6; }}")

    shoot(page, artifacts, "feedback-record-page")
    page.add_style_tag(content=".site-header { position: static; }")  # not over the close-up
    page.locator(".record-content").screenshot(path=str(artifacts / "feedback-comments.png"))
    assert problems == []

    # A refusal (a time past the end) shows its message beside the form; nothing is lost.
    # (From here the browser logs the expected 400 answer as an error.)
    page.get_by_label("At the current time").uncheck()
    page.fill("[data-timecode-input]", "5:00")
    page.fill("#comment-body", "Too late")
    page.get_by_role("button", name="Comment", exact=True).click()
    alert = page.locator(".comment-form .form-errors")
    expect(alert).to_contain_text("5:00 is past the end: this video is")
    expect(page.locator("#comment-body")).to_have_value("Too late")
    assert not Comment.objects.filter(body="Too late").exists()

    # The reply and report forms open in place.
    poets = page.locator("#comment-list > .comment-item", has_text="The tone comes in")
    poets.locator(":scope > article summary", has_text="Reply").click()
    poets.locator(":scope > article summary", has_text="Report").click()
    expect(poets.get_by_label("Harassment or abuse")).to_be_visible()
    page.locator("#comments").screenshot(path=str(artifacts / "feedback-forms.png"))
    context.close()


def test_the_home_page_shows_who_you_follow_and_a_member_page_offers_to_follow(
    seeded: dict[str, Any], live_server: Any, browser: Browser, artifacts: Path
) -> None:
    context, page = open_page(browser, live_server, seeded["cookie"], DESKTOP)
    problems = watch(page)
    page.goto(live_server.url + "/")
    following = page.locator("#following")
    expect(following).to_contain_text("From people and collaborations you follow")
    expect(following.locator(".activity-text")).to_have_text(
        ["Ada Poet posted “Harbour at Dusk”", "Ada Poet posted “Test Card Morning”"]
    )
    shoot(page, artifacts, "feedback-home", full=False)

    page.goto(live_server.url + "/@poet/")
    follow = page.locator(".member-head .follow")
    expect(follow.get_by_role("button")).to_have_text("✓ Following")
    expect(follow.locator(".follow-count")).to_have_text("1 follower")
    follow.get_by_role("button").click()
    expect(follow.get_by_role("button")).to_have_text("Follow")
    expect(follow.locator(".follow-count")).to_have_text("0 followers")
    shoot(page, artifacts, "feedback-member", full=False)
    context.close()

    phone, small = open_page(browser, live_server, seeded["cookie"], PHONE)
    problems += watch(small)
    small.goto(live_server.url + seeded["video_url"])
    expect(small.locator("#comments .comment-item").first).to_be_visible()
    widths = small.evaluate(
        "() => ({scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth})"
    )
    assert widths["scroll"] <= widths["inner"], f"the record page scrolls sideways: {widths}"
    small.locator("#comments").scroll_into_view_if_needed()
    small.screenshot(path=str(artifacts / "feedback-phone.png"))
    phone.close()
    assert problems == []
