"""Platform events about documents and payments: issued, changed, voided, paid."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import clock
from core.models.base import Company
from core.models.platform import DocumentKind, PlatformContact, PlatformDocument, PlatformPayment
from core.platform_api.checks import LIMIT, PlatformInputError, refuse_erased
from core.sync.queue import queue

CENT = Decimal("0.01")


def _lines(raw_lines: list[dict[str, Any]], kind: DocumentKind, amounts: str) -> tuple[list[dict[str, Any]], Decimal]:
    """The lines as stored, and the document's total: with tax-exclusive amounts, the lines plus their tax; with
    tax-inclusive ones, the lines (their tax is inside them); with no tax, the lines."""
    lines, total = [], Decimal(0)
    for index, line in enumerate(raw_lines):
        quantity, unit = line["quantity"], line["unit_amount"]
        discount = line.get("discount_rate") or Decimal(0)
        if discount and kind is not DocumentKind.SALES_INVOICE:
            field = f"data.lines[{index}].discount_rate"
            raise PlatformInputError(field, "applies to sales invoices only (as in Xero)")
        tax = line.get("tax_amount") or Decimal(0)
        if tax and amounts == "NoTax":
            raise PlatformInputError(f"data.lines[{index}].tax_amount", "must be empty on a NoTax document")
        net = (quantity * unit * (1 - discount / 100)).quantize(CENT)
        tracking = line.get("tracking") or {}
        if abs(net) >= LIMIT:
            raise PlatformInputError(f"data.lines[{index}]", f"quantity * unit amount must be less than {LIMIT:,.0f}")
        total += net if amounts == "Inclusive" else net + tax
        lines.append(
            {
                "description": line["description"],
                "quantity": str(quantity),
                "unit_amount": str(unit),
                "discount_rate": str(discount),
                "category": line["category"],
                "tax_rate": line["tax_rate"],
                "tax_amount": str(tax),
                "line_amount": str(net),
            }
            | ({"tracking": tracking} if tracking else {})
        )
    if abs(total) >= LIMIT:
        raise PlatformInputError("data.lines", f"the document's total must be less than {LIMIT:,.0f}")
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


def _read(company: Company, data: dict[str, Any]) -> dict[str, Any]:
    kind = DocumentKind(data["kind"])
    issue_date, due_date = data["issue_date"], data.get("due_date")
    if due_date and due_date < issue_date:
        raise PlatformInputError("data.due_date", "cannot be before the issue date")
    amounts = data.get("line_amount_types") or "Exclusive"
    lines, total = _lines(data["lines"], kind, amounts)
    return {
        "platform_id": data["document_id"],
        "kind": kind,
        "number": data["number"],
        "contact": data["contact_id"],
        "issue_date": issue_date,
        "due_date": due_date,
        "reference": data.get("reference") or None,
        "line_amount_types": amounts,
        "currency": data.get("currency") or company.base_currency,
        "lines": lines,
        "total": total,
    }


def document_issued(session: Session, company: Company, data: dict[str, Any]) -> dict[str, Any]:
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


def document_changed(session: Session, company: Company, data: dict[str, Any]) -> dict[str, Any]:
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


def document_voided(session: Session, company: Company, data: dict[str, Any]) -> dict[str, Any]:
    """An issued document was voided in the platform."""
    document = _document(session, company, data["document_id"], "data.document_id")
    if document.voided:
        return {"entity": "document", "id": document.id, "version": document.version, "sync": "unchanged"}
    document.voided, document.version, document.changed_at = True, document.version + 1, clock.now()
    outcome = queue(session, company.id, "document", document.id, document.version, "void", {"voided": True})
    return {"entity": "document", "id": document.id, "version": document.version, "sync": outcome}


def payment_recorded(session: Session, company: Company, data: dict[str, Any]) -> dict[str, Any]:
    """A payment was recorded against an issued document."""
    platform_id, amount = data["payment_id"], data["amount"]
    document = _document(session, company, data["document_id"], "data.document_id")
    currency = data.get("currency") or document.currency
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
        paid_on=data["date"],
        currency=currency,
        reference=data.get("reference"),
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
