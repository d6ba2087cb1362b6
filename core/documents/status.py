"""Status back, the safety net: every HUB_DOCUMENTS_POLL_SECONDS per connected company, the invoices and credit notes
Xero changed since the last poll (If-Modified-Since, with a small overlap) update the pushed documents' status and
amounts; the customers they belong to are then compared with Xero's outstanding totals and flagged "off balance"
where they differ.

Most changes come back sooner, through Xero's webhook (core.documents.xero_events). Xero has no webhook for payments
themselves (facts §5.5), but a payment recorded in Xero changes its invoice (amount paid and due, status PAID), and
that fires an INVOICE UPDATE event, as a void does (facts §7: an event says CREATE or UPDATE, nothing finer). The poll
catches what no event carries: the payment itself, so an exported payment reversed in Xero is marked reversed here
(its invoice's new amount due comes back by webhook), and anything whose event was lost or whose read failed."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.orm import Session

from core import clock
from core.contacts.xero_contact import parse_date
from core.documents import off_balance
from core.documents.balance import xero_outstanding
from core.hub import Hub
from core.models.platform import PlatformContact, PlatformDocument, PlatformPayment
from core.models.sync import Connection, ConnectionState
from core.sync import run_history
from core.xero import resources
from core.xero.client import AccountingClient
from core.xero.outcomes import XeroProblem
from core.xero_access import gate

OVERLAP = timedelta(minutes=2)  # Xero's clock and ours may differ a little: read a little before the cursor
CONTACTS_PER_CALL = 50  # ContactIDs per balance read, to keep the URL short


POLLS_PER_TURN = 50  # companies one sidecar takes a turn; the rest are due for the next turn or another sidecar


def claim_due(session: Session, *, every_seconds: int, limit: int = POLLS_PER_TURN) -> list[int]:
    """Take the connected companies whose status poll is due, the longest unpolled first, in one statement: asked
    for (never polled, or "Check Xero now"), or polled `every_seconds` ago with something pushed to read back. Each
    is marked polled as it is taken, so two sidecars never poll one company twice."""
    now = clock.now()
    c = Connection
    pushed = exists().where(PlatformDocument.company_id == c.company_id, PlatformDocument.xero_id.is_not(None))
    due = and_(
        c.state == ConnectionState.CONNECTED,
        or_(
            c.documents_polled_at.is_(None),
            and_(
                c.documents_polled_at <= now - timedelta(seconds=every_seconds),
                or_(c.documents_since.is_not(None), pushed),
            ),
        ),
    )
    oldest = select(c.id).where(due).order_by(c.documents_polled_at.is_not(None), c.documents_polled_at, c.id)
    taken = session.execute(
        update(c)
        .where(c.id.in_(oldest.limit(limit).scalar_subquery()), due)  # due again: a row another sidecar just took
        .values(documents_polled_at=now)
        .returning(c.company_id)
        .execution_options(synchronize_session=False)
    ).all()
    return [company_id for (company_id,) in taken]


def poll_due(hub: Hub, *, worker: str) -> str:
    """Poll every company that is due; one company's trouble never stops the others."""
    with hub.db.write() as session:
        due = claim_due(session, every_seconds=hub.settings.documents_poll_seconds)
    said = [poll(hub, company_id, worker=worker) for company_id in due]
    return f"{len(due)} status polls: " + "; ".join(said) if due else "no status poll due"


def _start(session: Session, company_id: int) -> datetime | None:
    """Where this poll reads from: the cursor less the overlap, or the first push (nothing pushed: no read)."""
    connection = session.scalar(select(Connection).where(Connection.company_id == company_id))
    if connection is not None and connection.documents_since is not None:
        return connection.documents_since - OVERLAP
    first = session.scalar(
        select(func.min(func.coalesce(PlatformDocument.pushed_at, PlatformDocument.created_at))).where(
            PlatformDocument.company_id == company_id, PlatformDocument.xero_id.is_not(None)
        )
    )
    return first - OVERLAP if first is not None else None


def poll(hub: Hub, company_id: int, *, worker: str) -> str:
    """One status poll of one company, recorded as a sync run."""
    started = clock.now()
    with hub.db.read() as session:
        connection = session.scalar(select(Connection).where(Connection.company_id == company_id))
        since = _start(session, company_id)
    if connection is None or connection.state is not ConnectionState.CONNECTED:
        return "not connected"
    if since is None:
        with hub.db.write() as session:
            _mark(session, company_id, newest=None)
        return "nothing pushed yet"
    changed: list[dict[str, Any]] = []
    xero: AccountingClient | None = None
    try:
        with gate.organisation(hub, connection.id, worker=worker) as xero:
            for resource in (resources.INVOICES, resources.CREDIT_NOTES):
                for page in xero.pages(resource, since=since):
                    changed.extend(page)
            with hub.db.read() as session:
                exported = _has_exported_payments(session, company_id)
            payments = [p for page in xero.pages(resources.PAYMENTS, since=since) for p in page] if exported else []
            with hub.db.read() as session:
                customers = customers_of(session, company_id, changed)
            balances = xero_balances(xero, list(customers.values()))
    except XeroProblem as problem:
        with hub.db.write() as session:
            note = f"Xero could not be asked for document status: {problem.message} The next poll tries again."
            _record(session, company_id, started, xero, 0, note, failed=True)
            _mark(session, company_id, newest=None, keep_cursor=True)
        return note
    with hub.db.write() as session:
        updated = apply(session, company_id, changed)
        off = off_balance.flag(session, company_id, customers, balances)
        reversed_ = apply_payments(session, company_id, payments)
        newest = max((d for d in (parse_date(r.get("UpdatedDateUTC")) for r in changed) if d), default=None)
        _mark(session, company_id, newest=newest or since + OVERLAP)
        outcome = f"{len(changed)} documents changed in Xero, {updated} of ours updated; {off} customers off balance"
        outcome += f"; {reversed_} exported payments reversed in Xero" if reversed_ else ""
        _record(session, company_id, started, xero, len(changed), outcome)
    return outcome


