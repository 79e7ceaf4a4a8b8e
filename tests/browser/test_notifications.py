"""Notifications in a real browser on a phone: the bell's count, the list, opening one."""

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, ViewportSize, expect

from ensemble.accounts.models import Member
from ensemble.notifications.models import Kind
from ensemble.notifications.services import notification_send
from tests.factories import MemberFactory, text_record

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PHONE: ViewportSize = {"width": 390, "height": 844}
TIMEOUT_MS = 30_000


@pytest.fixture
def seeded(transactional_db: Any, live_server: Any) -> dict[str, str]:
    """Made before the browser starts: Django refuses ORM calls while Playwright runs."""
    poet: Member = MemberFactory.create(username="poet")
    musician: Member = MemberFactory.create(
        username="musician", display_name="A Musician With A Long Name"
    )
    record = text_record(poet, title="Harbour at Dusk")
    for number in range(3):
        notification_send(
            recipient=poet, actor=musician, kind=Kind.REMIXED, url=record.get_absolute_url(),
            text=f"{musician.name} set “Harbour at Dusk” to music, take {number}",
            subject_label=record.title,
        )  # fmt: skip
    session = Client()
    session.force_login(poet)
    return {
        "cookie": session.cookies[settings.SESSION_COOKIE_NAME].value,
        "record_url": record.get_absolute_url(),
    }


def test_a_member_sees_the_count_opens_a_notification_and_marks_all_read(
    seeded: dict[str, str], live_server: Any, browser: Browser, artifacts: Any
) -> None:
    cookie = seeded["cookie"]
    context = browser.new_context(viewport=PHONE)
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(live_server.url + "/")
    bell = page.locator("a.bell")
    expect(bell).to_have_attribute("aria-label", "Notifications: 3 unread")
    expect(bell.locator(".bell-count")).to_have_text("3")

    bell.click()
    page.wait_for_url("**/notifications/")
    expect(page.locator(".notification-unread")).to_have_count(3)
    widths = page.evaluate(
        "() => ({scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth})"
    )
    assert widths["scroll"] <= widths["inner"], f"the list scrolls sideways on a phone: {widths}"
    page.screenshot(path=str(artifacts / "notifications-phone.png"), full_page=True)

    page.locator(".notification-link").first.click()
    page.wait_for_url(f"**{seeded['record_url']}")
    expect(page.locator("a.bell .bell-count")).to_have_text("2")

    page.goto(live_server.url + "/notifications/")
    page.get_by_role("button", name="Mark all read").click()
    expect(page.locator(".notification-unread")).to_have_count(0)
    expect(page.locator("a.bell .bell-count")).to_have_count(0)
    expect(page.locator("a.bell")).to_have_attribute("aria-label", "Notifications")
    context.close()
