"""The Documents page with seeded state: the empty state, a list with Xero statuses, errors and links, customers off
balance, the demo invoice form issuing a document through the platform's entry point, and "export again" audited."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from core import clock
from core.hub import Hub
from core.models.base import AuditEvent
from core.models.platform import (
    DocumentKind,
    DocumentPdf,
    PlatformContact,
    PlatformDocument,
    PlatformEvent,
    PlatformPayment,
)
from core.models.sync import ConnectionState, OutboxEntry, OutboxState
from core.sync import errors, outbox
from core.sync.errors import EntityRef
from tests.ui.conftest import page_text
from tests.ui.test_connections_page import company_id, seed_connection
from tests.ui.test_pages import FIONA, AppFactory, run_ok

PAGE = "web/pages/documents.py"
HARBOUR = "Harbour Bakery Ltd"


def open_page(app_as: AppFactory, who: str = FIONA) -> AppTest:
    return run_ok(run_ok(app_as(who)).switch_page(PAGE))


def customer(hub: Hub) -> PlatformContact:
    with hub.db.read() as session:
        return session.scalars(
            select(PlatformContact)
            .where(PlatformContact.company_id == company_id(hub, HARBOUR), PlatformContact.is_customer.is_(True))
            .order_by(PlatformContact.id)
        ).first()  # type: ignore[return-value]


def add_document(hub: Hub, number: str, **values: object) -> int:
    now = clock.now()
    with hub.db.write() as session:
        document = PlatformDocument(
            company_id=company_id(hub, HARBOUR),
            platform_id=number,
            kind=values.pop("kind", DocumentKind.SALES_INVOICE),
            number=number,
            contact_id=customer(hub).id,
            issue_date=date(2026, 11, 2),
            currency="GBP",
            lines=[],
            total=Decimal("120.00"),
            created_at=now,
            changed_at=now,
            **values,
        )
        session.add(document)
        session.flush()
        return document.id


def failed_entry(hub: Hub, entity_type: str, entity_id: int, cause: str, detail: str) -> None:
    cid = company_id(hub, HARBOUR)
    with hub.db.write() as session:
        entry = outbox.enqueue(
            session,
            company_id=cid,
            entity_type=entity_type,
            entity_id=str(entity_id),
            version=1,
            operation="create",
            payload={"document_id": entity_id},
        )
        error = errors.record(
            session, company_id=cid, code=cause, entity=EntityRef(entity_type, str(entity_id)), detail=detail
        )
        entry.state, entry.last_error_id, entry.attempts = OutboxState.FAILED, error.id, 1


def test_the_empty_state_explains_where_documents_come_from(app_as: AppFactory) -> None:
    text = page_text(open_page(app_as))
    assert "Documents" in text and "No documents yet" in text
    assert "off balance" not in text


def test_a_list_with_statuses_errors_links_and_customers_off_balance(app_as: AppFactory, ui_hub: Hub) -> None:
    seed_connection(ui_hub, HARBOUR, ConnectionState.CONNECTED)
    paid = add_document(
        ui_hub,
        "INV-0101",
        xero_id="11111111-2222-3333-4444-555555555555",
        xero_status="PAID",
        amount_due=Decimal(0),
        amount_paid=Decimal("120.00"),
    )
    stuck = add_document(ui_hub, "INV-0102")
    failed_entry(ui_hub, "document", stuck, "missing_account_mapping", "Line category GOODS has no account.")
    add_document(
        ui_hub,
        "INV-0103",
        xero_id="abc",
        xero_status="AUTHORISED",
        amount_due=Decimal("20"),
        amount_paid=Decimal("100"),
        uncertain_since=clock.now(),
    )
    with ui_hub.db.write() as session:
        session.add(
            PlatformPayment(
                company_id=company_id(ui_hub, HARBOUR),
                platform_id="PM-9",
                document_id=paid,
                amount=Decimal("120"),
                paid_on=date(2026, 11, 3),
                currency="GBP",
                xero_id="pay-1",
                xero_status="AUTHORISED",
                exported_at=clock.now(),
                created_at=clock.now(),
            )
        )
        contact = session.get(PlatformContact, customer(ui_hub).id)
        contact.off_balance, contact.xero_outstanding = True, Decimal("15.00")  # type: ignore[union-attr]
        session.add(  # the paid invoice's PDF, attached in Xero
            DocumentPdf(
                company_id=company_id(ui_hub, HARBOUR),
                document_id=paid,
                file_name="INV-0101.pdf",
                size=9,
                sha256="0" * 64,
                received_at=clock.now(),
                xero_attachment_id="att-1",
                attached_at=clock.now(),
            )
        )
    at = open_page(app_as)
    frame = next(f.value for f in at.dataframe if "Number" in f.value.columns)
    statuses = dict(zip(frame["Number"] + "/" + frame["Kind"], frame["Status"], strict=True))
    assert statuses["INV-0101/Sales invoice"] == "Paid"
    assert statuses["INV-0101/Payment"] == "Exported to Xero"
    assert statuses["INV-0102/Sales invoice"] == "Not sent: see the error"
    assert statuses["INV-0103/Sales invoice"].startswith("Uncertain")
    assert "No account code for a line category" in set(frame["Sync error"])
    pdfs = dict(zip(frame["Number"] + "/" + frame["Kind"], frame["PDF in Xero"], strict=True))
    assert (pdfs["INV-0101/Sales invoice"], pdfs["INV-0102/Sales invoice"]) == ("Attached in Xero", "")
    assert any(str(link).endswith("/invoices/11111111-2222-3333-4444-555555555555") for link in frame["Xero"])
    text = page_text(at)
    assert "1 customer off balance" in text
    off = next(f.value for f in at.dataframe if "Outstanding in Xero" in f.value.columns)
    # 120 not sent to Xero, and 20 of one Xero says is part paid (what Xero reported paid counts), vs Xero's figure.
    assert list(off.iloc[0])[1:4] == ["GBP", "140.00", "15.00"]

    at.checkbox(key=f"documents-{company_id(ui_hub, HARBOUR)}-errors").check()
    frame = next(f.value for f in run_ok(at).dataframe if "Number" in f.value.columns)
    assert list(frame["Number"]) == ["INV-0102"]


def test_the_demo_form_issues_an_invoice_through_the_platform(app_as: AppFactory, ui_hub: Hub) -> None:
    seed_connection(ui_hub, HARBOUR, ConnectionState.CONNECTED)
    at = open_page(app_as)
    next(b for b in at.button if b.label == "Issue the invoice").click()
    run_ok(at)
    text = page_text(at)
    assert "issued (108.00 GBP). It is queued and reaches Xero within seconds." in text  # 2 x 45.00 + 20% VAT
    assert "Status: **Waiting to be sent**" in text
    with ui_hub.db.read() as session:
        event = session.scalars(select(PlatformEvent).where(PlatformEvent.kind == "document.issued")).one()
        (entry,) = session.scalars(select(OutboxEntry).where(OutboxEntry.entity_type == "document"))
        audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "demo_invoice_issued")).one()
    assert entry.operation == "create" and entry.payload["number"].startswith("DEMO-")
    assert event.result["total"] == "108.00" and audit.target.startswith(entry.payload["number"])


def test_export_again_requeues_a_failed_payment_and_is_audited(app_as: AppFactory, ui_hub: Hub) -> None:
    seed_connection(ui_hub, HARBOUR, ConnectionState.CONNECTED)
    document = add_document(ui_hub, "INV-0201", xero_id="doc-1", xero_status="AUTHORISED", amount_due=Decimal(120))
    with ui_hub.db.write() as session:
        payment = PlatformPayment(
            company_id=company_id(ui_hub, HARBOUR),
            platform_id="PM-1",
            document_id=document,
            amount=Decimal("50"),
            paid_on=date(2026, 11, 3),
            currency="GBP",
            created_at=clock.now(),
        )
        session.add(payment)
        session.flush()
        payment_id = payment.id
    failed_entry(ui_hub, "payment", payment_id, "missing_payment_mapping", "No payment account is mapped for GBP.")
    at = open_page(app_as)
    key = f"documents-{company_id(ui_hub, HARBOUR)}"
    at.selectbox(key=f"{key}-again").set_value(f"payment:{payment_id}")
    at.button(key=f"{key}-again-go").click()
    run_ok(at)
    assert "queued for Xero again" in page_text(at)
    with ui_hub.db.read() as session:
        entry = session.scalars(select(OutboxEntry).where(OutboxEntry.entity_type == "payment")).one()
        audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "document_reexport")).one()
    assert entry.state is OutboxState.PENDING
    assert audit.before == {"state": "failed"} and audit.target == "The payment of 50.00 GBP"


def test_a_viewer_reads_but_cannot_act(app_as: AppFactory, ui_hub: Hub) -> None:
    seed_connection(ui_hub, HARBOUR, ConnectionState.CONNECTED)
    at = open_page(app_as, "vic@hub.example")
    assert next(b for b in at.button if b.label == "Check Xero now").disabled
    assert next(b for b in at.button if b.label == "Issue the invoice").disabled


def test_export_again_sends_a_document_issued_before_connecting(app_as: AppFactory, ui_hub: Hub) -> None:
    seed_connection(ui_hub, HARBOUR, ConnectionState.CONNECTED)
    document = add_document(ui_hub, "INV-0301")  # issued before the connection: never queued
    at = open_page(app_as)
    key = f"documents-{company_id(ui_hub, HARBOUR)}"
    at.selectbox(key=f"{key}-again").set_value(f"document:{document}")
    at.button(key=f"{key}-again-go").click()
    run_ok(at)
    assert "INV-0301 is queued for Xero again" in page_text(at)
    with ui_hub.db.read() as session:
        entry = session.scalars(select(OutboxEntry).where(OutboxEntry.entity_type == "document")).one()
    assert entry.operation == "create" and entry.payload["number"] == "INV-0301"
    assert entry.payload["total"] == "120.00" and entry.state is OutboxState.PENDING