def _mark(session: Session, company_id: int, *, newest: datetime | None, keep_cursor: bool = False) -> None:
    connection = session.scalar(select(Connection).where(Connection.company_id == company_id))
    if connection is None:
        return
    connection.documents_polled_at = clock.now()
    if newest is not None and not keep_cursor:
        connection.documents_since = max(newest, connection.documents_since or newest)


def _record(
    session: Session, company_id: int, started: datetime, xero: Any, records: int, outcome: str, *, failed: bool = False
) -> None:
    run_history.record_finished(
        session,
        company_id=company_id,
        job="documents_poll",
        started_at=started,
        records=records,
        api_calls=xero.calls if xero is not None else 0,
        outcome=outcome,
        failed=failed,
    )


def apply(session: Session, company_id: int, changed: list[dict[str, Any]]) -> int:
    """Copy Xero's status and amounts onto our pushed documents among `changed`; return how many were ours. A read
    older than what a document already holds (a poll that began before a webhook read ended) changes nothing."""
    by_id = {str(r.get("InvoiceID") or r.get("CreditNoteID")): r for r in changed}
    if not by_id:
        return 0
    ours = session.scalars(
        select(PlatformDocument).where(
            PlatformDocument.company_id == company_id, PlatformDocument.xero_id.in_(list(by_id))
        )
    )
    count = 0
    for document in ours:
        row = by_id[str(document.xero_id)]
        seen = parse_date(row.get("UpdatedDateUTC"))
        if seen is not None and document.xero_updated_at is not None and seen < document.xero_updated_at:
            continue
        credit = "CreditNoteID" in row
        document.xero_status = str(row.get("Status") or document.xero_status or "")[:20] or None
        due = row.get("RemainingCredit") if credit else row.get("AmountDue")
        document.amount_due = Decimal(str(due)) if due is not None else document.amount_due
        paid = sum((Decimal(str(p.get("Amount") or 0)) for p in row.get("Payments") or []), Decimal(0))
        document.amount_paid = paid if credit else Decimal(str(row.get("AmountPaid") or paid))
        document.xero_updated_at = seen or document.xero_updated_at
        count += 1
    return count


def _has_exported_payments(session: Session, company_id: int) -> bool:
    return (
        session.scalar(
            select(PlatformPayment.id)
            .where(PlatformPayment.company_id == company_id, PlatformPayment.xero_id.is_not(None))
            .limit(1)
        )
        is not None
    )


def apply_payments(session: Session, company_id: int, changed: list[dict[str, Any]]) -> int:
    """Exported payments Xero now has as DELETED (reversed there): say so; return how many newly reversed."""
    status = {str(p.get("PaymentID")): str(p.get("Status") or "") for p in changed}
    if not status:
        return 0
    count = 0
    ours = session.scalars(
        select(PlatformPayment).where(
            PlatformPayment.company_id == company_id, PlatformPayment.xero_id.in_(list(status))
        )
    )
    for payment in ours:
        now = status[str(payment.xero_id)][:20] or payment.xero_status
        count += int(now == "DELETED" and payment.xero_status != "DELETED")
        payment.xero_status = now
    return count


def customers_of(session: Session, company_id: int, changed: list[dict[str, Any]]) -> dict[int, str]:
    """Our linked customers whose sales documents changed in Xero: platform contact id → Xero ContactID."""
    ids = {
        str((r.get("Contact") or {}).get("ContactID"))
        for r in changed
        if r.get("Type") in ("ACCREC", "ACCRECCREDIT") and (r.get("Contact") or {}).get("ContactID")
    }
    if not ids:
        return {}
    rows = session.execute(
        select(PlatformContact.id, PlatformContact.xero_contact_id)
        .join(PlatformDocument, PlatformDocument.contact_id == PlatformContact.id)
        .where(
            PlatformContact.company_id == company_id,
            PlatformContact.xero_contact_id.in_(list(ids)),
            PlatformDocument.xero_id.is_not(None),
        )
        .distinct()
    )
    return {contact_id: str(xero_id) for contact_id, xero_id in rows}


def xero_balances(xero: AccountingClient, contact_ids: list[str]) -> dict[str, dict[str, Decimal]]:
    """Xero's outstanding per customer and currency: approved invoices' amount due less remaining credit."""
    invoices: dict[str, list[dict[str, Any]]] = defaultdict(list)
    credits: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for start in range(0, len(contact_ids), CONTACTS_PER_CALL):
        chunk = contact_ids[start : start + CONTACTS_PER_CALL]
        params = {"ContactIDs": ",".join(chunk), "Statuses": "AUTHORISED"}
        for row in xero.list(resources.INVOICES, params=params):
            invoices[str((row.get("Contact") or {}).get("ContactID"))].append(row)
        for row in xero.list(resources.CREDIT_NOTES, where=_contacts_where(chunk)):
            credits[str((row.get("Contact") or {}).get("ContactID"))].append(row)
    return {cid: xero_outstanding(invoices.get(cid, []), credits.get(cid, [])) for cid in contact_ids}


def _contacts_where(ids: list[str]) -> str:
    """CreditNotes take no ContactIDs filter in Xero: a where clause on the contact instead."""
    either = " OR ".join(f'Contact.ContactID==Guid("{i}")' for i in ids)
    return f'Status=="AUTHORISED" AND ({either})'
