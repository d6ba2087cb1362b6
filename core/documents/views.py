"""What the Documents page reads: the list (with Xero status, link, last attempt and error, in words), the customers
off balance with both figures, and the CSV of the filtered list. Every read checks the actor may see the company."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.auth import Actor, Permission, require
from core.documents import query as document_query
from core.documents.balance import compare, platform_outstanding
from core.documents.off_balance import platform_docs
from core.documents.query import KINDS, STATUSES, DocumentFilter, Row
from core.mappings import organisation
from core.models.platform import PlatformContact
from core.models.sync import OutboxState
from core.paging import Page, clamp
from core.text import csv_text
from core.xero import links

PAGE_SIZE = 50
CSV_LIMIT = 10_000
XERO_WORDS = {
    "DRAFT": "Draft in Xero",
    "SUBMITTED": "Awaiting approval in Xero",
    "PAID": "Paid",
    "VOIDED": "Voided",
    "DELETED": "Deleted in Xero",
}
WAITING_WORDS = {
    OutboxState.PENDING: "Waiting to be sent",
    OutboxState.LEASED: "Being sent now",
    OutboxState.HELD: "Held until Xero is reconnected",
    OutboxState.DISCARDED: "Not sent: discarded when the connection was removed",
    OutboxState.FAILED: "Not sent: see the error",
}


def status_words(row: Row) -> str:
    """The row's state in the words the page shows."""
    if row.uncertain_since is not None:
        return "Uncertain: Xero did not answer; the hub looks it up before sending again"
    if row.entity_type == "payment":
        if row.xero_id:
            return "Reversed in Xero" if row.xero_status == "DELETED" else "Exported to Xero"
        if row.outbox_state is OutboxState.PENDING and not row.document_xero_id:
            return f"Waiting for {row.number} to reach Xero; the payment follows it"
        return WAITING_WORDS.get(row.outbox_state, "Not exported (the company is not connected)")  # type: ignore[arg-type]
    if not row.xero_id:
        return WAITING_WORDS.get(row.outbox_state, "Not sent (the company is not connected)")  # type: ignore[arg-type]
    if row.xero_status == "AUTHORISED":
        return "Part paid" if row.amount_paid and row.amount_paid > 0 else "Awaiting payment"
    return XERO_WORDS.get(row.xero_status or "", row.xero_status or "In Xero")


PDF_WORDS = {
    "attached": "Attached in Xero",
    "waiting": "Waiting to be attached",
    "refused": "Not attached: see the error",
}


def pdf_words(row: Row) -> str:
    """Whether the document's PDF is attached in Xero, in the page's words ("" when the platform sent none)."""
    if row.pdf == "waiting" and not row.xero_id:
        return "Waiting for the document to reach Xero"
    return PDF_WORDS.get(row.pdf or "", "")


def xero_link(org: links.Organisation, row: Row) -> str | None:
    """The document (or a payment's document) in Xero's web app, or in the simulator's screens."""
    target = row.xero_id if row.entity_type == "document" else row.document_xero_id
    return links.document(org, target, row.document_kind)


@dataclass(frozen=True)
class ListedRow:
    row: Row
    kind_label: str
    status: str
    xero_url: str | None
    pdf: str = ""


DocumentPage = Page[ListedRow]


def _org(session: Session, company_id: int, xero_api_url: str) -> links.Organisation:
    return organisation.of_company(session, company_id, xero_api_url)


def list_documents(
    session: Session,
    actor: Actor,
    company_id: int,
    flt: DocumentFilter,
    *,
    page: int = 1,
    page_size: int = PAGE_SIZE,
    xero_api_url: str,
) -> DocumentPage:
    """One page of the company's documents and payments, newest first."""
    require(actor, Permission.VIEW_COMPANY, company_id)
    total = document_query.count(session, company_id, flt)
    page, page_size = clamp(total, page, page_size)
    org = _org(session, company_id, xero_api_url)
    found = document_query.rows(session, company_id, flt, offset=(page - 1) * page_size, limit=page_size)
    listed = tuple(
        ListedRow(r, KINDS.get(r.kind, r.kind), status_words(r), xero_link(org, r), pdf_words(r)) for r in found
    )
    return DocumentPage(listed, total, page, page_size)


@dataclass(frozen=True)
class OffBalance:
    contact_id: int
    name: str
    currency: str | None
    platform: Decimal
    xero: Decimal


def off_balance(session: Session, actor: Actor, company_id: int) -> list[OffBalance]:
    """Customers whose outstanding total differs between the platform and Xero, with both figures."""
    require(actor, Permission.VIEW_COMPANY, company_id)
    contacts = session.scalars(
        select(PlatformContact)
        .where(PlatformContact.company_id == company_id, PlatformContact.off_balance.is_(True))
        .order_by(PlatformContact.name)
    )
    found = []
    for contact in contacts:
        docs = platform_docs(session, contact.id)
        ours = platform_outstanding(docs)
        balance = compare(ours, {}, preferred=docs[-1].currency if docs else None)
        currency = balance.currency
        xero = Decimal(contact.xero_outstanding or 0)
        found.append(OffBalance(contact.id, contact.name, currency, ours.get(currency or "", Decimal(0)), xero))
    return found


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def to_csv(session: Session, actor: Actor, company_id: int, flt: DocumentFilter, *, xero_api_url: str) -> str:
    """The filtered list as CSV (up to 10,000 rows), for a spreadsheet."""
    require(actor, Permission.VIEW_COMPANY, company_id)
    org = _org(session, company_id, xero_api_url)
    header = [
        *("Kind", "Number", "Contact", "Date", "Currency", "Amount", "Status", "Xero status", "Amount due"),
        *("Amount paid", "Xero id", "Xero link", "PDF in Xero", "Last attempt", "Error"),
    ]
    rows = (
        [
            KINDS.get(r.kind, r.kind),
            r.number,
            r.contact,
            r.day.isoformat(),
            r.currency,
            f"{r.amount:.2f}",
            status_words(r),
            r.xero_status,
            None if r.amount_due is None else f"{r.amount_due:.2f}",
            None if r.amount_paid is None else f"{r.amount_paid:.2f}",
            r.xero_id,
            xero_link(org, r),
            pdf_words(r),
            _when(r.last_attempt),
            r.error,
        ]
        for r in document_query.rows(session, company_id, flt, offset=0, limit=CSV_LIMIT)
    )
    return csv_text(header, rows)


def kind_options() -> dict[str | None, str]:
    return {None: "All kinds", **KINDS}


def status_options() -> dict[str | None, str]:
    return {None: "Any status", **STATUSES}


def record_export(session: Session, actor: Actor, company_id: int, flt: DocumentFilter) -> None:
    """Note in the audit log that the list left the hub as a file (what was filtered)."""
    require(actor, Permission.VIEW_COMPANY, company_id)

    audit.record(
        session,
        actor=actor,
        action="documents_exported",
        company_id=company_id,
        detail=f"kind={flt.kind or 'any'} status={flt.status or 'any'} errors_only={flt.errors_only} text={flt.text!r}",
    )
