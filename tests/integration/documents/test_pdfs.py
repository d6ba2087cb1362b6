"""A document's PDF in the hub, on SQLite and PostgreSQL: the Documents list and its CSV say whether it is attached
in Xero; housekeeping lets go of the bytes of a PDF not attached within HUB_KEEP_PAYLOADS_DAYS (the platform may send
it again, and it goes); offboarding lets go of every one."""

from __future__ import annotations

import base64
import csv
import dataclasses
import io
from datetime import timedelta

from sqlalchemy import select

from core import clock
from core.documents import views as document_views
from core.documents.query import DocumentFilter
from core.hub import Hub
from core.models.base import Company
from core.models.platform import DocumentPdf
from core.platform_api import events as platform
from core.platform_api import pdfs
from core.privacy import offboarding, retention
from tests.integration.contacts.test_views import FIONA, actor

PDF = b"%PDF-1.4\n%%EOF\n"
ADA = "ada@hub.example"


def harbour(hub: Hub) -> int:
    with hub.db.read() as session:
        return int(session.scalar(select(Company.id).where(Company.name == "Harbour Bakery Ltd")) or 0)


def issue(hub: Hub, number: str) -> None:
    cid = harbour(hub)
    with hub.db.write() as session:
        if number.endswith("1"):
            platform.handle(session, company_id=cid, event_id="pdf-sup", kind="supplier.changed",
                            data={"supplier_id": "PDF-C", "name": "Quayside Events", "is_customer": True})  # fmt: skip
        platform.handle(session, company_id=cid, event_id=f"issue-{number}", kind="document.issued", data={
            "document_id": number, "kind": "sales_invoice", "number": number, "contact_id": "PDF-C",
            "issue_date": "2026-11-02", "lines": [{"description": "x", "quantity": 1, "unit_amount": 10,
                                                  "category": "GOODS", "tax_rate": "VAT20", "tax_amount": 2}],
        })  # fmt: skip


def send_pdf(hub: Hub, number: str) -> dict[str, object]:
    with hub.db.write() as session:
        body = {"content": base64.b64encode(PDF).decode()}
        return pdfs.attach(session, company_id=harbour(hub), document_id=number, body=body)


def pdf_of(hub: Hub, number: str) -> DocumentPdf:
    with hub.db.read() as session:
        found = session.scalars(select(DocumentPdf).where(DocumentPdf.file_name == f"{number}.pdf")).one()
        _ = found.content
        return found


def test_the_list_and_its_csv_say_whether_the_pdf_is_attached(seeded: Hub) -> None:
    issue(seeded, "PDF-1")
    issue(seeded, "PDF-2")
    send_pdf(seeded, "PDF-1")
    cid, fiona = harbour(seeded), actor(seeded, FIONA)
    with seeded.db.write() as session:
        pdf = session.scalars(select(DocumentPdf)).one()
        pdf.xero_attachment_id, pdf.attached_at = "att-1", clock.now()
    with seeded.db.read() as session:
        page = document_views.list_documents(session, fiona, cid, DocumentFilter(text="PDF-"), xero_api_url="http://x")
        text = document_views.to_csv(session, fiona, cid, DocumentFilter(text="PDF-"), xero_api_url="http://x")
    assert {i.row.number: i.pdf for i in page.rows} == {"PDF-1": "Attached in Xero", "PDF-2": ""}
    assert {r["Number"]: r["PDF in Xero"] for r in csv.DictReader(io.StringIO(text))} == {
        "PDF-1": "Attached in Xero",
        "PDF-2": "",
    }


def test_housekeeping_lets_go_of_a_pdf_never_attached_and_it_can_come_again(seeded: Hub) -> None:
    issue(seeded, "PDF-1")
    issue(seeded, "PDF-2")
    send_pdf(seeded, "PDF-1")
    clock.advance(timedelta(days=91))
    send_pdf(seeded, "PDF-2")
    swept = retention.sweep(seeded.db, seeded.settings)
    assert swept.pdfs == 1 and "1 PDF not attached let go" in str(swept)
    old, new = pdf_of(seeded, "PDF-1"), pdf_of(seeded, "PDF-2")
    assert old.content is None and old.cleared_at is not None and old.sha256  # its name and hash stay
    assert new.content == PDF
    tight = dataclasses.replace(seeded.settings, keep_payloads_days=200.0)
    assert retention.sweep(seeded.db, tight).pdfs == 0
    again = send_pdf(seeded, "PDF-1")  # the same bytes again: not a duplicate now, they are kept anew
    assert again["duplicate"] is False and pdf_of(seeded, "PDF-1").content == PDF


def test_offboarding_lets_go_of_every_pdf(seeded: Hub) -> None:
    issue(seeded, "PDF-1")
    send_pdf(seeded, "PDF-1")
    with seeded.db.write() as session:
        offboarding.offboard(session, actor(seeded, ADA), harbour(seeded), typed_name="Harbour Bakery Ltd")
    assert pdf_of(seeded, "PDF-1").content is None
