"""What a Xero user does to invoices in Xero's own screens (the control API's invoice actions)."""

from __future__ import annotations

from typing import Any

from sandbox import events, payments, records, wire
from sandbox.documents import contacts as document_contacts
from sandbox.documents import writes
from sandbox.documents.calc import Books
from sandbox.documents.spec import INVOICE, target_of, view
from sandbox.store import Store


class ActionRefused(Exception):
    """The action cannot be done; the message says why (status: 400 refused by Xero's rules, 404 unknown)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _invoice(db: Any, tenant_id: str, key: str) -> records.Record:
    found = target_of(db, tenant_id, INVOICE, {}, key)
    if found is None:
        raise ActionRefused("No such invoice in that organisation.", 404)
    return found


def void(store: Store, tenant_id: str, key: str) -> dict[str, Any]:
    """Void an approved invoice, as from the invoice's "Void" option (refused, as in Xero, once money is applied)."""
    now = store.now_ms()
    with store.tx() as db:
        invoice = _invoice(db, tenant_id, key)
        books, today = Books.load(db, tenant_id), wire.from_ms(now).date()
        outcome = writes.write(db, books, INVOICE, {"Status": "VOIDED"}, existing=invoice, now_ms=now, today=today)
        document_contacts.refresh_stale(db, books, today)
    if outcome.errors or outcome.record is None:
        raise ActionRefused(" ".join(outcome.errors))
    events.record(store, tenant_id, INVOICE.category, invoice.id, created=False)
    return {"InvoiceID": invoice.id, "Status": outcome.record.status}


def pay(store: Store, tenant_id: str, key: str, body: dict[str, Any]) -> dict[str, Any]:
    """Record a payment on an invoice, as from its "Record a payment" panel: amount, optional account code and date
    (defaults: the organisation's main bank account, today)."""
    now = store.now_ms()
    with store.tx() as db:
        books = Books.load(db, tenant_id)
        invoice = _invoice(db, tenant_id, key)
        banks = [
            a["Code"]
            for _, a in sorted(books.accounts.items())
            if a.get("Type") == "BANK" and a.get("Status") == "ACTIVE" and a.get("CurrencyCode") == books.base_currency
        ]
        code = body.get("accountCode") or (banks[0] if banks else "")
        element = {"Invoice": {"InvoiceID": invoice.id}, "Account": {"Code": code}, "Amount": body.get("amount")}
        if body.get("date"):
            element["Date"] = body["date"]
        today = wire.from_ms(now).date()
        payment, errors, _ = payments.create(db, books, element, now_ms=now, today=today)
        document_contacts.refresh_stale(db, books, today)
        paid = records.get(db, tenant_id, INVOICE.kind, invoice.id)
    if errors or payment is None or paid is None:
        raise ActionRefused(" ".join(errors))
    events.record(store, tenant_id, INVOICE.category, invoice.id, created=False)
    shown = view(INVOICE, paid)
    return {
        "PaymentID": payment.id,
        "InvoiceID": invoice.id,
        "Status": shown["Status"],
        "AmountDue": shown["AmountDue"],
    }
