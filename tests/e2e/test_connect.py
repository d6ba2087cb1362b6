"""DEMO step 2 in a real browser: Connect to Xero, consent in Xero's page, pick the organisation again, confirm."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from core.demo.seed import DEMO_PASSWORD
from tests.e2e.conftest import settle
from tests.e2e.test_sign_in import open_hub, sign_in
from tests.stack import Stack

pytestmark = pytest.mark.e2e


def test_a_company_admin_connects_through_xeros_consent_page(page: Page, stack: Stack) -> None:
    open_hub(page, stack)
    sign_in(page, "olivia@kookaburraplumbing.example", DEMO_PASSWORD)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Xero connections").click()
    settle(page)
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_text("Not connected")).to_be_visible()
    pages_before = len(page.context.pages)
    main.get_by_role("button", name="Connect to Xero").click()
    page.wait_for_url("**/identity/connect/authorize**")  # one click, in the same tab
    assert len(page.context.pages) == pages_before  # no tab left behind

    # The simulator's consent page, as a Xero user sees it.
    expect(page.get_by_role("heading", name="Log in to connect Xero integration hub")).to_be_visible()
    page.get_by_label("Email address").fill("olivia@kookaburraplumbing.example")
    page.get_by_label("Password").fill("xero-demo")
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Kookaburra Plumbing Pty Ltd").check()
    page.get_by_role("button", name="Allow access").click()

    # Back in the hub: the second pick, with the warning that the company stays tied to it.
    page.wait_for_url("**/connections?confirm=*")
    settle(page)
    expect(main.get_by_text("Confirm the organisation")).to_be_visible()
    expect(main.get_by_text("stays tied to the organisation you confirm")).to_be_visible()
    main.get_by_role("button", name="Confirm and connect").click()
    settle(page)
    expect(main.get_by_text("Connected · Kookaburra Plumbing Pty Ltd")).to_be_visible()
    expect(main.get_by_role("button", name="Disconnect…")).to_be_visible()

    # The initial import's bar shows at once and completes on this page, with no click or reload.
    bar = main.get_by_role("progressbar")
    expect(bar).to_be_visible()
    expect(main.get_by_text(re.compile(r"Initial import done .*: \d+ contacts"))).to_be_visible(timeout=60_000)
    expect(bar).to_have_attribute("aria-valuenow", "100")
    expect(main.get_by_text("Last successful sync")).to_be_visible()
    expect(main.get_by_text("Not yet")).to_have_count(0)
