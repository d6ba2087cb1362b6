"""Payments export, the executor: claim waiting payments, plan them (core.payments.plan), send one batch per
organisation to the account mapped for each currency, and settle every entry with what Xero said."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import activity, clock
from core.alerts import notify
from core.hub import Hub
from core.models.platform import PlatformDocument, PlatformPayment
from core.models.sync import Connection, ConnectionState
from core.payments.facts import gather
from core.payments.plan import CREDIT_KINDS, PaymentFacts, Refuse, Send, Settle, Wait, batch_key, plan
from core.push.tally import QUIET_ATTEMPTS
from core.sync import errors, outbox, run_history
from core.sync.errors import EntityRef
from core.sync.outbox import Claimed
from core.xero import resources
from core.xero.client import AccountingClient
from core.xero.outcomes import ItemResult, ReconnectNeeded, RetryAfter, Transient, XeroProblem
from core.xero_access import gate

# A payment waiting for its document to reach Xero is looked at again this soon (the document push runs every 2 s).
WAIT_AGAIN = timedelta(seconds=15)


@dataclass
class Tally:
    sent: int = 0
    refused: int = 0
    waiting: int = 0

    def __str__(self) -> str:
        return f"{self.sent} payments sent to Xero, {self.refused} refused, {self.waiting} waiting"


def push_due(hub: Hub, *, worker: str, limit: int = 50) -> Tally:
    """Send the payments that are due, one batch per organisation."""
    tally = Tally()
    by_company: dict[int, list[Claimed]] = defaultdict(list)
    for entry in outbox.claim(hub.db, worker=worker, limit=limit, entity_type="payment"):
        by_company[entry.company_id].append(entry)
    for company_id, entries in by_company.items():
        done = _push_company(hub, company_id, entries, worker)
        tally.sent, tally.refused, tally.waiting = (
            tally.sent + done.sent,
            tally.refused + done.refused,
            tally.waiting + done.waiting,
        )
    return tally


def _push_company(hub: Hub, company_id: int, entries: list[Claimed], worker: str) -> Tally:
    started, tally = clock.now(), Tally()
    with hub.db.read() as session:
        connection = session.scalar(select(Connection).where(Connection.company_id == company_id))
        facts = gather(session, company_id, entries)
    known = {f.entry.id for f in facts}
    if connection is None or connection.state is not ConnectionState.CONNECTED:
        removed = connection is not None and connection.state is ConnectionState.REMOVED
        with hub.db.write() as session:
            for entry in entries:
                (outbox.discard if removed else outbox.hold)(session, entry.id, worker=worker)
        return tally
    actions = plan(facts)
    sends = [a for a in actions if isinstance(a, Send)]
    calls, results, problem = 0, [], None
    if sends:
        try:
            with gate.organisation(hub, connection.id, worker=worker) as xero:
                try:
                    sends = _already_sent(hub, xero, sends, worker, tally)
                    if sends:
                        results = xero.write(
                            resources.PAYMENTS,
                            [s.element for s in sends],
                            idempotency_key=batch_key(sends),
                            create_only=True,
                        )
                finally:
                    calls = xero.calls
        except (ReconnectNeeded, RetryAfter, Transient) as exc:
            problem = exc
        except XeroProblem as exc:  # the whole batch refused: every payment gets Xero's message
            items = getattr(exc, "items", None) or [ItemResult(False, {}, (exc.message,))] * len(sends)
            results, problem = items, None
            if not getattr(exc, "items", None):
                problem = exc
    with hub.db.write() as session:
        for entry in entries:  # a payment deleted meanwhile: nothing to send
            if entry.id not in known:
                outbox.complete(session, entry.id, worker=worker)
        for action in actions:
            _settle(session, action, worker, tally)
        if problem is not None:
            _later(session, sends, worker, problem, tally)
        else:
            for send, result in zip(sends, results, strict=False):
                _apply(session, company_id, send, result, worker, tally)
            for send in sends[len(results) :]:  # no answer for these: try again
                outbox.retry_later(session, send.facts.entry.id, worker=worker, attempts=send.facts.entry.attempts)
        _record(session, company_id, started, calls, actions, tally, problem)
    return tally


def _settle(session: Session, action: object, worker: str, tally: Tally) -> None:
    if isinstance(action, Settle):
        outbox.complete(session, action.facts.entry.id, worker=worker, xero_id=action.facts.xero_id)
    elif isinstance(action, Wait):
        tally.waiting += 1
        outbox.retry_later(
            session, action.facts.entry.id, worker=worker, attempts=1, not_before=clock.now() + WAIT_AGAIN
        )
    elif isinstance(action, Refuse):
        _refuse(session, action.facts, action.cause, action.message, worker, tally)


def _entity(facts: PaymentFacts) -> EntityRef:
    return EntityRef(
        "payment", str(facts.payment_id), f"{facts.amount:.2f} {facts.currency} on {facts.document_number}"
    )


def _refuse(
    session: Session,
    facts: PaymentFacts,
    cause: str,
    message: str,
    worker: str,
    tally: Tally,
    *,
    request: dict[str, object] | None = None,
    response: dict[str, object] | None = None,
) -> None:
    error = errors.record(
        session,
        company_id=facts.entry.company_id,
        code=cause,
        entity=_entity(facts),
        connection_id=facts.entry.connection_id,
        detail=message,
        request=request,
        response=response,
    )
    outbox.fail(session, facts.entry.id, worker=worker, error_id=error.id)
    if error.occurrences == 1:  # the finance contact and support hear about it once, in the next digest
        title = errors.cause(cause).title
        notify.alert(
            session,
            company_id=facts.entry.company_id,
            kind="document_failed",
            link="/documents",
            summary=f"Payment of {facts.amount:.2f} {facts.currency} on {facts.document_number}: {title}. {message}",
        )
    tally.refused += 1


def _apply(session: Session, company_id: int, send: Send, result: ItemResult, worker: str, tally: Tally) -> None:
    facts = send.facts
    if not result.ok:
        messages = result.messages or ("Xero refused the payment.",)
        _refuse(
            session,
            facts,
            "validation",
            "; ".join(messages),
            worker,
            tally,
            request={"Payments": [send.element]},
            response={"Payments": [result.element]},
        )
        return
    payment = session.get(PlatformPayment, facts.payment_id)
    if payment is not None:
        payment.xero_id = str(result.element.get("PaymentID") or "") or None
        payment.xero_status = str(result.element.get("Status") or "AUTHORISED")
        payment.exported_at = clock.now()
    document = session.get(PlatformDocument, facts.entry.payload.get("document_id") or 0)
    if document is not None and document.amount_due is not None:  # until the next status poll says exactly
        document.amount_due = max(Decimal(0), Decimal(document.amount_due) - facts.amount)
    outbox.complete(session, facts.entry.id, worker=worker, xero_id=payment.xero_id if payment else None)
    errors.resolve_for_entity(session, company_id=company_id, entity_type="payment", entity_id=str(facts.payment_id))
    activity.record(session, company_id, synced=True)
    tally.sent += 1


def _later(session: Session, sends: list[Send], worker: str, problem: XeroProblem, tally: Tally) -> None:
    """Xero could not take the batch now (a limit, an outage, the connection): every payment waits."""
    for send in sends:
        tally.waiting += 1
        if isinstance(problem, ReconnectNeeded):
            outbox.hold(session, send.facts.entry.id, worker=worker)
            continue
        error_id = None
        if send.facts.entry.attempts >= QUIET_ATTEMPTS or isinstance(problem, ReconnectNeeded):
            error_id = errors.record(
                session,
                company_id=send.facts.entry.company_id,
                code=problem.cause,
                entity=_entity(send.facts),
                connection_id=send.facts.entry.connection_id,
                detail=problem.message,
                request=problem.request,
            ).id
        seconds = getattr(problem, "seconds", 0)
        outbox.retry_later(
            session,
            send.facts.entry.id,
            worker=worker,
            attempts=send.facts.entry.attempts,
            error_id=error_id,
            not_before=clock.now() + timedelta(seconds=seconds) if seconds else None,
        )


def _already_sent(hub: Hub, xero: AccountingClient, sends: list[Send], worker: str, tally: Tally) -> list[Send]:
    """A payment tried before may have reached Xero unanswered: look for it on its document before sending again
    (same amount, date and reference, not already linked to another platform payment)."""
    remaining = []
    for send in sends:
        facts = send.facts
        if facts.entry.attempts <= 1:
            remaining.append(send)
            continue
        resource = resources.CREDIT_NOTES if facts.document_kind in CREDIT_KINDS else resources.INVOICES
        found = xero.request("GET", f"/{resource.collection}/{facts.document_xero_id}")[resource.collection][0]
        with hub.db.read() as session:
            linked = set(session.scalars(select(PlatformPayment.xero_id).where(PlatformPayment.xero_id.is_not(None))))
        match = next(
            (
                p
                for p in found.get("Payments") or []
                if p.get("PaymentID") not in linked
                and Decimal(str(p.get("Amount"))) == facts.amount
                and (p.get("Reference") or None) == (facts.reference or None)
            ),
            None,
        )
        if match is None:
            remaining.append(send)
            continue
        with hub.db.write() as session:
            _apply(
                session,
                facts.entry.company_id,
                send,
                ItemResult(True, {**match, "Status": "AUTHORISED"}),
                worker,
                tally,
            )
    return remaining


def _record(
    session: Session,
    company_id: int,
    started: datetime,
    calls: int,
    actions: list[object],
    tally: Tally,
    problem: XeroProblem | None,
) -> None:
    run_history.record_finished(
        session,
        company_id=company_id,
        job="payments_push",
        started_at=started,
        records=len(actions),
        api_calls=calls,
        outcome=str(tally) + (f"; {problem.message}" if problem else ""),
        failed=tally.sent == 0 and (tally.refused > 0 or problem is not None),
    )
