"""Platform events about documents and payments: issued, changed, voided, paid."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import clock
from core.models.base import Company
from core.models.platform import DocumentKind, PlatformContact, PlatformDocument, PlatformPayment
from core.platform_api.checks import Fields, PlatformInputError, refuse_erased
from core.sync.queue import queue

LINE_FIELDS = {"description", "quantity", "unit_amount", "category", "tax_rate", "tax_amount", "discount_rate"}
DOCUMENT_FIELDS = {"document_id", "kind", "number", "contact_id", "issue_date", "due_date", "currency", "lines"}
CENT = Decimal("0.01")


def _lines(fields: Fields, kind: DocumentKind) -> tuple[list[dict[str, Any]], Decimal]:
    lines, total = [], Decimal(0)
    raw_lines = fields.items("lines", limit=500)
    if not raw_lines:
        raise PlatformInputError("data.lines", "must hold at least one line")
    for index, raw in enumerate(raw_lines):
        line = Fields(raw, f"data.lines[{index}]", LINE_FIELDS)
        quantity = line.amount("quantity", places=4) or Decimal(0)
        unit = line.amount("unit_amount", places=4) or Decimal(0)
        discount = line.amount("discount_rate", required=False) or Decimal(0)
        if discount and kind is not DocumentKind.SALES_INVOICE:
            raise PlatformInputError(f"{line.path}.discount_rate", "applies to sales invoices only (as in Xero)")
        if not Decimal(0) <= discount <= Decimal(100):
            raise PlatformInputError(f"{line.path}.discount_rate", "must be between 0 and 100")
        tax = line.amount("tax_amount", required=False) or Decimal(0)
        net = (quantity * unit * (1 - discount / 100)).quantize(CENT)
        total += net + tax
        lines.append(
            {
                "description": line.text("description", limit=4000, required=True),
                "quantity": str(quantity),
                "unit_amount": str(unit),
                "discount_rate": str(discount),
                "category": line.text("category", limit=64, required=True),
                "tax_rate": line.text("tax_rate", limit=64, required=True),
                "tax_amount": str(tax),
                "line_amount": str(net),
            }
        )
    return lines, total.quantize(CENT)


def _contact(session: Session, company: Company, platform_id: str | None) -> PlatformContact:
    contact = session.scalar(
        select(PlatformContact).where(
            PlatformContact.company_id == company.id, PlatformContact.platform_id == platform_id
        )
    )
    if contact is None:
        raise PlatformInputError("data.contact_id", f"no contact {platform_id!r} in this company")
    refuse_erased(contact, "data.contact_id")
    return contact


def _document(session: Session, company: Company, document_id: str | None, field: str) -> PlatformDocument:
    document = session.scalar(
        select(PlatformDocument).where(
            PlatformDocument.company_id == company.id, PlatformDocument.platform_id == document_id
        )
    )
    if document is None:
        raise PlatformInputError(field, f"no document {document_id!r} in this company")
    return document


def _read(company: Company, data: Any) -> dict[str, Any]:
    fields = Fields(data, "data", DOCUMENT_FIELDS)
    raw_kind = fields.text("kind", limit=30, required=True)
    try:
        kind = DocumentKind(raw_kind)
    except ValueError:
        raise PlatformInputError("data.kind", f"must be one of {', '.join(k.value for k in DocumentKind)}") from None
    issue_date = fields.day("issue_date", required=True)
    due_date = fields.day("due_date")
    if due_date and issue_date and due_date < issue_date:
        raise PlatformInputError("data.due_date", "cannot be before the issue date")
    lines, total = _lines(fields, kind)
    return {
        "platform_id": fields.text("document_id", limit=64, required=True),
        "kind": kind,
        "number": fields.text("number", limit=255, required=True),
        "contact": fields.text("contact_id", limit=64, required=True),
        "issue_date": issue_date,
        "due_date": due_date,
        "currency": fields.currency("currency") or company.base_currency,
        "lines": lines,
        "total": total,
    }


def document_issued(session: Session, company: Company, data: Any) -> dict[str, Any]:
    """A sales invoice, bill or credit note was issued through the platform."""
    values = _read(company, data)
    if session.scalar(
        select(PlatformDocument.id).where(
            PlatformDocument.company_id == company.id, PlatformDocument.platform_id == values["platform_id"]
        )
    ):
        raise PlatformInputError("data.document_id", "was already issued; send document.changed to change it")
    contact = _contact(session, company, values.pop("contact"))
    now = clock.now()
    document = PlatformDocument(
        company_id=company.id, contact_id=contact.id, version=1, created_at=now, changed_at=now, **values
    )
    session.add(document)
    session.flush()
    outcome = queue(session, company.id, "document", document.id, 1, "create", document.outbox_payload(contact))
    return {"entity": "document", "id": document.id, "version": 1, "total": str(document.total), "sync": outcome}


def document_changed(session: Session, company: Company, data: Any) -> dict[str, Any]:
    """An issued document changed (lines, dates, contact); the new version replaces it in Xero."""
    values = _read(company, data)
    document = _document(session, company, values.pop("platform_id"), "data.document_id")
    if document.voided:
        raise PlatformInputError("data.document_id", "is voided and cannot change")
    if values["kind"] is not document.kind:
        raise PlatformInputError("data.kind", f"cannot change from {document.kind.value}")
    contact = _contact(session, company, values.pop("contact"))
    document.contact_id = contact.id
    for key, value in values.items():
        setattr(document, key, value)
    document.version += 1
    document.changed_at = clock.now()
    outcome = queue(
        session, company.id, "document", document.id, document.version, "update", document.outbox_payload(contact)
    )
    return {
        "entity": "document",
        "id": document.id,
        "version": document.version,
        "total": str(document.total),
        "sync": outcome,
    }


def document_voided(session: Session, company: Company, data: Any) -> dict[str, Any]:
    """An issued document was voided in the platform."""
    fields = Fields(data, "data", {"document_id"})
    document = _document(session, company, fields.text("document_id", limit=64, required=True), "data.document_id")
    if document.voided:
        return {"entity": "document", "id": document.id, "version": document.version, "sync": "unchanged"}
    document.voided, document.version, document.changed_at = True, document.version + 1, clock.now()
    outcome = queue(session, company.id, "document", document.id, document.version, "void", {"voided": True})
    return {"entity": "document", "id": document.id, "version": document.version, "sync": outcome}


def payment_recorded(session: Session, company: Company, data: Any) -> dict[str, Any]:
    """A payment was recorded against an issued document."""
    fields = Fields(data, "data", {"payment_id", "document_id", "amount", "date", "currency", "reference"})
    platform_id = fields.text("payment_id", limit=64, required=True)
    document = _document(session, company, fields.text("document_id", limit=64, required=True), "data.document_id")
    amount = fields.amount("amount", positive=True) or Decimal(0)
    currency = fields.currency("currency") or document.currency
    if currency != document.currency:
        raise PlatformInputError("data.currency", f"must be the document's currency, {document.currency}")
    if document.voided:
        raise PlatformInputError("data.document_id", "is voided and cannot be paid")
    paid = session.scalar(
        select(func.coalesce(func.sum(PlatformPayment.amount), 0)).where(PlatformPayment.document_id == document.id)
    ) or Decimal(0)
    if Decimal(paid) + amount > document.total:
        raise PlatformInputError("data.amount", f"is more than the {document.total - Decimal(paid)} still due")
    if session.scalar(
        select(PlatformPayment.id).where(
            PlatformPayment.company_id == company.id, PlatformPayment.platform_id == platform_id
        )
    ):
        raise PlatformInputError("data.payment_id", "was already recorded")
    payment = PlatformPayment(
        company_id=company.id,
        platform_id=platform_id,
        document_id=document.id,
        amount=amount,
        paid_on=fields.day("date", required=True),
        currency=currency,
        reference=fields.text("reference", limit=255),
        created_at=clock.now(),
    )
    session.add(payment)
    session.flush()
    outcome = queue(
        session,
        company.id,
        "payment",
        payment.id,
        1,
        "create",
        {
            "document_id": document.id,
            "amount": str(amount),
            "date": payment.paid_on.isoformat(),
            "currency": currency,
            "reference": payment.reference,
        },
    )
    return {"entity": "payment", "id": payment.id, "sync": outcome}
