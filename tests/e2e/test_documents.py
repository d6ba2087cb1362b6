"""DEMO step 6 in a real browser: a finance manager issues an invoice from the Documents page's demo form, watches it
reach Xero (the simulator's invoice screen shows it), records a payment there as a Xero user does, and sees the hub
show the invoice as paid once the status comes back.

Kookaburra Plumbing is used, connected here when it is not yet (as test_contacts and test_errors do): test_lifecycle
needs Tui Garden never connected and moves Harbour Bakery through disconnect and remove, and test_mappings has
Harbour Bakery Events. Issuing an invoice changes nothing the other tests look at."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import settle
from tests.e2e.flows import main
from tests.e2e.test_contacts import nav, olivia_with_kookaburra_connected
from tests.stack import Stack

pytestmark = pytest.mark.e2e

DEMO_TAB = "Issue a demo invoice"


def demo_tab(page: Page) -> None:
    main(page).get_by_role("tab", name=DEMO_TAB).click()
    settle(page)


def watch_until(page: Page, text: str, *, seconds: float = 90) -> None:
    """Wait, without a click or a reload, until the watch panel (which redraws itself) shows the sidecar's work."""
    expect(main(page).get_by_text(text).first).to_be_visible(timeout=seconds * 1000)


def test_an_issued_invoice_reaches_xero_and_comes_back_paid(page: Page, stack: Stack) -> None:
    olivia_with_kookaburra_connected(page, stack)

    # Wait until the import has linked the platform's customers (the form lists linked ones first).
    nav(page, "Documents")
    demo_tab(page)
    deadline = time.monotonic() + 90
    customer = main(page).get_by_role("combobox", name="Customer")
    while "(in Xero)" not in customer.input_value() and time.monotonic() < deadline:
        time.sleep(2)
        nav(page, "Documents")
        demo_tab(page)
    expect(customer).to_have_value(re.compile(r"\(in Xero\)"))

    main(page).get_by_role("button", name="Issue the invoice").click()
    settle(page)
    flash = main(page).get_by_text(re.compile(r"Invoice DEMO-\w+ issued"))
    expect(flash).to_be_visible()
    number = re.search(r"DEMO-\w+", flash.inner_text()).group(0)  # type: ignore[union-attr]
    demo_tab(page)

    # Within seconds the sidecar's push puts it in Xero: the hub shows Xero's status and a link to it.
    watch_until(page, "Status: Awaiting payment")
    link = main(page).get_by_role("link", name="Open it in Xero").first
    expect(link).to_be_visible()

    # A Xero user records the payment in the simulator's screen (in another tab: the hub's session stays).
    xero = page.context.new_page()
    xero.goto(link.get_attribute("href") or "")
    expect(xero.get_by_role("heading", name=re.compile(number))).to_be_visible()
    expect(xero.get_by_test_id("invoice-status")).to_have_attribute("data-status", "AUTHORISED")
    xero.get_by_test_id("add-payment").click()  # the amount is the amount due, to the first bank account
    expect(xero.get_by_text("recorded.")).to_be_visible()
    expect(xero.get_by_test_id("invoice-status")).to_have_attribute("data-status", "PAID")
    xero.close()

    # The status comes back as paid by itself: nothing pressed, nothing reloaded.
    watch_until(page, "Status: Paid")
    expect(main(page).get_by_text(re.compile(r"Amount due in Xero 0\.00, paid [\d,]+\.\d\d")).first).to_be_visible()
