"""DEMO steps 3 and 4 and step 7's archived contact, in a real browser: the import with its matches and reviews, a
supplier edited in the hub showing in Xero's screen within seconds, then refused once it is archived in Xero."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Locator, Page, expect

from core.demo.seed import DEMO_PASSWORD
from tests.e2e.conftest import settle
from tests.e2e.flows import connect_through_xero, main, open_connections, shows_after_sync, xero_contact_page
from tests.e2e.test_sign_in import open_hub, sign_in
from tests.stack import Stack

pytestmark = pytest.mark.e2e

KOOKABURRA = "Kookaburra Plumbing Pty Ltd"
SUPPLIER = "Hunter Valley Copper Pty Ltd"  # a supplier only the platform has: the hub creates it in Xero


def nav(page: Page, name: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=name).click()
    settle(page)


def find_supplier(page: Page, search: str) -> Locator:
    """The demo edit tab: search, and return the form of that supplier (the search re-runs the page, and the old
    supplier's form may linger a moment beside the new one, so the form is picked by the name it shows)."""
    main(page).get_by_role("tab", name="Edit a supplier (demo)").click()
    main(page).get_by_label("Find a supplier").fill(search)
    main(page).get_by_label("Find a supplier").press("Enter")
    form = main(page).get_by_test_id("stForm").filter(has=page.locator(f'input[aria-label="Name"][value*="{search}"]'))
    expect(form).to_have_count(1)
    settle(page)
    expect(form.get_by_label("Email", exact=True)).to_have_count(1)  # the other supplier's fields have gone
    return form


def send_change(form: Locator, field: str, value: str) -> None:
    form.get_by_label(field, exact=True).fill(value)
    form.get_by_label(field, exact=True).press("Tab")
    form.get_by_role("button", name="Send the change").click()
    expect(form.page.get_by_test_id("stMain").get_by_text(re.compile(r"changed\.")).first).to_be_visible()


def wait_for(page: Page, text: str, *, seconds: float = 60) -> None:
    """Re-run the page (in the same session) until the sidecar's work shows on it."""
    deadline = time.monotonic() + seconds
    while main(page).get_by_text(text).count() == 0 and time.monotonic() < deadline:
        time.sleep(2)
        nav(page, "Contacts & suppliers")
    expect(main(page).get_by_text(text).first).to_be_visible()


def olivia_with_kookaburra_connected(page: Page, stack: Stack) -> None:
    """Olivia signed in, with Kookaburra Plumbing connected (here, unless another browser test connected it)."""
    open_hub(page, stack)
    sign_in(page, "olivia@kookaburraplumbing.example", DEMO_PASSWORD)
    open_connections(page)
    state = main(page).get_by_text(re.compile(r"Xero: (Connected|Not connected)")).first
    expect(state).to_be_visible()
    if "Not connected" in state.inner_text():
        connect_through_xero(page, "olivia@kookaburraplumbing.example", KOOKABURRA)


def test_import_review_edit_and_an_archived_supplier(page: Page, stack: Stack) -> None:
    olivia_with_kookaburra_connected(page, stack)

    # Step 3: the import runs in the sidecar; matches are linked, ambiguous ones wait for a person.
    nav(page, "Contacts & suppliers")
    wait_for(page, "Initial import done")
    expect(main(page).get_by_text(re.compile(r"\d+ linked to platform contacts"))).to_be_visible()
    review_tab = main(page).get_by_role("tab", name="Needs review")
    review_tab.click()
    expect(
        main(page).get_by_text(re.compile("share this email or phone|already linked to another Xero contact")).first
    ).to_be_visible()

    # Step 4: edit a supplier as the platform would; within seconds it is in Xero.
    send_change(find_supplier(page, "Hunter Valley"), "Email", "sales@huntercopper.example")
    xero_contact_page(page, stack, KOOKABURRA, SUPPLIER)
    shows_after_sync(page, "sales@huntercopper.example")

    # Step 7: archived in Xero, then edited in the hub: a sync error with the fix, and an alert email.
    page.get_by_test_id("archive").click()
    page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("contact-status")).to_have_text("Archived")
    open_hub(page, stack)
    nav(page, "Contacts & suppliers")
    send_change(find_supplier(page, "Hunter Valley"), "Bank account", "062-000 12345678")
    deadline = time.monotonic() + 60
    error = main(page).get_by_text("Last error: Contact archived in Xero")
    while error.count() == 0 and time.monotonic() < deadline:
        time.sleep(2)
        nav(page, "Xero connections")
    expect(error).to_be_visible()
    # The alert comes as the newest email once its digest is written; an earlier email may be there before it.
    nav(page, "Email outbox")
    deadline = time.monotonic() + 90
    words = main(page).get_by_text("Supplier or contact changes that did not reach Xero")
    while words.count() == 0:
        assert time.monotonic() < deadline, "no alert email about the supplier change reached the outbox"
        time.sleep(2)
        nav(page, "Email outbox")
    expect(words.first).to_be_visible()
