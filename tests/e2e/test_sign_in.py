"""DEMO step 1 in a real browser: sign in as a finance manager, stay signed in, see the overview, sign out."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from core.demo.seed import DEMO_PASSWORD
from tests.e2e.browser import open_hub, settle, sign_in
from tests.stack import Stack

pytestmark = pytest.mark.e2e


__all__ = ["open_hub", "sign_in"]  # other browser tests import them from here


def test_finance_manager_signs_in_stays_signed_in_and_signs_out(page: Page, stack: Stack) -> None:
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).hostname or ""))
    open_hub(page, stack)
    expect(page.get_by_text("Sign in with your staff account.")).to_be_visible()
    expect(page.get_by_role("heading", name="Demo accounts")).to_be_visible()

    sign_in(page, "fiona@harbourbakery.example", "not the password")
    expect(page.get_by_text("don't match an active account")).to_be_visible()
    expect(page.locator("#email")).to_have_value("fiona@harbourbakery.example")

    sign_in(page, "fiona@harbourbakery.example", DEMO_PASSWORD)
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_role("heading", name="Overview")).to_be_visible()
    expect(main.get_by_text("Harbour Bakery Ltd", exact=True)).to_be_visible()
    # Connected or not depends on which browser test ran first (they share one stack): the badge is there either way.
    expect(main.get_by_text(re.compile(r"(Connected to Xero|Not connected to Xero|Xero: \w)")).first).to_be_visible()
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["hub_session"]["httpOnly"] and cookies["hub_session"]["sameSite"] == "Lax"

    page.reload()
    settle(page)
    expect(main.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.get_by_text("Finance manager (company admin) · Harbour Bakery Ltd")).to_be_visible()
    assert hosts == {"127.0.0.1"}, f"the pages fetched from elsewhere: {sorted(hosts - {'127.0.0.1'})}"
    favicon = page.locator("link[rel='shortcut icon'], link[rel='icon']").first.get_attribute("href") or ""
    assert not favicon.startswith("http") or urlsplit(favicon).hostname == "127.0.0.1"

    second = page.context.new_page()
    open_hub(second, stack)
    expect(second.locator('[data-testid="stMain"]').get_by_role("heading", name="Overview")).to_be_visible()
    second.close()

    page.locator('[data-testid="stSidebar"] button[data-testid="sign-out"]').click()
    page.wait_for_load_state()
    settle(page)
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    page.reload()
    settle(page)
    expect(page.locator("#email")).to_be_visible()
    expect(page.get_by_role("heading", name="Overview")).to_have_count(0)


def test_finance_manager_sees_only_their_company(page: Page, stack: Stack) -> None:
    open_hub(page, stack)
    sign_in(page, "fiona@harbourbakery.example", DEMO_PASSWORD)
    expect(page.locator('[data-testid="stMain"]').get_by_text("Harbour Bakery Ltd", exact=True)).to_be_visible()
    expect(page.get_by_text("Kookaburra Plumbing Pty Ltd")).to_have_count(0)
    expect(page.get_by_text("Tui Garden Supplies Ltd")).to_have_count(0)
    expect(page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]')).to_have_count(0)


def test_sidecar_heartbeat_shows_on_the_page(page: Page, stack: Stack) -> None:
    open_hub(page, stack)
    sign_in(page, "sam@hub.example", DEMO_PASSWORD)
    expect(page.get_by_test_id("stSidebar").get_by_text("Background sync running")).to_be_visible()


def test_a_forged_or_expired_cookie_asks_to_sign_in_again(page: Page, stack: Stack) -> None:
    page.context.add_cookies([{"name": "hub_session", "value": "forged.cookie", "url": stack.url}])
    open_hub(page, stack)
    expect(page.get_by_text("Your session has ended")).to_be_visible()
    expect(page.locator("#email")).to_be_visible()
