"""A new member's first visit, in a real browser: join, write, upload, watch, on a phone too."""

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page, Request, Response, Route, ViewportSize, expect

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

TIMEOUT_MS = 30_000
PASSWORD = "quiet-harbour-lanterns-81"
POEM_TITLE = "Harbour at Dusk"
POEM_TEXT = "The cranes lean *home*,\ntheir shadows long on water.\n\nA gull keeps the time."
VIDEO_TITLE = "Test Card Morning"
PHONE: ViewportSize = {"width": 390, "height": 844}

# The page's own paper colour: proof that ensemble.css reached the browser.
PAPER = "rgb(250, 246, 240)"


class Watcher:
    """Collects what a page should never show: script errors and failed answers."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.media: list[tuple[str, int, str]] = []  # (url, status, Range request header)

    def attach(self, page: Page) -> None:
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        page.on("console", self._console)
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.problems.append(f"console error: {message.text}")

    def _response(self, response: Response) -> None:
        request: Request = response.request
        if "/original" in response.url:
            self.media.append((response.url, response.status, request.headers.get("range", "")))
        if response.status >= 400:
            self.problems.append(f"{response.status} for {request.method} {response.url}")


def assert_styled(page: Page) -> None:
    """The stylesheet and both scripts loaded from the live server."""
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == PAPER, f"ensemble.css did not apply (body background {background})"
    page.wait_for_function("() => typeof window.htmx === 'object'", timeout=TIMEOUT_MS)


def assert_no_horizontal_scroll(page: Page, what: str) -> None:
    """Nothing wider than the viewport. Measured against the viewport asked for, not
    `innerWidth`: on a phone (`is_mobile`) Chromium widens the layout to fit what overflows."""
    viewport = page.viewport_size
    assert viewport is not None
    widths = page.evaluate(
        "() => ({scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth})"
    )
    widest = max(widths["scroll"], widths["inner"])
    assert widest <= viewport["width"], f"{what} scrolls sideways on a phone: {widths}"


def wait_until(page: Page, condition: Callable[[], bool], message: str) -> None:
    """Wait for something Playwright reports through a callback (callbacks run during waits)."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while not condition():
        assert time.monotonic() < deadline, message
        page.wait_for_timeout(20)


def shoot(page: Page, folder: Path, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")  # else the sticky header lands mid-picture
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def sign_up_and_verify(page: Page, base: str) -> str:
    page.goto(f"{base}/accounts/signup/")
    assert_styled(page)
    page.fill("input[name=email]", "mira@example.com")
    page.fill("input[name=username]", "mira")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))

    assert len(mail.outbox) == 1, [message.subject for message in mail.outbox]
    message = mail.outbox[0]
    assert message.to == ["mira@example.com"]
    match = re.search(r"https?://\S+/accounts/confirm-email/[^/\s]+/", str(message.body))
    assert match, f"no verification link in the e-mail:\n{message.body}"
    link = match[0]
    assert link.startswith(base), f"the link points elsewhere: {link}"

    page.goto(link)
    expect(page.locator("main h1")).to_contain_text("Confirm")
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()
    expect(page).to_have_url(f"{base}/")
    # Logged in: the member menu and the Upload button replace "Log in" and "Join".
    expect(page.locator(".site-nav .menu summary")).to_have_text("mira")
    expect(page.locator(".site-nav a", has_text="Upload")).to_be_visible()
    expect(page.locator(".site-nav a", has_text="Log in")).to_have_count(0)
    return link


def write_poem(page: Page, base: str, artifacts: Path) -> str:
    page.goto(f"{base}/records/write/")
    page.fill("input[name=title]", POEM_TITLE)
    page.fill("textarea[name=text]", POEM_TEXT)
    page.fill("input[name=tags]", "poem, harbour")
    shoot(page, artifacts, "write-form")
    with page.expect_navigation():
        page.get_by_role("button", name="Post").click()
    expect(page).to_have_url(re.compile(r"/records/\d+/$"))
    expect(page.locator("h1")).to_have_text(POEM_TITLE)
    poem = page.locator(".poem")
    expect(poem).to_contain_text("their shadows long on water.")
    expect(poem.locator("em")).to_have_text("home")  # Markdown rendered
    expect(page.locator(".tags")).to_contain_text("#harbour")
    shoot(page, artifacts, "poem")
    return page.url


