"""The revenue-share story in a real browser (issue #7).

Mara leads "In a City". Its Official cut shows two subtitles: Ben's lines, built on Ana's poem,
and Ana's poem itself. Mara opens the production's pool and funds it with a budget (after a
refused negative one), generates a payment proposal from the cut, gives Ben's line more weight
with a reason, and publishes it. Ana finds the proposal on her earnings page and comments. The
comment window is moved into the past here (as the unit tests do); Mara finalises. Ana sees her
amount and requests a payout; anyone can read the public allocation: names and percentages.
Every page is photographed (var/test-artifacts/revenue-*.png), at desktop and phone width.
"""

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from ensemble.collabs import services as collab_services
from ensemble.lineage.services import SourceSpec
from ensemble.productions import services as production_services
from ensemble.royalties import selectors
from ensemble.royalties.models import Payout, Proposal
from tests.browser.test_collaboration import _context, _cookie, _page
from tests.browser.test_journey import (
    PHONE,
    Watcher,
    assert_no_horizontal_scroll,
    assert_styled,
    shoot,
)
from tests.factories import MemberFactory, text_record

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def cast(transactional_db: Any, live_server: Any) -> dict[str, Any]:
    """Made before the browser starts: Django refuses ORM calls while Playwright runs."""
    mara = MemberFactory.create(username="mara", display_name="Mara Okafor")
    ana = MemberFactory.create(username="ana", display_name="Ana Ferreira")
    ben = MemberFactory.create(username="ben", display_name="Ben Hallam")
    collaboration = collab_services.collaboration_create(
        leader=mara, title="In a City", brief="Walk through your city."
    )
    poem = text_record(ana, title="Streets", text="walking through my city")
    lines = text_record(
        ben,
        title="Lines",
        text="my city at night",
        sources=[SourceSpec(record_id=poem.pk, role="text")],
    )
    production = production_services.production_create(
        owner=mara, title="In a City", collaboration=collaboration
    )
    cut = production_services.cut_create(actor=mara, production=production, name="Official")
    for start, record in [(0, lines), (2, poem)]:
        production_services.title_add(
            actor=mara, cut=cut, version=record.current_version, start=start, duration=1,
            kind="subtitle",
        )  # fmt: skip
    return {
        "mara": _cookie(mara),
        "ana": _cookie(ana),
        "production": production.pk,
        "ben": ben.pk,
    }


