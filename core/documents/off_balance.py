"""Off balance, against the database: which customers to compare, what the platform knows paid on each document,
and the flag itself (the arithmetic is core.documents.balance)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm import Session

from core.documents.balance import Doc, compare, platform_outstanding
from core.models.platform import DocumentKind, PlatformContact, PlatformDocument, PlatformPayment
from core.models.sync import OutboxEntry
from core.sync.outbox import UNSYNCED

SALES = (DocumentKind.SALES_INVOICE, DocumentKind.CUSTOMER_CREDIT_NOTE)


def flag(session: Session, company_id: int, customers: dict[int, str], balances: dict[str, dict[str, Decimal]]) -> int:
    """Compare each customer's outstanding total with Xero's and set its flag and Xero's figure; return how many
    are off balance. A customer with a document or payment still on its way to Xero keeps its flag as it was: the
    two will agree once it lands, and an alarm meanwhile would be false."""
    off = 0
    moving = _in_flight(session, company_id, list(customers))
    for contact_id, xero_id in customers.items():
        contact = session.get(PlatformContact, contact_id)
        if contact is None:
            continue
        if contact_id in moving:
            off += int(contact.off_balance)
            continue
        docs = platform_docs(session, contact_id)
        preferred = docs[-1].currency if docs else None
        balance = compare(platform_outstanding(docs), balances.get(xero_id, {}), preferred=preferred)
        contact.xero_outstanding, contact.off_balance = balance.xero, balance.off
        off += int(balance.off)
    return off


def _in_flight(session: Session, company_id: int, contact_ids: list[int]) -> set[int]:
    """The customers among contact_ids with a document or payment of theirs waiting to go to Xero."""
    if not contact_ids:
        return set()
    docs = select(PlatformDocument.id, PlatformDocument.contact_id).where(
        PlatformDocument.company_id == company_id, PlatformDocument.contact_id.in_(contact_ids)
    )
    owner_of_doc = {str(doc_id): contact_id for doc_id, contact_id in session.execute(docs)}
    payments = select(PlatformPayment.id, PlatformPayment.document_id).where(
        PlatformPayment.company_id == company_id, PlatformPayment.document_id.in_([int(d) for d in owner_of_doc])
    )
    owner_of_payment = {str(pay_id): owner_of_doc[str(doc_id)] for pay_id, doc_id in session.execute(payments)}
    owners = {"document": owner_of_doc, "payment": owner_of_payment}
    waiting = select(OutboxEntry.entity_type, OutboxEntry.entity_id).where(
        OutboxEntry.company_id == company_id,
        OutboxEntry.state.in_(UNSYNCED),
        or_(
            *(
                and_(OutboxEntry.entity_type == kind, OutboxEntry.entity_id.in_(list(ids)))
                for kind, ids in owners.items()
                if ids
            ),
            false(),
        ),
    )
    return {owners[kind][entity] for kind, entity in session.execute(waiting)}


def platform_docs(session: Session, contact_id: int) -> list[Doc]:
    """The customer's sales documents with what is known paid on each, oldest first: what the platform recorded, or
    what Xero says was paid if more (a payment recorded in Xero, read back and reported to the platform, is not a
    disagreement between the two)."""
    paid = (
        select(PlatformPayment.document_id, func.sum(PlatformPayment.amount).label("paid"))
        .group_by(PlatformPayment.document_id)
        .subquery()
    )
    rows = session.execute(
        select(PlatformDocument, paid.c.paid)
        .outerjoin(paid, paid.c.document_id == PlatformDocument.id)
        .where(PlatformDocument.contact_id == contact_id, PlatformDocument.kind.in_(SALES))
        .order_by(PlatformDocument.issue_date, PlatformDocument.id)
    )
    return [
        Doc(d.kind, d.currency, Decimal(d.total), d.voided, max(Decimal(p or 0), Decimal(d.amount_paid or 0)))
        for d, p in rows
    ]
