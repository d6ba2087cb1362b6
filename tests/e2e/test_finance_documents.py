"""A finance manager's invoice with everything Xero keeps on it, in a real browser: the platform issues a
tax-inclusive sales invoice through /api with a reference, a due date, a line tracked to region North and its PDF;
the hub refuses it while "North" has no Xero tracking option and says why on the Documents and Sync errors pages;
Olivia maps North to Region: North on the Mappings page's Tracking tab and retries it from its sync error; Xero's
invoice screen then shows the inclusive totals, the reference, the line's tracking and the PDF under Files; a Xero
user records the payment there, and the Documents page, left open, shows it paid within seconds.

Kookaburra Plumbing is used, connected here when it is not yet (as test_contacts, test_documents and test_ownership
do). The invoice and the tracking mapping are this test's own; no other browser test looks at them."""

from __future__ import annotations

import base64
import re

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from core.db import Database
from core.models.base import Company
from core.models.platform import PlatformContact
from tests.e2e.conftest import settle
from tests.e2e.flows import Platform, main
from tests.e2e.test_contacts import KOOKABURRA, nav, olivia_with_kookaburra_connected, wait_for
from tests.e2e.test_mappings import save_one
from tests.stack import Stack

pytestmark = pytest.mark.e2e

NUMBER = "FIN-E2E-1"
DOCUMENT_ID = "fin-e2e-invoice"
REFERENCE = "PO-7731 north depot"
FILE_NAME = f"{NUMBER}.pdf"


def small_pdf() -> bytes:
    """A one-page PDF a viewer opens: its catalogue, page tree and an empty A4 page, with a true cross-reference."""
    objects = [
        b"<</Type /Catalog /Pages 2 0 R>>",
        b"<</Type /Pages /Kids [3 0 R] /Count 1>>",
        b"<</Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]>>",
    ]
    body, offsets = b"%PDF-1.4\n", []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj %s endobj\n" % (number, content)
    xref = b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    xref += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    trailer = b"trailer <</Size %d /Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, len(body))
    return body + xref + trailer


PDF = small_pdf()
UNMAPPED = "No Xero tracking option for a line's dimension"  # the cause's title, in the Documents page's error column
PAID_WITHIN = 15  # seconds from the payment in Xero to "Paid" on the open Documents page


def linked_customer(stack: Stack) -> PlatformContact:
    """A customer of Kookaburra's the hub has linked to its Xero contact (the import's work)."""
    database = Database(f"sqlite:///{stack.data_dir / 'hub.db'}")
    try:
        with database.read() as session:
            company = session.scalars(select(Company.id).where(Company.name == KOOKABURRA)).one()
            found = session.scalars(
                select(PlatformContact)
                .where(
                    PlatformContact.company_id == company,
                    PlatformContact.is_customer,
                    ~PlatformContact.archived,
                    PlatformContact.xero_contact_id.is_not(None),
                    PlatformContact.xero_status == "ACTIVE",
                )
                .order_by(PlatformContact.name)
            ).first()
            assert found is not None, "the import linked no customer"
            session.expunge(found)
            return found
    finally:
        database.dispose()


