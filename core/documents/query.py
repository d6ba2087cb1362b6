"""The Documents page's list: invoices, bills, credit notes and payments in one filtered, server-side paged query,
then the outbox state and open sync error of just the rows on the page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import String, and_, cast, exists, func, literal, null, or_, select, union_all
from sqlalchemy.orm import Session

from core.models.platform import DocumentKind, DocumentPdf, PlatformContact, PlatformDocument, PlatformPayment
from core.models.sync import ErrorStatus, OutboxEntry, OutboxState, SyncError
from core.sync.causes import cause

PAYMENT = "payment"
KINDS = {
    DocumentKind.SALES_INVOICE.value: "Sales invoice",
    DocumentKind.CUSTOMER_CREDIT_NOTE.value: "Customer credit note",
    DocumentKind.BILL.value: "Bill",
    DocumentKind.SUPPLIER_CREDIT_NOTE.value: "Supplier credit note",
    PAYMENT: "Payment",
}
# Filter values: Xero's own statuses, plus the hub's "not in Xero yet" and "uncertain".
STATUSES = {
    "waiting": "Not in Xero yet",
    "uncertain": "Uncertain (looking it up in Xero)",
    "DRAFT": "Draft",
    "AUTHORISED": "Awaiting payment or part paid",
    "PAID": "Paid",
    "VOIDED": "Voided",
    "DELETED": "Deleted or reversed",
}
OPEN = (ErrorStatus.OPEN, ErrorStatus.RETRYING)


@dataclass(frozen=True)
class DocumentFilter:
    kind: str | None = None
    status: str | None = None
    errors_only: bool = False
    text: str = ""


@dataclass(frozen=True)
class Row:
    entity_type: str  # "document" or "payment" (as in the outbox and the sync errors)
    id: int
    kind: str
    number: str
    contact: str
    day: date
    currency: str
    amount: Decimal
    xero_id: str | None
    xero_status: str | None
    amount_due: Decimal | None
    amount_paid: Decimal | None
    uncertain_since: datetime | None
    sent_at: datetime | None
    document_xero_id: str | None  # a payment's document in Xero (for its link)
    document_kind: str
    voided: bool
    outbox_state: OutboxState | None = None
    last_attempt: datetime | None = None
    error: str | None = None
    pdf: str | None = None  # the document's PDF: None (none sent), "attached" in Xero, "waiting", or "refused"


def _error_exists(entity_type: str, id_column: Any, company_id: int) -> Any:
    return exists().where(
        SyncError.company_id == company_id,
        SyncError.entity_type == entity_type,
        SyncError.entity_id == cast(id_column, String),
        SyncError.status.in_(OPEN),
    )


def _status_clause(status: str, xero_id: Any, xero_status: Any, uncertain: Any) -> Any:
    if status == "waiting":
        return xero_id.is_(None)
    if status == "uncertain":
        return uncertain.is_not(None)
    return xero_status == status


def _documents(company_id: int, flt: DocumentFilter) -> Any:
    d, c = PlatformDocument, PlatformContact
    query = (
        select(
            literal("document").label("entity_type"),
            d.id,
            cast(d.kind, String).label("kind"),
            d.number,
            c.name.label("contact"),
            d.issue_date.label("day"),
            d.currency,
            d.total.label("amount"),
            d.xero_id,
            d.xero_status,
            d.amount_due,
            d.amount_paid,
            d.uncertain_since,
            d.pushed_at.label("sent_at"),
            d.xero_id.label("document_xero_id"),
            cast(d.kind, String).label("document_kind"),
            d.voided,
            d.created_at,
        )
        .join(c, c.id == d.contact_id)
        .where(d.company_id == company_id)
    )
    if flt.kind:
        query = query.where(d.kind == flt.kind)
    if flt.status:
        query = query.where(_status_clause(flt.status, d.xero_id, d.xero_status, d.uncertain_since))
    if flt.errors_only:
        query = query.where(_error_exists("document", d.id, company_id))
    if flt.text.strip():
        like = f"%{flt.text.strip().lower()}%"
        query = query.where(or_(func.lower(d.number).like(like), func.lower(c.name).like(like)))
    return query


def _payments(company_id: int, flt: DocumentFilter) -> Any:
    p, d, c = PlatformPayment, PlatformDocument, PlatformContact
    query = (
        select(
            literal("payment").label("entity_type"),
            p.id,
            literal(PAYMENT).label("kind"),
            d.number,
            c.name.label("contact"),
            p.paid_on.label("day"),
            p.currency,
            p.amount.label("amount"),
            p.xero_id,
            p.xero_status,
            null().label("amount_due"),
            null().label("amount_paid"),
            null().label("uncertain_since"),
            p.exported_at.label("sent_at"),
            d.xero_id.label("document_xero_id"),
            cast(d.kind, String).label("document_kind"),
            d.voided,
            p.created_at,
        )
        .join(d, d.id == p.document_id)
        .join(c, c.id == d.contact_id)
        .where(p.company_id == company_id)
    )
    if flt.status:
        query = query.where(
            literal(False) if flt.status == "uncertain" else _status_clause(flt.status, p.xero_id, p.xero_status, None)
        )
    if flt.errors_only:
        query = query.where(_error_exists("payment", p.id, company_id))
    if flt.text.strip():
        like = f"%{flt.text.strip().lower()}%"
        query = query.where(
            or_(func.lower(d.number).like(like), func.lower(c.name).like(like), func.lower(p.reference).like(like))
        )
    return query


def query(company_id: int, flt: DocumentFilter) -> Any:
    """Every matching row as one selectable (documents, payments or both, as the kind filter says)."""
    parts = []
    if flt.kind in (None, "") or flt.kind != PAYMENT:
        parts.append(_documents(company_id, flt))
    if flt.kind in (None, "", PAYMENT):
        parts.append(_payments(company_id, flt))
    return (union_all(*parts) if len(parts) > 1 else parts[0]).subquery()


def count(session: Session, company_id: int, flt: DocumentFilter) -> int:
    return int(session.scalar(select(func.count()).select_from(query(company_id, flt))) or 0)


def rows(session: Session, company_id: int, flt: DocumentFilter, *, offset: int, limit: int) -> list[Row]:
    """One page, newest first, with each row's latest outbox state, last attempt and open error."""
    found = query(company_id, flt)
    picked = session.execute(
        select(found)
        .order_by(found.c.created_at.desc(), found.c.entity_type, found.c.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    keys = [(r.entity_type, str(r.id)) for r in picked]
    entries, problems = _entries(session, company_id, keys), _errors(session, company_id, keys)
    pdfs = _pdfs(session, company_id, [r.id for r in picked if r.entity_type == "document"])
    result = []
    for r in picked:
        key = (r.entity_type, str(r.id))
        entry = entries.get(key)
        result.append(
            Row(
                r.entity_type,
                r.id,
                r.kind,
                r.number,
                r.contact,
                r.day,
                r.currency,
                Decimal(r.amount),
                r.xero_id,
                r.xero_status,
                _dec(r.amount_due),
                _dec(r.amount_paid),
                r.uncertain_since,
                r.sent_at,
                r.document_xero_id,
                r.document_kind,
                bool(r.voided),
                outbox_state=entry.state if entry else None,
                last_attempt=entry.updated_at if entry and entry.attempts else None,
                error=problems.get(key),
                pdf=pdfs.get(r.id) if r.entity_type == "document" else None,
            )
        )
    return result


def _pdfs(session: Session, company_id: int, document_ids: list[int]) -> dict[int, str]:
    """Where each document's PDF stands: attached in Xero, waiting to go, or refused (an open sync error)."""
    if not document_ids:
        return {}
    refused = _error_exists("attachment", DocumentPdf.id, company_id)
    found = session.execute(
        select(DocumentPdf.document_id, DocumentPdf.xero_attachment_id.is_not(None), refused).where(
            DocumentPdf.company_id == company_id, DocumentPdf.document_id.in_(document_ids)
        )
    )
    return {doc: "attached" if attached else "refused" if error else "waiting" for doc, attached, error in found}


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def _entries(session: Session, company_id: int, keys: list[tuple[str, str]]) -> dict[tuple[str, str], OutboxEntry]:
    if not keys:
        return {}
    wanted = or_(*(and_(OutboxEntry.entity_type == t, OutboxEntry.entity_id == i) for t, i in keys))
    latest: dict[tuple[str, str], OutboxEntry] = {}
    for entry in session.scalars(
        select(OutboxEntry).where(OutboxEntry.company_id == company_id, wanted).order_by(OutboxEntry.id)
    ):
        latest[(entry.entity_type, entry.entity_id)] = entry
    return latest


def _errors(session: Session, company_id: int, keys: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    if not keys:
        return {}
    wanted = or_(*(and_(SyncError.entity_type == t, SyncError.entity_id == i) for t, i in keys))
    found: dict[tuple[str, str], str] = {}
    for error in session.scalars(
        select(SyncError)
        .where(SyncError.company_id == company_id, SyncError.status.in_(OPEN), wanted)
        .order_by(SyncError.last_seen_at)
    ):
        found[(str(error.entity_type), str(error.entity_id))] = cause(error.cause).title
    return found
