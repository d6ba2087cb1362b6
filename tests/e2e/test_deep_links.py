"""Every link lands, even right after a restart: the alert email's link opened in a browser with the old session
cookie shows that page at once; opened without one, it shows the sign-in form and signing in lands on it."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from core.demo.seed import DEMO_PASSWORD
from tests.e2e.conftest import settle
from tests.e2e.test_sign_in import sign_in
from tests.stack import Stack

pytestmark = pytest.mark.e2e

LINK = "/errors?company=1"  # what an alert email links to
SAM = "sam@hub.example"


def shows_sync_errors(page: Page) -> None:
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_role("heading", name="Sync errors")).to_be_visible()
    nav = page.locator('[data-testid="stSidebarNav"]')
    expect(nav.get_by_text("Sync errors")).to_be_visible()
    expect(nav.get_by_text("sign in", exact=True)).to_have_count(0)  # no page listed by its file name
    assert "/errors" in page.url


def test_an_alert_link_lands_after_a_restart_with_the_old_cookie_and_without_one(
    browser: Browser, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    first = Stack(data).start()
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 860})
        page = context.new_page()
        page.goto(first.url)
        settle(page)
        sign_in(page, SAM, DEMO_PASSWORD)
        expect(page.locator('[data-testid="stMain"]').get_by_role("heading", name="Overview")).to_be_visible()
    finally:
        first.stop()

    second = Stack(data).start()  # the same data and keys, a fresh process that nobody has opened yet
    try:
        page.goto(second.url + LINK)  # the cookie is the host's, whatever the port
        settle(page)
        shows_sync_errors(page)
        context.close()

        fresh = browser.new_context(viewport={"width": 1280, "height": 860})
        stranger = fresh.new_page()
        stranger.goto(second.url + LINK)
        settle(stranger)
        expect(stranger.locator("#email")).to_be_visible()
        expect(stranger.get_by_text("Your session has ended")).to_have_count(0)
        sign_in(stranger, SAM, DEMO_PASSWORD)
        shows_sync_errors(stranger)
        fresh.close()
    finally:
        second.stop()