def send_pdf(platform: Platform, company: str, document_id: str) -> dict:
    """The platform's PUT of the document's PDF, as it sends it once rendered."""
    answer = httpx.put(
        f"{platform.stack.url}/api/v1/companies/{platform.companies[company]}/documents/{document_id}/pdf",
        json={"content": base64.b64encode(PDF).decode("ascii"), "file_name": FILE_NAME},
        headers={"Authorization": f"Bearer {platform.key}"},
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def documents_searched(page: Page, search: str) -> None:
    nav(page, "Documents")
    box = main(page).get_by_label("Search number, contact or reference")
    box.fill(search)
    box.press("Enter")
    settle(page)


def cell(page: Page, number: str, column: str) -> Locator:
    """One cell of the document's row in the Documents page's list. The grid draws on a canvas; its accessible
    table (in the DOM, not shown) holds each cell's text, matched here by the column header's index."""
    grid = main(page).get_by_test_id("stDataFrame").filter(has=page.locator("th", has_text="Sync error"))
    header = grid.locator("th", has_text=re.compile(f"^{re.escape(column)}$"))
    expect(header).to_have_count(1)
    index = header.get_attribute("aria-colindex")
    return grid.locator("tr[role=row]").filter(has_text=number).locator(f'td[aria-colindex="{index}"]')


def test_an_inclusive_tracked_invoice_with_its_pdf_reaches_xero_and_comes_back_paid(page: Page, stack: Stack) -> None:
    olivia_with_kookaburra_connected(page, stack)
    nav(page, "Contacts & suppliers")
    wait_for(page, "Initial import done", seconds=90)
    customer = linked_customer(stack)

    # The platform issues the invoice through /api: prices include GST (330.00 holds 30.00), and its PDF follows.
    platform = Platform(stack)
    line = {"description": "Boiler service, north depot", "quantity": 2, "unit_amount": 165, "category": "SERVICES",
            "tax_rate": "GST10", "tax_amount": 30, "tracking": {"region": "North"}}  # fmt: skip
    issued = platform.event(KOOKABURRA, "fin-e2e-issued", "document.issued", {
        "document_id": DOCUMENT_ID, "kind": "sales_invoice", "number": NUMBER, "contact_id": customer.platform_id,
        "issue_date": "2026-12-01", "due_date": "2026-12-31", "reference": REFERENCE,
        "line_amount_types": "Inclusive", "currency": "AUD", "lines": [line],
    })  # fmt: skip
    assert issued["result"]["total"] == "330.00", issued
    assert send_pdf(platform, KOOKABURRA, DOCUMENT_ID)["result"]["file_name"] == FILE_NAME

    # "North" maps to no Xero tracking option yet: nothing goes to Xero, and the Documents page says why.
    documents_searched(page, NUMBER)
    expect(cell(page, NUMBER, "Sync error")).to_have_text(UNMAPPED, timeout=90_000)
    expect(cell(page, NUMBER, "Status")).to_have_text("Not sent: see the error")
    expect(cell(page, NUMBER, "PDF in Xero")).to_have_text("Waiting for the document to reach Xero")

    # The Sync errors page names the value and where to map it.
    nav(page, "Sync errors")
    main(page).get_by_label("Search record, message or company").fill(NUMBER)
    main(page).get_by_label("Search record, message or company").press("Enter")
    settle(page)
    main(page).get_by_text("Every error", exact=True).click()
    settle(page)
    reason = "The region 'North' has no Xero tracking option. Map it on the Mappings page (Tracking)."
    expect(main(page).get_by_test_id("stCode").filter(has_text=reason)).to_be_visible()
    expect(main(page).get_by_text("Map the value to a tracking option on the Mappings page")).to_be_visible()

    # The Mappings page's Tracking tab lists North (seen on the invoice): mapped to Region: North.
    nav(page, "Mappings")
    main(page).get_by_role("tab", name="Tracking", exact=True).click()
    settle(page)
    form = main(page).locator(".st-key-trk-one")
    save_one(page, form, "Dimension value", "North — Region", "Region: North", ("North", "Region: North"))
    expect(main(page).get_by_text("Saved 1 mapping change;")).to_be_visible()

    # Retried from its sync error: the check passes now, and it goes.
    nav(page, "Sync errors")
    main(page).get_by_text("Every error", exact=True).click()
    settle(page)
    expect(main(page).get_by_test_id("stCode").filter(has_text=reason)).to_be_visible()
    main(page).get_by_role("button", name=re.compile(r"(^|\s)Retry$")).click()
    settle(page)
    expect(main(page).get_by_text(re.compile(r"Error #\d+: goes now"))).to_be_visible()

    # In Xero within seconds, its PDF attached after it; the Documents page shows both and links to it.
    documents_searched(page, NUMBER)
    expect(cell(page, NUMBER, "Status")).to_have_text("Awaiting payment", timeout=60_000)
    expect(cell(page, NUMBER, "PDF in Xero")).to_have_text("Attached in Xero", timeout=60_000)
    expect(cell(page, NUMBER, "Sync error")).to_have_text("")
    link = cell(page, NUMBER, "Xero").text_content() or ""
    assert link.startswith(stack.sandbox_url), link

    # Xero's invoice screen (another tab; the hub's page stays open as it is).
    xero = page.context.new_page()
    xero.goto(link)
    expect(xero.get_by_role("heading", name=re.compile(NUMBER))).to_be_visible()
    details = xero.get_by_test_id("invoice-details")
    for shown in (REFERENCE, "31 Dec 2026", "Inclusive", "AUD"):
        expect(details).to_contain_text(shown)
    expect(xero.get_by_test_id("invoice-total")).to_have_text("AUD 330.00")  # the lines: tax is inside them
    expect(xero.get_by_test_id("invoice-tax")).to_have_text("AUD 30.00")
    expect(xero.get_by_test_id("invoice-subtotal")).to_have_text("AUD 300.00")
    lines = xero.get_by_test_id("invoice-lines")
    expect(lines.get_by_role("row").filter(has_text="Boiler service")).to_contain_text("330.00")
    expect(lines.get_by_test_id("line-tracking")).to_have_text(["Region: North"])
    files = xero.get_by_test_id("invoice-attachments")
    expect(files.get_by_test_id("attachment-link")).to_have_text([FILE_NAME])
    expect(files).to_contain_text(f"{len(PDF):,} bytes")

    # A Xero user records the payment (the amount due, to the first bank account).
    expect(xero.get_by_test_id("invoice-status")).to_have_attribute("data-status", "AUTHORISED")
    xero.get_by_test_id("add-payment").click()
    expect(xero.get_by_text("recorded.")).to_be_visible()
    expect(xero.get_by_test_id("invoice-status")).to_have_attribute("data-status", "PAID")
    xero.close()

    # The Documents page, left open (nothing pressed, nothing reloaded), shows it paid within seconds.
    expect(cell(page, NUMBER, "Status")).to_have_text("Paid", timeout=PAID_WITHIN * 1000)
    expect(cell(page, NUMBER, "Paid in Xero")).to_have_text("330.00")
    expect(cell(page, NUMBER, "Due in Xero")).to_have_text("0.00")
