"""Payments export, the pure part: from what the hub knows of each waiting payment (its document in Xero, the
payment account mapped for its currency, Xero's amount due) to what to do with it: send, wait, refuse, or settle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.models.platform import DocumentKind
from core.sync.outbox import Claimed

CENT = Decimal("0.01")
CREDIT_KINDS = (DocumentKind.CUSTOMER_CREDIT_NOTE, DocumentKind.SUPPLIER_CREDIT_NOTE)
# Xero takes payments only on approved documents (facts: "Payments can only be made against Authorised documents").
CLOSED_STATUSES = {"VOIDED": "voided", "DELETED": "deleted", "DRAFT": "a draft", "SUBMITTED": "awaiting approval"}


@dataclass(frozen=True)
class PaymentFacts:
    """One waiting payment and everything its export depends on (gathered in one read)."""

    entry: Claimed
    payment_id: int
    amount: Decimal
    paid_on: date
    currency: str
    reference: str | None
    xero_id: str | None  # already in Xero: never sent twice
    document_number: str
    document_kind: DocumentKind
    document_xero_id: str | None
    document_status: str | None  # Xero's status of the document, as last heard
    document_voided: bool
    amount_due: Decimal  # Xero's amount due as last heard (or the total less what was exported, before any answer)
    account_code: str | None  # the payment account mapped for the currency
    mapping_cause: str | None = None  # why there is no account: a core.sync.errors cause
    mapping_message: str | None = None


@dataclass(frozen=True)
class Send:
    facts: PaymentFacts
    element: dict[str, object]
    # Tried before and more than the hub's figure of what is due: it may be in Xero already, so it is looked up
    # there first, and checked against Xero's own amount due only if it is not found.
    check_due: bool = False

    @property
    def entry(self) -> Claimed:
        return self.facts.entry


@dataclass(frozen=True)
class Wait:
    """Not an error: the document has not reached Xero yet; the payment goes once it has."""

    facts: PaymentFacts
    reason: str


@dataclass(frozen=True)
class Refuse:
    """Nothing is sent: a person must fix something first (the message says what)."""

    facts: PaymentFacts
    cause: str
    message: str


@dataclass(frozen=True)
class Settle:
    """Already in Xero: the entry is done without a call."""

    facts: PaymentFacts


Action = Send | Wait | Refuse | Settle


def element(facts: PaymentFacts) -> dict[str, object]:
    """The payment as Xero takes it: the document by its id, the account by its code."""
    target = (
        {"CreditNote": {"CreditNoteID": facts.document_xero_id}}
        if facts.document_kind in CREDIT_KINDS
        else {"Invoice": {"InvoiceID": facts.document_xero_id}}
    )
    shown: dict[str, object] = {
        **target,
        "Account": {"Code": facts.account_code},
        "Date": facts.paid_on.isoformat(),
        "Amount": str(facts.amount.quantize(CENT)),
    }
    if facts.reference:
        shown["Reference"] = facts.reference
    return shown


def decide(facts: PaymentFacts, due: Decimal) -> Action:
    """One payment's action, given what is still due on its document after the payments planned before it."""
    label = f"{facts.amount:.2f} {facts.currency} against {facts.document_number}"
    if facts.xero_id:
        return Settle(facts)
    if facts.document_voided or facts.document_status in ("VOIDED", "DELETED"):
        return Refuse(
            facts,
            "preflight_failed",
            f"The payment of {label} was not sent: the document is {CLOSED_STATUSES['VOIDED']} and takes no "
            "payments. Record the payment against another document in the platform.",
        )
    if not facts.document_xero_id:
        return Wait(facts, f"waiting for {facts.document_number} to reach Xero; the payment follows it")
    if facts.document_status in CLOSED_STATUSES:
        return Wait(
            facts,
            f"{facts.document_number} is {CLOSED_STATUSES[facts.document_status]} in Xero; the payment goes once it "
            "is approved",
        )
    if facts.mapping_cause or not facts.account_code:
        return Refuse(
            facts,
            facts.mapping_cause or "missing_payment_mapping",
            facts.mapping_message or f"No payment account is mapped for {facts.currency}.",
        )
    if facts.amount > due:
        if facts.entry.attempts > 1:  # an earlier try may have reached Xero unanswered: the lookup decides
            return Send(facts, element(facts), check_due=True)
        return too_much(facts, due)
    return Send(facts, element(facts))


def too_much(facts: PaymentFacts, due: Decimal) -> Refuse:
    """Xero never takes more than the amount due: the payment is refused before any call."""
    label = f"{facts.amount:.2f} {facts.currency} against {facts.document_number}"
    return Refuse(
        facts,
        "preflight_failed",
        f"The payment of {label} was not sent: it is more than the {due:.2f} {facts.currency} still due on it in "
        "Xero, and Xero never takes more than the amount due. Check the payments recorded in the platform and in "
        "Xero for this document, then export again.",
    )


def plan(payments: list[PaymentFacts]) -> list[Action]:
    """Every payment's action, in order; payments to one document in one batch share its amount due."""
    left: dict[str | None, Decimal] = {}
    actions: list[Action] = []
    for facts in payments:
        key = facts.document_xero_id
        due = left.get(key, facts.amount_due)
        action = decide(facts, due)
        if isinstance(action, Send):
            left[key] = due - facts.amount
        actions.append(action)
    return actions
