"""The lineage page and the per-line authorship page in a real browser, on a desktop and a phone."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from playwright.sync_api import Browser, Page, ViewportSize, expect

from ensemble.accounts.models import Member
from ensemble.lineage.services import SourceSpec, source_links_set
from ensemble.records.models import Record
from ensemble.records.services import record_create_upload, record_unpublish
from tests.factories import MemberFactory, text_record

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

TIMEOUT_MS = 30_000
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
PAPER = "rgb(250, 246, 240)"  # ensemble.css reached the browser

BALLAD = "Walking through my city\nat night\nthe lights are on\nnobody home"
POEM = (
    "Walking through my city\nat night\nthe lights are off\nnobody home\n\n"
    "I sing to the walls\nand the tram sings back"
)
LYRICS = (
    "Walking through my city\nat dawn\nthe lights are off\nnobody home\n\n"
    "I sing to the walls\nand the tram sings back\nall the way to the sea"
)


def built_on(author: Member, record: Record, sources: list[tuple[Record, str]]) -> Record:
    with transaction.atomic():
        source_links_set(
            version=record.current_version,  # type: ignore[arg-type]
            sources=[SourceSpec(record_id=source.pk, role=role) for source, role in sources],
            actor=author,
        )
    return record


@pytest.fixture
def community(
    transactional_db: Any, live_server: Any, upload: Callable[..., Any]
) -> dict[str, Record]:
    """A small remix community around a song (made before the browser starts: Django refuses
    ORM calls while Playwright runs)."""
    ann, bo, cy, dee, eve, fay, gus = (
        MemberFactory.create(username=name, display_name=display)
        for name, display in [
            ("ann", "Ann Okafor"), ("bo", "Bo Lindqvist"), ("cy", "Cy Marchetti"),
            ("dee", "Dee Ramírez"), ("eve", "Eve Tanaka"), ("fay", "Fay Moreau"),
            ("gus", "Gus Whitfield"),
        ]
    )  # fmt: skip
    ballad = text_record(gus, title="Old Harbour Ballad", text=BALLAD)
    poem = built_on(ann, text_record(ann, title="In a City", text=POEM), [(ballad, "text")])
    tram = record_create_upload(author=fay, upload=upload("tone"), title="Night Tram Sounds")
    photo = record_create_upload(author=eve, upload=upload("image-png"), title="Skyline")
    song = built_on(
        bo,
        record_create_upload(author=bo, upload=upload("tone"), title="City Song"),
        [(poem, "lyrics"), (tram, "sample"), (photo, "artwork")],
    )
    film = built_on(
        cy,
        record_create_upload(author=cy, upload=upload("clip"), title="City Film"),
        [(song, "music")],
    )
    built_on(
        dee,
        record_create_upload(author=dee, upload=upload("clip"), title="City Film, recut"),
        [(film, "edit")],
    )
    built_on(
        fay,
        record_create_upload(author=fay, upload=upload("tone-mp3"), title="Song for the Tram"),
        [(song, "sample")],
    )
    built_on(
        gus,
        record_create_upload(author=gus, upload=upload("tone"), title="Harbour Dub"),
        [(song, "music")],
    )
    words = built_on(cy, text_record(cy, title="Dawn Lyrics", text=LYRICS), [(poem, "text")])
    built_on(
        dee,
        record_create_upload(author=dee, upload=upload("image-jpg"), title="Tram Poster"),
        [(song, "artwork")],
    )
    record_unpublish(record=photo)
    return {"song": song, "words": words, "poem": poem}


def open_page(browser: Browser, viewport: ViewportSize, url: str) -> tuple[Page, list[str]]:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on(
        "response",
        lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    page.goto(url)
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == PAPER
    return page, problems


def no_sideways_scroll(page: Page) -> None:
    widths = page.evaluate(
        "() => ({scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth})"
    )
    assert widths["scroll"] <= widths["inner"], f"the page scrolls sideways: {widths}"


def test_the_lineage_page_on_a_desktop_and_a_phone(
    community: dict[str, Record], live_server: Any, browser: Browser, artifacts: Path
) -> None:
    url = f"{live_server.url}/records/{community['song'].pk}/lineage/"
    page, problems = open_page(browser, DESKTOP, url)
    expect(page.locator("h1")).to_have_text("City Song")
    svg = page.locator(".lineage-canvas svg")
    expect(svg).to_be_visible()
    expect(svg.locator("g.lin-node")).to_have_count(10)
    expect(svg.locator("g.lin-unavailable")).to_have_count(1)
    expect(svg.locator("g.lin-unavailable")).to_contain_text("by Eve Tanaka")
    expect(page.locator("#lineage-ancestors")).to_contain_text("Old Harbour Ballad")
    expect(page.locator("#lineage-ancestors")).to_contain_text("unavailable record")
    page.screenshot(path=str(artifacts / "lineage-desktop.png"), full_page=True)

    # a box is a link to its record
    with page.expect_navigation():
        svg.locator("a", has_text="Old Harbour Ballad").click()
    expect(page.locator("h1")).to_have_text("Old Harbour Ballad")
    assert not problems, problems
    page.context.close()

    page, problems = open_page(browser, PHONE, url)
    canvas = page.locator(".lineage-canvas")
    expect(canvas).to_be_visible()
    no_sideways_scroll(page)
    frame = canvas.evaluate(
        "c => ({overflow: getComputedStyle(c).overflowX, scroll: c.scrollWidth,"
        " client: c.clientWidth, left: c.scrollLeft})"
    )
    assert frame["overflow"] == "auto" and frame["scroll"] > frame["client"], frame
    assert frame["left"] > 0, "the picture starts with the record itself in view"
    page.screenshot(path=str(artifacts / "lineage-phone.png"), full_page=True)
    page.get_by_role("button", name="Fit to screen").click()
    expect(page.get_by_role("button", name="Actual size")).to_have_attribute("aria-pressed", "true")
    fitted = canvas.evaluate("c => ({scroll: c.scrollWidth, client: c.clientWidth})")
    assert fitted["scroll"] <= fitted["client"], fitted
    page.screenshot(path=str(artifacts / "lineage-phone-fit.png"), full_page=True)
    assert not problems, problems
    page.context.close()


def test_the_authorship_page_on_a_desktop_and_a_phone(
    community: dict[str, Record], live_server: Any, browser: Browser, artifacts: Path
) -> None:
    url = f"{live_server.url}/records/{community['words'].pk}/v/1/authorship/"
    page, problems = open_page(browser, DESKTOP, url)
    expect(page.locator("h1")).to_have_text("Dawn Lyrics")
    expect(page.locator(".blame-legend li")).to_have_count(3)
    expect(page.locator(".blame-line")).to_have_count(8)
    first = page.locator(".blame-line").first
    expect(first.locator(".blame-full")).to_have_text("Gus Whitfield")
    page.screenshot(path=str(artifacts / "authorship-desktop.png"), full_page=True)
    with page.expect_navigation():
        page.locator("a.blame-text", has_text="I sing to the walls").click()
    expect(page.locator("h1")).to_have_text("In a City")
    assert not problems, problems
    page.context.close()

    page, problems = open_page(browser, PHONE, url)
    expect(page.locator(".blame-line")).to_have_count(8)
    expect(page.locator(".blame-line").first.locator(".blame-short")).to_have_text("Gus")
    no_sideways_scroll(page)
    page.screenshot(path=str(artifacts / "authorship-phone.png"), full_page=True)
    assert not problems, problems
    page.context.close()


@pytest.fixture
def crowded(transactional_db: Any, live_server: Any) -> Record:
    """A poem at the end of a 14-step chain, remixed 36 times, some remixes remixed again."""
    artists = [MemberFactory.create(username=f"artist{n}") for n in range(12)]
    top = text_record(artists[0], title="First Light")
    for n in range(1, 14):
        top = built_on(
            artists[n % 12], text_record(artists[n % 12], title=f"Light, take {n}"), [(top, "text")]
        )
    hub = built_on(artists[5], text_record(artists[5], title="Harbour Hymn"), [(top, "text")])
    remixes = []
    for n in range(36):
        author = artists[n % 12]
        remix = text_record(author, title=f"Hymn variation {n + 1}")
        remixes.append(built_on(author, remix, [(hub, "translation" if n % 3 else "text")]))
    for n in range(18):
        author = artists[(n + 3) % 12]
        again = text_record(author, title=f"Echo {n + 1}")
        built_on(author, again, [(remixes[n % 6], "edit")])
    record_unpublish(record=remixes[1])
    return hub


def test_a_crowded_lineage_is_capped_in_the_picture_and_whole_in_the_lists(
    crowded: Record, live_server: Any, browser: Browser, artifacts: Path
) -> None:
    page, problems = open_page(browser, DESKTOP, f"{live_server.url}/records/{crowded.pk}/lineage/")
    svg = page.locator(".lineage-canvas svg")
    expect(svg.locator("g.lin-more")).not_to_have_count(0)
    expect(svg.locator("g.lin-more").first).to_contain_text("more")
    expect(page.locator("#lineage-ancestors li[id]")).to_have_count(14)
    expect(page.locator("#lineage-descendants li[id]")).to_have_count(54)
    page.screenshot(path=str(artifacts / "lineage-crowded.png"), full_page=True)

    # "+N more" leads to the list
    svg.locator("a.lin-more-link").last.click()
    page.wait_for_url("**#lineage-descendants")
    assert not problems, problems
    page.context.close()