def upload_video(page: Page, base: str, artifacts: Path, clip: Path) -> str:
    page.goto(f"{base}/records/upload/")
    assert_styled(page)
    form = page.locator("form.upload-form")
    expect(form).to_be_visible()
    progress = form.locator(".progress")
    expect(progress).to_be_hidden()  # only once an upload starts
    page.set_input_files("input[name=file]", str(clip))
    page.fill("input[name=title]", VIDEO_TITLE)
    page.fill("input[name=city]", "Lisbon")
    shoot(page, artifacts, "upload-form")

    # Remember what the progress label says as the upload goes: the page navigates away after.
    page.evaluate(
        """() => {
          const label = document.querySelector('.progress-label');
          new MutationObserver(() => sessionStorage.setItem('upload-label', label.textContent))
            .observe(label, {childList: true, characterData: true, subtree: true});
        }"""
    )
    # Hold the upload at the door so the progress bar can be seen, then let it through.
    held: list[Route] = []
    page.route(re.compile(r"/records/upload/$"), lambda route: held.append(route))
    form.get_by_role("button", name="Upload").click()
    expect(progress).to_be_visible()
    expect(progress.locator("progress")).to_be_visible()
    expect(form.get_by_role("button", name="Upload")).to_be_disabled()
    wait_until(page, lambda: bool(held), "the upload request never left the page")
    assert len(held) == 1 and held[0].request.method == "POST"
    assert held[0].request.headers.get("hx-request") == "true"
    shoot(page, artifacts, "upload-progress")
    with page.expect_navigation(url=re.compile(r"/records/\d+/$"), timeout=60_000):
        held[0].continue_()
    page.unroute(re.compile(r"/records/upload/$"))

    assert page.evaluate("sessionStorage.getItem('upload-label')") == "Checking the file…"
    expect(page.locator("h1")).to_have_text(VIDEO_TITLE)
    expect(page.locator(".kind-video").first).to_be_visible()
    return page.url


def see_feed(page: Page, base: str, artifacts: Path) -> None:
    page.goto(f"{base}/")
    assert_styled(page)
    cards = page.locator("#feed .card")
    expect(cards).to_have_count(2)
    expect(page.locator(".card-title")).to_have_text([VIDEO_TITLE, POEM_TITLE])  # newest first
    expect(page.locator(".card-video video")).to_have_count(1)
    expect(page.locator(".card-text .card-excerpt")).to_contain_text("The cranes lean")
    # The feed's video thumbnail shows a frame.
    page.wait_for_function(
        "() => document.querySelector('.card-video video').readyState >= 2", timeout=TIMEOUT_MS
    )
    shoot(page, artifacts, "feed")


def watch_video(page: Page, base: str, artifacts: Path, watcher: Watcher) -> None:
    watcher.media.clear()  # forget the feed thumbnail's requests
    with page.expect_navigation():
        page.locator(".card-title", has_text=VIDEO_TITLE).click()
    expect(page.locator("h1")).to_have_text(VIDEO_TITLE)
    video = page.locator("video.player")
    expect(video).to_be_visible()
    src = video.get_attribute("src") or ""
    assert re.search(r"/records/\d+/v/1/original$", src), src

    page.wait_for_function(
        "() => document.querySelector('video.player').readyState >= 2", timeout=TIMEOUT_MS
    )
    state = page.evaluate(
        """async () => {
          const video = document.querySelector('video.player');
          video.muted = true;
          const before = video.currentTime;
          await video.play();
          return {before, readyState: video.readyState, duration: video.duration,
                  width: video.videoWidth, height: video.videoHeight};
        }"""
    )
    assert state["readyState"] >= 2
    assert state["width"] == 160 and state["height"] == 90
    assert 0.9 <= state["duration"] <= 1.2, state
    page.wait_for_function(
        "before => document.querySelector('video.player').currentTime > before + 0.2",
        arg=state["before"],
        timeout=TIMEOUT_MS,
    )
    assert page.evaluate("document.querySelector('video.player').error") is None

    # The player fetched the original with byte ranges and the server honoured them.
    originals = [entry for entry in watcher.media if entry[0].endswith(src)]
    assert originals, watcher.media
    assert any(status == 206 and ranged for _, status, ranged in originals), originals
    expect(page.locator(".facts")).to_contain_text("160\u00d790")
    page.evaluate("document.querySelector('video.player').pause()")
    shoot(page, artifacts, "video")


def check_phone(browser: Browser, state: Any, urls: dict[str, str], artifacts: Path) -> None:
    """The same pages at phone width: nothing may scroll sideways."""
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, storage_state=state
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    watcher = Watcher()
    watcher.attach(page)
    try:
        for name, url in urls.items():
            page.goto(url)
            assert_styled(page)
            expect(page.locator(".site-nav .menu summary")).to_have_text("mira")
            assert_no_horizontal_scroll(page, name)
            if name == "feed":
                expect(page.locator("#feed .card")).to_have_count(2)
                page.wait_for_function(
                    "() => document.querySelector('.card-video video').readyState >= 2"
                )
            shoot(page, artifacts, f"phone-{name}")
        assert not watcher.problems, watcher.problems
    finally:
        context.close()


def test_a_new_member_joins_writes_uploads_and_watches(
    live_server: Any, browser: Browser, media_files: dict[str, Path], artifacts: Path
) -> None:
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(60_000)
    page = context.new_page()
    watcher = Watcher()
    watcher.attach(page)
    try:
        sign_up_and_verify(page, base)
        poem_url = write_poem(page, base, artifacts)
        video_url = upload_video(page, base, artifacts, media_files["clip"])
        see_feed(page, base, artifacts)
        watch_video(page, base, artifacts, watcher)
        assert not watcher.problems, watcher.problems
        check_phone(
            browser,
            context.storage_state(),
            {
                "feed": f"{base}/",
                "poem": poem_url,
                "video": video_url,
                "upload": f"{base}/records/upload/",
            },
            artifacts,
        )
    finally:
        context.close()
