"""A real Chromium (Debian's, never a downloaded one) driven by Playwright, one per test."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, sync_playwright

CHROMIUM = Path(os.environ.get("ENSEMBLE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--mute-audio",
    "--autoplay-policy=no-user-gesture-required",
]


@pytest.fixture
def artifacts() -> Path:
    """Where screenshots go, for people (and CI) to look at after the run."""
    folder = Path(settings.BASE_DIR) / "var" / "test-artifacts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def browser(live_server: object) -> Iterator[Browser]:
    """Chromium for one test.

    Function-scoped on purpose: Playwright's sync API keeps an asyncio loop running on this
    thread while it is started, and Django refuses ORM calls from a thread with a running loop,
    so Playwright must be stopped before pytest-django flushes the database after the test.
    Depending on `live_server` makes this fixture's teardown run first.
    """
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()
