"""Contacts imported from Xero are the platform's records, in a real browser: a supplier that came from Xero edited in
the hub reaches Xero's screen within seconds; edited in Xero, it shows drift and keeps our value; a proposed bank
update for it arrives through /api, is reviewed as a difference and accepted; an invoice to an imported customer
through /api lands on that contact in Xero; a phone edit shows whole in Xero.

Kookaburra Plumbing is used, connected here when it is not yet (as test_contacts, test_documents and test_errors do).
The contacts it changes are ones only Xero had, which no other browser test looks at."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from core.db import Database
from core.models.base import Company
from core.models.platform import Origin, PlatformContact
from tests.e2e.conftest import settle
from tests.e2e.flows import Platform, main, shows_after_sync, xero_contact_page
from tests.e2e.test_contacts import (
    KOOKABURRA,
    find_supplier,
    nav,
    olivia_with_kookaburra_connected,
    send_change,
    wait_for,
)
from tests.e2e.test_sign_in import open_hub
from tests.stack import Stack

pytestmark = pytest.mark.e2e


def imported(stack: Stack, *, customer: bool) -> PlatformContact:
    """A contact of Kookaburra's that only Xero had before the import (a supplier, or one that is both)."""
    database = Database(f"sqlite:///{stack.data_dir / 'hub.db'}")
    try:
        with database.read() as session:
            company = session.scalars(select(Company.id).where(Company.name == KOOKABURRA)).one()
            query = select(PlatformContact).where(
                PlatformContact.company_id == company,
                PlatformContact.origin == Origin.XERO,
                PlatformContact.is_supplier,
                ~PlatformContact.archived,
                PlatformContact.email.is_not(None),
            )
            if customer:
                query = query.where(PlatformContact.is_customer)
            found = session.scalars(query.order_by(PlatformContact.name)).all()
            assert found, "the import brought no such contact from Xero"
            session.expunge_all()
            return found[-1] if not customer else found[0]
    finally:
        database.dispose()


def drift_shown(page: Page, name: str) -> bool:
    """The Contacts page, searched for the contact and filtered to those whose Xero values differ from ours."""
    nav(page, "Contacts & suppliers")
    search = main(page).get_by_label("Search name or email")
    search.fill(name)
    search.press("Enter")
    settle(page)
    main(page).get_by_text("Only where Xero differs from ours").click()
    settle(page)
    return main(page).get_by_text(re.compile(r"^1 contacts? match")).count() > 0


def test_a_supplier_that_came_from_xero_is_the_platforms_to_edit_propose_and_invoice(page: Page, stack: Stack) -> None:
    olivia_with_kookaburra_connected(page, stack)
    nav(page, "Contacts & suppliers")
    wait_for(page, "Initial import done")
    supplier = imported(stack, customer=False)

    # Edited in the hub, as the platform would: Xero's screen shows it within seconds, the phone whole.
    form = find_supplier(page, supplier.name)
    form.get_by_label("Phone", exact=True).fill("+61 2 5550 1234")
    send_change(form, "Email", "accounts@from-xero.example")
    xero_contact_page(page, stack, KOOKABURRA, supplier.name)
    shows_after_sync(page, "accounts@from-xero.example")
    expect(page.get_by_text("+61 2 5550 1234").first).to_be_visible()

    # Edited in Xero: the hub keeps our value and shows Xero's beside it as drift.
    page.get_by_test_id("edit").click()
    page.get_by_test_id("edit-EmailAddress").fill("changed-in-xero@from-xero.example")
    page.get_by_test_id("save").click()
    open_hub(page, stack)
    deadline = time.monotonic() + 60
    while not drift_shown(page, supplier.name):
        assert time.monotonic() < deadline, "the edit made in Xero never showed as drift"
        time.sleep(2)
    form = find_supplier(page, supplier.name)
    expect(form.get_by_label("Email", exact=True)).to_have_value("accounts@from-xero.example")

    # A proposed bank update for it, through /api: reviewed as a difference, accepted, in Xero.
    platform = Platform(stack)
    platform.event(KOOKABURRA, "own-e2e-proposal", "supplier.proposed_update", {
        "proposal_id": "own-e2e-1", "supplier_id": supplier.platform_id,
        "changes": {"bank_account": "062-000 87654321"},
    })  # fmt: skip
    nav(page, "Contacts & suppliers")
    main(page).get_by_role("tab", name="Proposed updates").click()
    expect(main(page).get_by_text(f"{supplier.name} proposed new details")).to_be_visible()
    expect(main(page).get_by_text("062-000 87654321")).to_be_visible()  # the difference, beside the current value
    accept = main(page).get_by_role("button", name="Accept")
    expect(accept).to_have_count(1)  # the only proposal waiting
    accept.click()
    settle(page)
    # Seen through before leaving: a page left while its click is still on the way loses the click.
    expect(main(page).get_by_text(f"Accepted {supplier.name}'s update.")).to_be_visible()
    xero_contact_page(page, stack, KOOKABURRA, supplier.name)
    shows_after_sync(page, "062-000 87654321")

    # An invoice to a customer that came from Xero, through /api: it lands on that contact in Xero.
    customer = imported(stack, customer=True)
    line = {"description": "Call-out", "quantity": 1, "unit_amount": 120, "category": "SERVICES",
            "tax_rate": "GST10", "tax_amount": 12}  # fmt: skip
    platform.event(KOOKABURRA, "own-e2e-invoice", "document.issued", {
        "document_id": "own-e2e-inv", "kind": "sales_invoice", "number": "OWN-E2E-1",
        "contact_id": customer.platform_id, "issue_date": "2026-12-01", "due_date": "2026-12-15", "currency": "AUD",
        "lines": [line],
    })  # fmt: skip
    xero_contact_page(page, stack, KOOKABURRA, customer.name)
    shows_after_sync(page, "OWN-E2E-1", wait=60)
