"""The export offered before a company is offboarded: its contacts, documents, payments and sync errors as CSV files
in one ZIP (every cell through core.text.csv_text, so nothing runs as a formula)."""

from __future__ import annotations

import io
import zipfile

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.auth import Actor, Permission, require
from core.companies import get
from core.models.platform import PlatformContact, PlatformDocument, PlatformPayment
from core.models.sync import SyncError
from core.text import csv_text


def _phones(contact: PlatformContact) -> str:
    return "; ".join(f"{p.get('type', '')} {p.get('number', '')}".strip() for p in contact.phones or [])


def _addresses(contact: PlatformContact) -> str:
    keys = ("line1", "line2", "line3", "line4", "city", "region", "postal_code", "country")
    return " | ".join(", ".join(a.get(k) or "" for k in keys if a.get(k)) for a in contact.addresses or [])


def files(session: Session, actor: Actor, company_id: int) -> dict[str, str]:
    """Each CSV of the export by its file name (hub admins only)."""
    require(actor, Permission.OFFBOARD_COMPANY)
    get(session, actor, company_id)
    contacts = session.scalars(
        select(PlatformContact).where(PlatformContact.company_id == company_id).order_by(PlatformContact.id)
    ).all()
    by_id = {c.id: c.platform_id for c in contacts}
    documents = session.scalars(
        select(PlatformDocument).where(PlatformDocument.company_id == company_id).order_by(PlatformDocument.id)
    ).all()
    numbers = {d.id: d.platform_id for d in documents}
    payments = session.scalars(select(PlatformPayment).where(PlatformPayment.company_id == company_id)).all()
    errors = session.scalars(select(SyncError).where(SyncError.company_id == company_id).order_by(SyncError.id))
    return {
        "contacts.csv": csv_text(CONTACT_COLUMNS, ([*_contact(c)] for c in contacts)),
        "documents.csv": csv_text(DOCUMENT_COLUMNS, ([*_document(d, by_id)] for d in documents)),
        "payments.csv": csv_text(PAYMENT_COLUMNS, ([*_payment(p, numbers)] for p in payments)),
        "sync_errors.csv": csv_text(ERROR_COLUMNS, ([*_error(e)] for e in errors)),
    }


CONTACT_COLUMNS = [
    *("platform_id", "xero_contact_id", "name", "first_name", "last_name", "email", "phones", "addresses"),
    *("bank_account", "tax_number", "supplier", "customer", "erased_at"),
]
DOCUMENT_COLUMNS = [
    *("platform_id", "kind", "number", "contact", "issue_date", "due_date", "currency", "total", "voided"),
    *("xero_id", "xero_status", "amount_due", "amount_paid"),
]
PAYMENT_COLUMNS = ["platform_id", "document", "amount", "paid_on", "currency", "reference", "xero_id", "exported_at"]
ERROR_COLUMNS = ["cause", "status", "record", "number", "detail", "occurrences", "first_seen", "last_seen"]


def _contact(c: PlatformContact) -> tuple[object, ...]:
    return (
        *(c.platform_id, c.xero_contact_id, c.name, c.first_name, c.last_name, c.email, _phones(c), _addresses(c)),
        *(c.bank_account, c.tax_number, c.is_supplier, c.is_customer, c.erased_at),
    )


def _document(d: PlatformDocument, contacts: dict[int, str | None]) -> tuple[object, ...]:
    return (
        *(d.platform_id, d.kind.value, d.number, contacts.get(d.contact_id), d.issue_date, d.due_date, d.currency),
        *(d.total, d.voided, d.xero_id, d.xero_status, d.amount_due, d.amount_paid),
    )


def _payment(p: PlatformPayment, documents: dict[int, str]) -> tuple[object, ...]:
    return (
        p.platform_id,
        documents.get(p.document_id),
        p.amount,
        p.paid_on,
        p.currency,
        p.reference,
        p.xero_id,
        p.exported_at,
    )


def _error(e: SyncError) -> tuple[object, ...]:
    record = f"{e.entity_type or ''} {e.entity_id or ''}".strip()
    return (e.cause, e.status.value, record, e.entity_number, e.detail, e.occurrences, e.first_seen_at, e.last_seen_at)


def zip_bytes(session: Session, actor: Actor, company_id: int) -> bytes:
    """The export as one ZIP of CSV files."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files(session, actor, company_id).items():
            archive.writestr(name, text)
    return out.getvalue()


def record_export(session: Session, actor: Actor, company_id: int) -> None:
    """The export was downloaded or written: an audited staff action."""
    require(actor, Permission.OFFBOARD_COMPANY)
    audit.record(session, actor=actor, action="company_exported", company_id=company_id)
