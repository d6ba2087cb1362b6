"""The Documents page's actions: send a document or payment to Xero again, and ask Xero for document status now.
Each checks the actor's permission and is audited (the demo's invoice form lives in core.demo.invoices)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.auth import Actor, Permission, require
from core.failures import Refusal
from core.models.platform import DocumentKind, PlatformContact, PlatformDocument, PlatformPayment
from core.models.sync import Connection, ConnectionState, OutboxEntry, OutboxState
from core.sync import outbox

CENT = Decimal("0.01")
SALES = DocumentKind.SALES_INVOICE


class DocumentError(Refusal):
    """A documents action was refused; the message says why and what to do."""


def _latest(session: Session, company_id: int, entity_type: str, entity_id: int) -> OutboxEntry | None:
    return session.scalar(
        select(OutboxEntry)
        .where(
            OutboxEntry.company_id == company_id,
            OutboxEntry.entity_type == entity_type,
            OutboxEntry.entity_id == str(entity_id),
        )
        .order_by(OutboxEntry.id.desc())
        .limit(1)
    )


def _payment_payload(payment: PlatformPayment) -> dict[str, Any]:
    return {
        "document_id": payment.document_id,
        "amount": str(payment.amount),
        "date": payment.paid_on.isoformat(),
        "currency": payment.currency,
        "reference": payment.reference,
    }


def reexport(session: Session, actor: Actor, company_id: int, *, entity_type: str, entity_id: int) -> str:
    """Put a document or payment back in the queue to Xero ("export again"); say what happens next."""
    require(actor, Permission.TRIAGE_ERRORS, company_id)
    model = PlatformPayment if entity_type == "payment" else PlatformDocument
    record = session.get(model, entity_id)
    if record is None or record.company_id != company_id or entity_type not in ("payment", "document"):
        raise DocumentError("That document or payment does not exist in this company. Reload the page.")
    label = (
        f"The payment of {record.amount:.2f} {record.currency}"
        if isinstance(record, PlatformPayment)
        else record.number
    )
    if isinstance(record, PlatformPayment) and record.xero_id and record.xero_status != "DELETED":
        raise DocumentError(
            f"{label} is already in Xero, so it was not sent again: Xero would record it twice. If it is wrong in "
            "Xero, delete the payment there first; it can then be exported again."
        )
    connection = session.scalar(select(Connection).where(Connection.company_id == company_id))
    if connection is None or connection.state is not ConnectionState.CONNECTED:
        raise DocumentError(f"{label} cannot be sent: the company is not connected to Xero. Reconnect first.")
    entry = _latest(session, company_id, entity_type, entity_id)
    before = {"state": entry.state.value if entry else None}
    if entry is not None and entry.state in (OutboxState.PENDING, OutboxState.LEASED):
        return f"{label} is already waiting to be sent to Xero; nothing more to do."
    if entry is not None and entry.state is OutboxState.FAILED:
        outbox.retry(session, [entry.id])
    elif isinstance(record, PlatformPayment):
        version = (entry.entity_version + 1) if entry else 1  # a new Idempotency-Key: Xero must not replay
        outbox.enqueue(
            session,
            company_id=company_id,
            entity_type="payment",
            entity_id=str(record.id),
            version=version,
            operation="create",
            payload=_payment_payload(record),
            connection_id=connection.id,
        )
    else:  # the document as it is now, as the platform's own events send it
        operation = "void" if record.voided else "update" if record.xero_id else "create"
        contact = session.get(PlatformContact, record.contact_id)
        payload = {"voided": True} if record.voided else record.outbox_payload(contact)  # type: ignore[arg-type]
        outbox.enqueue(
            session,
            company_id=company_id,
            entity_type="document",
            entity_id=str(record.id),
            version=record.version,
            operation=operation,
            payload=payload,
            connection_id=connection.id,
        )
    audit.record(
        session,
        actor=actor,
        action="document_reexport",
        company_id=company_id,
        target=label,
        before=before,
        after={"state": OutboxState.PENDING.value},
    )
    return f"{label} is queued for Xero again; the sidecar sends it within seconds."


def request_poll(session: Session, actor: Actor, company_id: int) -> str:
    """Ask Xero for the status of pushed documents at the sidecar's next tick instead of waiting for the poll."""
    require(actor, Permission.TRIAGE_ERRORS, company_id)
    connection = session.scalar(select(Connection).where(Connection.company_id == company_id))
    if connection is None or connection.state is not ConnectionState.CONNECTED:
        raise DocumentError("The company is not connected to Xero, so there is nothing to ask. Connect first.")
    connection.documents_polled_at = None
    audit.record(session, actor=actor, action="documents_poll_requested", company_id=company_id)
    return "Xero is asked for payment status within seconds; press Refresh to see what came back."
