"""Document push, the pure part: claimed document changes and what the hub knows → the Xero writes to send, the
entries to settle without a call, and the refusals (pre-flight, locked documents) that become sync errors.

Creates go with PUT (create only: a sales number already in Xero is refused, never silently updated); updates and
voids go with POST and the Xero id. Every document is sent AUTHORISED with tax-exclusive lines (the platform gives
each line's tax separately) and 4-decimal unit amounts (unitdp=4).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from core.documents.preflight import ContactFacts, Line, Lookups, Refusal, check
from core.models.platform import DocumentKind
from core.sync.outbox import Claimed
from core.xero import resources
from core.xero.answers import item_cause
from core.xero.resources import Resource

INVOICE_KINDS = (DocumentKind.SALES_INVOICE, DocumentKind.BILL)
SALES_KINDS = (DocumentKind.SALES_INVOICE, DocumentKind.CUSTOMER_CREDIT_NOTE)
# Xero's words for a document that can no longer change (paid, part-paid, credited, voided).
LOCKED_WORDS = (
    "not of valid status for modification",
    "has payments or credit notes allocated",
    "has a payment or credit note allocated",
    "cannot be edited as it has a payment",
)


@dataclass(frozen=True)
class DocumentFacts:
    """What the hub holds about the document an entry belongs to."""

    document_id: int
    kind: DocumentKind
    number: str
    issue_date: date
    xero_id: str | None
    xero_status: str | None
    amount_paid: Decimal | None
    voided: bool
    uncertain: bool  # an earlier write's outcome is unknown (timed out): look it up before writing again
    contact: ContactFacts


@dataclass(frozen=True)
class Write:
    """One element of a batch: its entry, the document, and where it goes."""

    entry: Claimed
    document_id: int
    kind: DocumentKind
    number: str
    issue_date: date
    contact_xero_id: str
    resource: Resource
    create: bool  # PUT (new in Xero) or POST (update or void of the document Xero holds)
    element: dict[str, Any]
    lookup: bool = False


@dataclass(frozen=True)
class Settle:
    """An entry that needs no call."""

    entry: Claimed
    reason: str


@dataclass(frozen=True)
class Refuse:
    """An entry that must not be sent: a sync error and a failed entry (retried by a person after the fix)."""

    entry: Claimed
    document_id: int
    number: str
    refusal: Refusal


@dataclass(frozen=True)
class NeedsContact:
    """The document's contact is not in Xero yet: it is created first."""

    entry: Claimed
    contact_id: int


@dataclass(frozen=True)
class Plan:
    writes: tuple[Write, ...]
    settles: tuple[Settle, ...]
    refusals: tuple[Refuse, ...]
    waits: tuple[NeedsContact, ...]


def resource_of(kind: DocumentKind) -> Resource:
    return resources.INVOICES if kind in INVOICE_KINDS else resources.CREDIT_NOTES


def id_field(kind: DocumentKind) -> str:
    return resource_of(kind).key


def number_field(kind: DocumentKind) -> str:
    return "InvoiceNumber" if kind in INVOICE_KINDS else "CreditNoteNumber"


