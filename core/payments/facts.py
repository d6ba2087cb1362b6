"""Payments export, the gathering: what the plan (core.payments.plan) needs to know about each claimed payment,
including the account it goes to (the one mapped for its currency, if it fits the company's choice of account)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.mappings import payment_accounts, reference
from core.mappings.store import Resolved
from core.models.platform import PlatformDocument, PlatformPayment
from core.payments.plan import PaymentFacts
from core.sync.outbox import Claimed


def gather(session: Session, company_id: int, entries: list[Claimed]) -> list[PaymentFacts]:
    """What the plan needs for each claimed payment (entries whose payment is gone are left out)."""
    found = []
    ref = reference.load(session, company_id)  # the chart of accounts as last read, for every payment in the batch
    for entry in entries:
        payment = session.get(PlatformPayment, int(entry.entity_id)) if entry.entity_id.isdigit() else None
        if payment is None or payment.company_id != company_id:
            continue
        document = session.get(PlatformDocument, payment.document_id)
        assert document is not None  # a payment's document is never deleted (RESTRICT)
        exported = session.scalar(
            select(func.coalesce(func.sum(PlatformPayment.amount), 0)).where(
                PlatformPayment.document_id == document.id, PlatformPayment.xero_id.is_not(None)
            )
        )
        due = document.amount_due if document.amount_due is not None else document.total - Decimal(exported or 0)
        account = payment_accounts.resolve(session, company_id, payment.currency, ref=ref)
        found.append(
            PaymentFacts(
                entry=entry,
                payment_id=payment.id,
                amount=Decimal(payment.amount),
                paid_on=payment.paid_on,
                currency=payment.currency,
                reference=payment.reference,
                xero_id=payment.xero_id,
                document_number=document.number,
                document_kind=document.kind,
                document_xero_id=document.xero_id,
                document_status=document.xero_status,
                document_voided=document.voided,
                amount_due=Decimal(due),
                account_code=account.target if isinstance(account, Resolved) else None,
                mapping_cause=None if isinstance(account, Resolved) else account.cause,
                mapping_message=None if isinstance(account, Resolved) else account.message,
            )
        )
    return found
