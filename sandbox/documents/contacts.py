"""The contact side of documents: finding (or creating) the contact a document names, and what Xero derives back."""

from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal
from typing import Any

from sandbox import contacts, records
from sandbox.documents.calc import ZERO, Books, cents, dec, num
from sandbox.records import Record
from sandbox.wire import is_guid, parse_date

IDENTIFY = (
    "The Contact must contain at least 1 of the following elements to identify the contact: Name, ContactID, "
    "ContactNumber"
)
ARCHIVED = (
    "The contact with the specified contact details has been archived. The contact must be un-archived before "
    "creating new invoices or credit notes."
)
NOT_FOUND = "An existing Contact with the specified {field} could not be found"
RECEIVABLE = {"ACCREC": 1, "ACCRECCREDIT": -1}
PAYABLE = {"ACCPAY": 1, "ACCPAYCREDIT": -1}
# Document kinds whose records keep their contact's id in the `name` column (so a contact's documents are one
# indexed lookup away).
DOCUMENT_KINDS = ("Invoice", "CreditNote")


def summary(contact: Record) -> dict[str, Any]:
    """The contact as Xero embeds it in a document (the list shape: id, name, empty collections)."""
    data = contact.data
    shown: dict[str, Any] = {"ContactID": contact.id, "Name": data.get("Name", "")}
    if data.get("ContactNumber"):
        shown["ContactNumber"] = data["ContactNumber"]
    return shown | {
        "Addresses": [],
        "Phones": [],
        "ContactGroups": [],
        "ContactPersons": [],
        "HasValidationErrors": False,
    }


def resolve(
    db: sqlite3.Connection, tenant_id: str, sent: Any, *, new_document: bool, now_ms: int
) -> tuple[Record | None, list[str], bool]:
    """The contact a document's Contact element means: (contact, errors, created). Like Xero, an unknown Name on a
    new document creates a new contact with that name."""
    if not isinstance(sent, dict):
        return None, [IDENTIFY], False
    contact_id = str(sent.get("ContactID") or "").strip()
    number = str(sent.get("ContactNumber") or "").strip()
    name = str(sent.get("Name") or "").strip()
    if not (contact_id or number or name):
        return None, [IDENTIFY], False
    found: Record | None = None
    if contact_id:
        found = records.get(db, tenant_id, contacts.KIND, contact_id) if is_guid(contact_id) else None
        if found is None:
            return None, [NOT_FOUND.format(field="ContactID")], False
    elif number:
        matches = records.find(db, tenant_id, contacts.KIND, number=number)
        found = matches[0] if matches else None
        if found is None and not name:
            return None, [NOT_FOUND.format(field="ContactNumber")], False
    if found is None and name:
        matches = records.find(db, tenant_id, contacts.KIND, name=name)
        active = [m for m in matches if m.status == "ACTIVE"]
        found = (active or matches or [None])[0]
    if found is None:
        created, errors = contacts.write(
            db, tenant_id, {"Name": name, **({"ContactNumber": number} if number else {})}, existing=None, now_ms=now_ms
        )
        return created, errors, created is not None
    if new_document and (found.status != "ACTIVE" or found.data.get("MergedToContactID")):
        return None, [ARCHIVED], False
    return found, [], False


def refresh_stale(db: sqlite3.Connection, books: Books, today: date) -> None:
    """Recompute the derived figures of every contact the request's writes moved (once each), before it commits."""
    for contact_id in sorted(books.stale_contacts):
        refresh(db, books.tenant_id, contact_id, today)
    books.stale_contacts.clear()


def refresh(db: sqlite3.Connection, tenant_id: str, contact_id: str, today: date) -> None:
    """Recompute what Xero derives on a contact from its documents (IsCustomer, IsSupplier, Balances), without
    moving its UpdatedDateUTC (Xero does not, so If-Modified-Since does not see these changes). Reads only the
    four fields it needs of each document: a supplier with 20,000 bills is one indexed read, not 20,000 parses."""
    contact = records.get(db, tenant_id, contacts.KIND, contact_id)
    if contact is None:
        return
    receivable, payable = [ZERO, ZERO], [ZERO, ZERO]
    customer, supplier = bool(contact.data.get("IsCustomer")), bool(contact.data.get("IsSupplier"))
    fields = ("Type", "AmountDue", "RemainingCredit", "DueDate")
    found = records.fields(db, tenant_id, DOCUMENT_KINDS, fields, name=contact.id, statuses=("AUTHORISED", "PAID"))
    for status, kind_of, amount_due, remaining, due_on in found:
        customer = customer or kind_of in RECEIVABLE
        supplier = supplier or kind_of in PAYABLE
        if status != "AUTHORISED":
            continue
        sign, bucket = (RECEIVABLE[kind_of], receivable) if kind_of in RECEIVABLE else (PAYABLE[kind_of], payable)
        owed = dec(amount_due if amount_due is not None else remaining if remaining is not None else 0) * sign
        bucket[0] += owed
        due = parse_date(due_on)
        if sign > 0 and due is not None and due < today:
            bucket[1] += owed
    balances = {
        "AccountsReceivable": {"Outstanding": _money(receivable[0]), "Overdue": _money(receivable[1])},
        "AccountsPayable": {"Outstanding": _money(payable[0]), "Overdue": _money(payable[1])},
    }
    data = dict(contact.data, IsCustomer=customer, IsSupplier=supplier, Balances=balances)
    if data != contact.data:
        contacts.save(db, tenant_id, Record(contact.id, contact.updated_ms, contact.status, data))


def _money(value: Decimal) -> float:
    return num(cents(value))