def _num(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def element(
    kind: DocumentKind, payload: dict[str, Any], contact_xero_id: str, lines: tuple[Line, ...]
) -> dict[str, Any]:
    """The Xero Invoice or CreditNote for this document (contact by ContactID only)."""
    body: dict[str, Any] = {
        "Type": kind.xero_type,
        number_field(kind): str(payload.get("number") or ""),
        "Contact": {"ContactID": contact_xero_id},
        "Date": str(payload.get("issue_date") or ""),
        "CurrencyCode": str(payload.get("currency") or ""),
        "Status": "AUTHORISED",
        "LineAmountTypes": str(payload.get("line_amount_types") or "Exclusive"),
        "LineItems": [],
    }
    if payload.get("due_date"):
        body["DueDate"] = str(payload["due_date"])
    if payload.get("reference"):
        body["Reference"] = str(payload["reference"])
    for line in lines:
        item: dict[str, Any] = {
            "Description": line.description,
            "Quantity": _num(line.quantity),
            "UnitAmount": _num(line.unit_amount),
            "AccountCode": line.account_code,
            "TaxType": line.tax_type,
            "TaxAmount": _num(line.tax_amount),
            "LineAmount": _num(line.line_amount),
        }
        if line.discount_rate:
            item["DiscountRate"] = _num(line.discount_rate)
        if line.tracking:  # by id and by name, as Xero returns it (at most two: one per category)
            item["Tracking"] = [
                {
                    "TrackingCategoryID": o.category_id,
                    "Name": o.category,
                    "TrackingOptionID": o.option_id,
                    "Option": o.name,
                }
                for o in line.tracking
            ]
        body["LineItems"].append(item)
    return body


def _locked(doc: DocumentFacts, doing: str) -> Refusal | None:
    paid = doc.amount_paid or Decimal(0)
    if doc.xero_status in ("VOIDED", "DELETED") and doing != "void":
        state = "voided" if doc.xero_status == "VOIDED" else "deleted"
        return Refusal(
            "document_locked",
            f"{doc.number} is {state} in Xero, so it cannot {doing} there. Issue a new document from the platform "
            "instead.",
        )
    if doc.xero_status == "PAID" or paid > 0:
        state = "paid" if doc.xero_status == "PAID" else f"part-paid ({paid} paid)"
        return Refusal(
            "document_locked",
            f"{doc.number} is {state} in Xero, and Xero does not let a document with payments {doing}. Remove the "
            "payment in Xero first (the payment → Options → Remove and Redo), or record the difference as a credit "
            "note in the platform; then retry.",
        )
    return None


def _void(entry: Claimed, doc: DocumentFacts) -> Write | Settle | Refuse:
    if doc.xero_id is None:
        return Settle(entry, "Voided before it reached Xero: nothing to void there.")
    if doc.xero_status in ("VOIDED", "DELETED"):
        return Settle(entry, "Already voided in Xero.")
    locked = _locked(doc, "be voided")
    if locked is not None:
        return Refuse(entry, doc.document_id, doc.number, locked)
    # Xero voids an approved document; a draft (changed to one in Xero) can only be deleted.
    status = "DELETED" if doc.xero_status in ("DRAFT", "SUBMITTED") else "VOIDED"
    body = {id_field(doc.kind): doc.xero_id, "Status": status}
    contact = doc.contact.xero_contact_id or ""
    return Write(
        entry, doc.document_id, doc.kind, doc.number, doc.issue_date, contact, resource_of(doc.kind), False, body
    )


def _one(entry: Claimed, doc: DocumentFacts, lookups: Lookups) -> Write | Settle | Refuse | NeedsContact:
    if entry.operation == "void":
        return _void(entry, doc)
    if doc.voided and doc.xero_id is None:
        return Settle(entry, "Voided before it reached Xero: nothing to send.")
    if entry.operation == "create" and doc.xero_id is not None:
        return Settle(entry, "Already in Xero (found there after an unanswered write).")
    if doc.xero_id is not None:
        locked = _locked(doc, "change")
        if locked is not None:
            return Refuse(entry, doc.document_id, doc.number, locked)
    checked = check(doc.kind, entry.payload, doc.contact, lookups)
    if isinstance(checked, Refusal):
        return Refuse(entry, doc.document_id, doc.number, checked)
    if doc.contact.xero_contact_id is None:
        return NeedsContact(entry, doc.contact.contact_id)
    body = element(doc.kind, entry.payload, doc.contact.xero_contact_id, checked)
    create = doc.xero_id is None  # an update of a document never sent is sent whole, as a create
    if not create:
        body[id_field(doc.kind)] = doc.xero_id
    return Write(
        entry,
        doc.document_id,
        doc.kind,
        str(entry.payload.get("number") or doc.number),
        doc.issue_date,
        doc.contact.xero_contact_id,
        resource_of(doc.kind),
        create,
        body,
        lookup=create and doc.uncertain,
    )


def plan(entries: list[Claimed], facts: dict[int, DocumentFacts], lookups: Lookups) -> Plan:
    """Each claimed document change → a write, a settle, a refusal or a wait for its contact."""
    writes: list[Write] = []
    settles: list[Settle] = []
    refusals: list[Refuse] = []
    waits: list[NeedsContact] = []
    for entry in entries:
        doc = facts.get(int(entry.entity_id)) if entry.entity_id.isdigit() else None
        if doc is None:
            settles.append(Settle(entry, "The document no longer exists in the hub."))
            continue
        outcome = _one(entry, doc, lookups)
        {Write: writes, Settle: settles, Refuse: refusals, NeedsContact: waits}[type(outcome)].append(outcome)  # type: ignore[attr-defined]
    return Plan(tuple(writes), tuple(settles), tuple(refusals), tuple(waits))


def result_cause(messages: tuple[str, ...]) -> str:
    """The sync-error cause of a refused document, from Xero's validation messages."""
    text = " ".join(messages).lower()
    if any(words in text for words in LOCKED_WORDS):
        return "document_locked"
    return item_cause(messages)
