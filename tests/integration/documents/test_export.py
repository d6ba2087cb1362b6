"""The Documents page's CSV: every cell safe to open in a spreadsheet, whatever the platform or Xero wrote."""

from __future__ import annotations

import csv
import io

from core.documents import views as document_views
from core.documents.query import DocumentFilter
from core.hub import Hub
from core.platform_api import events as platform
from tests.integration.contacts.test_views import FIONA, actor, harbour

EVIL = '=HYPERLINK("http://evil.example","Open")'


def test_the_documents_csv_defuses_formulas(seeded: Hub) -> None:
    cid = harbour(seeded)
    with seeded.db.write() as session:
        platform.handle(session, company_id=cid, event_id="csv-1", kind="supplier.changed",
                        data={"supplier_id": "CSV-1", "name": EVIL, "is_customer": True})  # fmt: skip
        platform.handle(session, company_id=cid, event_id="csv-2", kind="document.issued", data={
            "document_id": "csv-doc", "kind": "sales_invoice", "number": "+SUM(A1:A9)", "contact_id": "CSV-1",
            "issue_date": "2026-11-02", "lines": [{"description": "x", "quantity": 1, "unit_amount": 10,
                                                  "category": "GOODS", "tax_rate": "VAT20", "tax_amount": 2}],
        })  # fmt: skip
    with seeded.db.read() as session:
        text = document_views.to_csv(session, actor(seeded, FIONA), cid, DocumentFilter(), xero_api_url="http://x")
    (row,) = [r for r in csv.DictReader(io.StringIO(text)) if "SUM" in r["Number"]]
    assert row["Number"] == "'+SUM(A1:A9)" and row["Contact"] == "'" + EVIL
