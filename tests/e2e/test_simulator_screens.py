"""The simulator's Xero screens in a real browser: find a contact, archive it with confirmation, restore it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.stack import Stack

pytestmark = pytest.mark.e2e


def test_archive_and_restore_a_contact_in_the_simulators_screens(page: Page, stack: Stack) -> None:
    page.goto(stack.sandbox_url + "/")
    page.get_by_role("link", name="Harbour Bakery Ltd").first.click()
    page.get_by_test_id("nav-contacts").click()
    rows = page.get_by_test_id("contact-row")
    expect(rows.first).to_be_visible()
    name = rows.first.get_by_test_id("contact-link").inner_text()
    page.get_by_test_id("contact-search").fill(name[:6])
    page.get_by_test_id("contact-search-submit").click()
    page.get_by_test_id("contact-link").filter(has_text=name).first.click()
    expect(page.get_by_test_id("contact-status")).to_have_text("Active")
    page.get_by_test_id("archive").click()
    expect(page.get_by_test_id("confirm-question")).to_be_visible()
    page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("flash")).to_be_visible()
    expect(page.get_by_test_id("contact-status")).to_have_text("Archived")
    page.get_by_test_id("unarchive").click()
    page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("contact-status")).to_have_text("Active")
