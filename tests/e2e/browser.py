"""What the browser tests and the README's screenshots (scripts/screenshots.py) share, without pytest: Debian's
Chromium as Playwright drives it, waiting for Streamlit to finish a run, and signing in."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.stack import Stack

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def settle(page: Page) -> None:
    """Wait until Streamlit has rendered the app and finished running the script."""
    page.wait_for_selector('[data-testid="stApp"]')
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=30_000)


def open_hub(page: Page, stack: Stack, path: str = "/") -> None:
    page.goto(stack.url + path)
    settle(page)


def sign_in(page: Page, email: str, password: str) -> None:
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("form.hub-sign-in button[type=submit]").click()
    page.wait_for_load_state()
    settle(page)


def nav(page: Page, name: str) -> None:
    """Open a page from the sidebar (a rerun in the same session)."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=name).click()
    settle(page)
