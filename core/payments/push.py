"""Payments export: waiting payments planned (core.payments.plan) and sent one batch per organisation, to the account
mapped for each currency, through the push executor (core.push.executor); every entry settled with what Xero said."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import activity, clock
from core.alerts import notify
from core.hub import Hub
from core.models.platform import PlatformDocument, PlatformPayment
from core.payments.facts import gather
from core.payments.plan import CREDIT_KINDS, PaymentFacts, Refuse, Send, Settle, Wait, plan, too_much
from core.push import executor, turns
from core.push import tally as push_tally
from core.push.executor import Turn
from core.sync import causes, errors, outbox
from core.sync.errors import EntityRef
from core.sync.outbox import Claimed
from core.xero import resources
from core.xero.answers import money
from core.xero.client import AccountingClient
from core.xero.outcomes import ItemResult, XeroProblem

# A payment waiting for its document to reach Xero is looked at again this soon (the document push runs every 2 s).
WAIT_AGAIN = 15  # seconds


class Tally(push_tally.Tally):
    noun = "payments"
    retry_word = "waiting"

    @property
    def refused(self) -> int:
        return self.failed


class PaymentPush(executor.Push[Send]):
    entity_type = "payment"
    job = "payments_push"
    tally = Tally

    def gather(self, session: Session, company_id: int, entries: list[Claimed]) -> list[PaymentFacts]:
        return gather(session, company_id, entries)

    def prepare(
        self, hub: Hub, turn: Turn, entries: list[Claimed], facts: list[PaymentFacts], *, worker: str
    ) -> list[Send]:
        known = {f.entry.id for f in facts}
        actions = plan(facts)
        with hub.db.write() as session:
            for entry in entries:  # a payment deleted meanwhile: nothing to send
                if entry.id not in known:
                    outbox.complete(session, entry.id, worker=worker)
                    turn.quiet += 1
            for action in actions:
                if isinstance(action, Settle):
                    outbox.complete(session, action.facts.entry.id, worker=worker, xero_id=action.facts.xero_id)
                    turn.quiet += 1
                elif isinstance(action, Wait):  # not a failure: its document is not in Xero yet
                    turn.tally.waiting += 1
                    turn.deferred += 1
                    executor.retry(
                        session, action.facts.entry, _entity(action.facts), worker=worker, seconds=WAIT_AGAIN
                    )
                elif isinstance(action, Refuse):
                    _refuse(session, action.facts, action.cause, action.message, worker, turn.tally)
        return [a for a in actions if isinstance(a, Send)]

    def adopt(self, hub: Hub, xero: AccountingClient, writes: list[Send], turn: Turn, *, worker: str) -> list[Send]:
        """A payment tried before may have reached Xero unanswered: look for it on its document before sending
        again (same amount and reference, not already linked to another platform payment). Found, it is adopted
        with Xero's amount due (which already counts it); not found, it must still fit what Xero says is due."""
        remaining = []
        for send in writes:
            facts = send.facts
            if facts.entry.attempts <= 1:
                remaining.append(send)
                continue
            credit = facts.document_kind in CREDIT_KINDS
            resource = resources.CREDIT_NOTES if credit else resources.INVOICES
            found = xero.request("GET", f"/{resource.collection}/{facts.document_xero_id}")[resource.collection][0]
            xero_due = money(found.get("RemainingCredit" if credit else "AmountDue"))
            match = _match(hub, facts, found)
            if match is not None:
                result = ItemResult(True, {**match, "Status": "AUTHORISED"})
                with hub.db.write() as session:
                    _apply(session, turn.company_id, send, result, worker, turn.tally, xero_due=xero_due)
            elif send.check_due and xero_due is not None and facts.amount > xero_due:
                refusal = too_much(facts, xero_due)
                with hub.db.write() as session:
                    _refuse(session, facts, refusal.cause, refusal.message, worker, turn.tally)
            else:
                remaining.append(send)
        return remaining

    def send(self, hub: Hub, xero: AccountingClient, call: list[Send], turn: Turn, *, worker: str) -> list[ItemResult]:
        elements = [s.element for s in call]
        key = outbox.write_key("payments", [s.facts.entry for s in call], elements)
        return xero.write(resources.PAYMENTS, elements, idempotency_key=key, create_only=True)

    def settle(
        self,
        session: Session,
        call: Sequence[Send],
        results: Sequence[ItemResult],
        turn: Turn,
        *,
        worker: str,
        problem: XeroProblem | None = None,
    ) -> None:
        for send, result in zip(call, results, strict=False):
            _apply(session, turn.company_id, send, result, worker, turn.tally)

    def entity(self, write: Send) -> EntityRef:
        return _entity(write.facts)


PUSH = PaymentPush()


def push_due(hub: Hub, *, worker: str, limit: int | None = None) -> push_tally.Tally:
    """Send the payments that are due, one batch per organisation."""
    return turns.push_due(hub, PUSH, worker=worker, limit=limit)


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
        title = causes.cause(cause).title
        notify.alert(
            session,
            company_id=facts.entry.company_id,
            kind="document_failed",
            link="/documents",
            summary=f"Payment of {facts.amount:.2f} {facts.currency} on {facts.document_number}: {title}. {message}",
        )
    tally.failed += 1


def _apply(
    session: Session,
    company_id: int,
    send: Send,
    result: ItemResult,
    worker: str,
    tally: Tally,
    *,
    xero_due: Decimal | None = None,
) -> None:
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
    if document is not None and xero_due is not None:  # Xero's own figure, which already counts this payment
        document.amount_due = xero_due
    elif document is not None and document.amount_due is not None:  # until the next status poll says exactly
        document.amount_due = max(Decimal(0), Decimal(document.amount_due) - facts.amount)
    outbox.complete(session, facts.entry.id, worker=worker, xero_id=payment.xero_id if payment else None)
    errors.resolve_for_entity(session, company_id=company_id, entity_type="payment", entity_id=str(facts.payment_id))
    activity.record(session, company_id, synced=True)
    tally.sent += 1


def _match(hub: Hub, facts: PaymentFacts, document: dict[str, Any]) -> dict[str, Any] | None:
    """The payment on Xero's document that is this one: same amount and reference, linked to no other payment."""
    on_document = [str(p.get("PaymentID")) for p in document.get("Payments") or []]
    with hub.db.read() as session:  # only this document's payments can be linked to another platform payment
        linked = set(session.scalars(select(PlatformPayment.xero_id).where(PlatformPayment.xero_id.in_(on_document))))
    return next(
        (
            p
            for p in document.get("Payments") or []
            if p.get("PaymentID") not in linked
            and Decimal(str(p.get("Amount"))) == facts.amount
            and (p.get("Reference") or None) == (facts.reference or None)
        ),
        None,
    )