def fund_the_pool(page: Page, base: str, production_id: int, artifacts: Path) -> str:
    page.goto(f"{base}/productions/{production_id}/")
    assert_styled(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Revenue share").click()
    expect(page.locator("h1")).to_have_text("Revenue share")
    revenue_url = page.url

    page.get_by_label("Currency").select_option("EUR")
    page.get_by_label("Community share of profits (%)").fill("50")
    with page.expect_navigation():
        page.get_by_role("button", name="Open the pool").click()
    expect(page.locator(".message")).to_contain_text("The pool is open, in EUR")

    # A negative budget is refused next to its field, and nothing enters the pool.
    budget = page.locator("form", has=page.get_by_role("button", name="Add the budget"))
    budget.get_by_label("Amount").fill("-50")
    budget.get_by_label("Reason").fill("Festival grant")
    with page.expect_navigation():
        budget.get_by_role("button", name="Add the budget").click()
    expect(budget.locator(".field-error .error")).to_have_text("An amount cannot be negative.")
    expect(page.locator("[data-pool-balance]")).to_have_text("EUR 0.00")
    shoot(page, artifacts, "revenue-refused-budget")

    budget.get_by_label("Amount").fill("1200.00")
    with page.expect_navigation():
        budget.get_by_role("button", name="Add the budget").click()
    expect(page.locator(".message")).to_have_text("A budget of EUR 1,200.00 is in.")
    expect(page.locator("[data-pool-balance]")).to_have_text("EUR 1,200.00")
    history = page.locator(".pool-history .timeline-item")
    expect(history).to_have_count(1)
    expect(history.first).to_contain_text("Mara Okafor added a budget of EUR 1,200.00")
    expect(history.first).to_contain_text("Festival grant")
    shoot(page, artifacts, "revenue-pool")
    return revenue_url


def propose_adjust_publish(page: Page, ben_id: int, artifacts: Path) -> str:
    page.get_by_label("Cut").select_option(label="Official")
    page.get_by_label("Upstream share (%)").fill("30")
    page.get_by_label("Comment window (days)").fill("14")
    with page.expect_navigation():
        page.get_by_role("button", name="Generate a proposal").click()
    expect(page).to_have_url(re.compile(r"/royalties/proposals/\d+/$"))
    proposal_url = page.url
    expect(page.locator("[data-proposal-state]")).to_have_text("Draft")
    rows = page.locator(".allocation-lines tbody tr[data-line]")
    expect(rows).to_have_count(3)  # Ben, Ana and Mara (production)

    form = page.locator("form", has=page.get_by_role("button", name="Set the weight"))
    form.get_by_label("Artist").select_option(str(ben_id))
    form.get_by_label("Weight (points)").fill("12.5")
    form.get_by_label("Reason").fill("His lines carry the film")
    with page.expect_navigation():
        form.get_by_role("button", name="Set the weight").click()
    expect(page.locator(".message")).to_have_text("Ben Hallam's weight is now 12.5 points.")
    ben = page.locator(f'.allocation-lines tr[data-line="{ben_id}"]')
    expect(ben).to_contain_text(re.compile(r"12\.5\s+pt"))
    expect(page.locator(".allocation-lines .adjustment")).to_contain_text(
        "→ 12.5 points: His lines carry the film"
    )
    shoot(page, artifacts, "revenue-proposal-draft")

    with page.expect_navigation():
        page.get_by_role("button", name="Publish for comments").click()
    expect(page.locator(".message")).to_contain_text("comments are open until")
    expect(page.locator("[data-proposal-state]")).to_have_text("Open for comments")
    finalise = page.get_by_role("button", name="Finalise")
    expect(finalise).to_be_disabled()
    expect(page.locator("#finalise-when")).to_contain_text("Finalising opens on")
    shoot(page, artifacts, "revenue-proposal-published")
    return proposal_url


def comment_as_an_artist(page: Page, base: str, proposal_url: str, artifacts: Path) -> None:
    page.goto(f"{base}/royalties/earnings/")
    assert_styled(page)
    with page.expect_navigation():
        page.locator(".side-card", has_text="Open for your comments").get_by_role(
            "link", name="In a City"
        ).click()
    assert page.url == proposal_url
    expect(page.locator(".shares")).to_contain_text("Ana Ferreira")
    expect(page.get_by_role("button", name="Set the weight")).to_have_count(0)
    page.get_by_label("Your comment").fill("Fair: the poem is the seed of his lines.")
    with page.expect_navigation():
        page.get_by_role("button", name="Comment").click()
    expect(page.locator(".comment-quote")).to_contain_text("Fair: the poem is the seed")
    expect(page.locator(".comment-quote footer")).to_contain_text("Ana Ferreira")
    shoot(page, artifacts, "revenue-proposal-comment")


def finalise(page: Page, proposal_url: str, artifacts: Path) -> None:
    page.goto(proposal_url)
    expect(page.locator(".comment-quote")).to_contain_text("Fair: the poem is the seed")
    button = page.get_by_role("button", name="Finalise and share the pool")
    expect(button).to_be_enabled()
    with page.expect_navigation():
        button.click()
    expect(page.locator(".message")).to_contain_text("Finalised: EUR 1,200.00 is shared among 3")
    expect(page.locator("[data-proposal-state]")).to_have_text("Finalised")
    expect(page.get_by_role("button", name="Set the weight")).to_have_count(0)
    shoot(page, artifacts, "revenue-proposal-finalised")


def earn_and_pay_out(page: Page, base: str, owed: str, artifacts: Path) -> None:
    page.goto(f"{base}/royalties/earnings/")
    expect(page.locator(".balance")).to_have_text(owed)
    expect(page.locator("table").nth(0)).to_contain_text("In a City")
    form = page.locator("form.payout-form")
    key = form.locator("input[name=payout-key]").input_value()
    assert len(key) >= 20
    expect(form.get_by_label("Currency")).to_have_value("EUR")
    form.get_by_label("Amount").fill("100.00")
    with page.expect_navigation():
        form.get_by_role("button", name="Request the payout").click()
    expect(page.locator(".message")).to_contain_text("A payout of EUR 100.00 is recorded.")
    expect(page.locator(".payouts tbody tr")).to_have_count(1)
    expect(page.locator(".payouts")).to_contain_text("EUR 100.00")
    shoot(page, artifacts, "revenue-earnings")


def test_fund_propose_comment_finalise_pay_out_and_publish_the_allocation(
    cast: dict[str, Any], live_server: Any, browser: Browser, artifacts: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # DB steps between browser steps
    base = live_server.url
    watcher = Watcher()
    mara = _context(browser, base, cast["mara"])
    ana = _context(browser, base, cast["ana"])
    guest = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = _page(mara, watcher)
        revenue_url = fund_the_pool(page, base, cast["production"], artifacts)
        # The refused budget is the one failed answer (and its console line) the page saw.
        refused = [p for p in watcher.problems if "pool/budget/" in p or "status of 400" in p]
        assert len(refused) == 2, watcher.problems
        watcher.problems[:] = [p for p in watcher.problems if p not in refused]
        proposal_url = propose_adjust_publish(page, cast["ben"], artifacts)

        comment_as_an_artist(_page(ana, watcher), base, proposal_url, artifacts)

        proposal = Proposal.objects.get()  # the window passes
        Proposal.objects.filter(pk=proposal.pk).update(
            published_at=timezone.now() - timedelta(days=proposal.window_days, minutes=1)
        )
        finalise(page, proposal_url, artifacts)
        page.goto(revenue_url)
        expect(page.locator("[data-pool-balance]")).to_have_text("EUR 0.00")
        expect(page.locator(".proposals")).to_contain_text("EUR 1,200.00")
        shoot(page, artifacts, "revenue-pool-after")

        proposal.refresh_from_db()
        poet = proposal.allocations.get(member__username="ana")
        owed = f"EUR {poet.amount // 100:,}.{poet.amount % 100:02d}"
        earn_and_pay_out(_page(ana, watcher), base, owed, artifacts)
        payout = Payout.objects.get()
        assert payout.amount == 10000
        assert selectors.member_balances(member=payout.member)["EUR"] == poet.amount - 10000

        public = _page(guest, watcher)
        public.goto(f"{base}/royalties/allocations/{proposal.pk}/")
        assert_styled(public)
        expect(public.locator("h1")).to_have_text("How “In a City” was shared")
        rows = public.locator("table tbody tr")
        expect(rows).to_have_count(3)
        expect(rows.first.locator("td").first).to_have_text("Ben Hallam")
        for name in ("Ben Hallam", "Ana Ferreira", "Mara Okafor"):
            expect(public.locator("table")).to_contain_text(name)
        percents = [
            float(t.rstrip(" %")) for t in rows.locator("td:nth-child(2)").all_inner_texts()
        ]
        assert sum(percents) == pytest.approx(100, abs=0.05)
        expect(public.locator("body")).not_to_contain_text("EUR")
        shoot(public, artifacts, "revenue-allocation")
        assert not watcher.problems, watcher.problems
    finally:
        for context in (mara, ana, guest):
            context.close()

    for who, cookie, pages in [
        ("leader", cast["mara"], [("pool", revenue_url), ("proposal", proposal_url)]),
        ("artist", cast["ana"], [("earnings", f"{base}/royalties/earnings/")]),
    ]:
        phone = _context(
            browser, base, cookie, viewport=PHONE, device_scale_factor=2, is_mobile=True,
            has_touch=True,
        )  # fmt: skip
        try:
            page = _page(phone, watcher)
            for name, address in pages:
                page.goto(address)
                assert_styled(page)
                assert_no_horizontal_scroll(page, f"the {who}'s {name} page")
                shoot(page, artifacts, f"revenue-phone-{name}")
            assert not watcher.problems, watcher.problems
        finally:
            phone.close()
