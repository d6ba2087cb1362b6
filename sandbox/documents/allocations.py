"""Allocating a credit note's credit to an invoice of the same contact (PUT /CreditNotes/{id}/Allocations)."""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

from sandbox import records
from sandbox.documents.calc import Books, cents, dec, num, number_of
from sandbox.documents.spec import CREDIT_NOTE, INVOICE, Spec, day_fields, outstanding
from sandbox.payments import close_if_settled
from sandbox.records import Record
from sandbox.wire import new_id, parse_date

FIELDS = {"AllocationID", "Invoice", "Overpayment", "Prepayment", "CreditNote", "Amount", "Date", "IsDeleted",
          "StatusAttributeString", "ValidationErrors"}  # fmt: skip
MATCH = {"ACCRECCREDIT": "ACCREC", "ACCPAYCREDIT": "ACCPAY"}


def problems(element: Any) -> list[str]:
    if not isinstance(element, dict):
        return ["Each allocation must be a JSON object."]
    found = [f"'{key}' is not a field of an allocation." for key in element if key not in FIELDS]
    if not isinstance(element.get("Invoice"), dict) or not (
        element["Invoice"].get("InvoiceID") or element["Invoice"].get("InvoiceNumber")
    ):
        found.append("An allocation must name its Invoice (InvoiceID).")
    if element.get("Date") not in (None, "") and parse_date(element["Date"]) is None:
        found.append("Date must be a date (YYYY-MM-DD).")
    amount = number_of(element.get("Amount"))
    if amount is None:
        found.append("Amount must be given as a number.")
    elif amount <= 0:
        found.append("The amount allocated must be greater than zero.")
    return found


def _invoice(db: sqlite3.Connection, tenant_id: str, sent: dict[str, Any]) -> Record | None:
    if sent.get("InvoiceID"):
        return records.get(db, tenant_id, INVOICE.kind, str(sent["InvoiceID"]))
    live = [r for r in records.find(db, tenant_id, INVOICE.kind, number=str(sent["InvoiceNumber"]))]
    return next((r for r in live if r.status != "DELETED"), None)


def allocate(
    db: sqlite3.Connection, books: Books, credit: Record, element: dict[str, Any], *, now_ms: int, today: date
) -> tuple[dict[str, Any] | None, list[str], list[tuple[Spec, str]]]:
    """Apply part of a credit note to an invoice: (the allocation as Xero answers it, errors, documents changed)."""
    invoice = _invoice(db, books.tenant_id, element["Invoice"])
    amount = cents(dec(element["Amount"]))
    data = credit.data
    errors = []
    if credit.status != "AUTHORISED":
        errors.append(f"Only AUTHORISED credit notes can be allocated (this one is {credit.status}).")
    if invoice is None:
        return None, ["An existing Invoice with the specified InvoiceID could not be found", *errors], []
    if invoice.status != "AUTHORISED":
        errors.append(f"Credit can only be allocated to AUTHORISED invoices (this one is {invoice.status}).")
    if invoice.data["Type"] != MATCH[data["Type"]]:
        errors.append(f"An {data['Type']} credit note can only be allocated to an {MATCH[data['Type']]} invoice.")
    if invoice.data["Contact"]["ContactID"] != data["Contact"]["ContactID"]:
        errors.append("The credit note and the invoice must belong to the same contact.")
    if invoice.data["CurrencyCode"] != data["CurrencyCode"]:
        errors.append("The credit note and the invoice must be in the same currency.")
    if not errors and amount > dec(outstanding(CREDIT_NOTE, data)):
        errors.append("The amount allocated exceeds the credit remaining on this credit note.")
    if not errors and amount > dec(outstanding(INVOICE, invoice.data)):
        errors.append("The amount allocated exceeds the amount outstanding on the invoice.")
    if errors:
        return None, errors, []
    day = parse_date(element.get("Date")) or today
    number = invoice.data.get("InvoiceNumber") or ""
    allocation = {"AllocationID": new_id(), "Amount": num(amount), "Date": day_fields(day)[0],
                  "Invoice": {"InvoiceID": invoice.id, "InvoiceNumber": number}}  # fmt: skip
    credit_data = dict(data, Allocations=[*data.get("Allocations", []), allocation])
    close_if_settled(db, books, CREDIT_NOTE, credit, credit_data, now_ms=now_ms, today=today)
    applied = {"CreditNoteID": credit.id, "CreditNoteNumber": data.get("CreditNoteNumber", ""), "ID": credit.id,
               "AppliedAmount": num(amount), "Date": allocation["Date"], "Total": data["Total"]}  # fmt: skip
    invoice_data = dict(invoice.data, CreditNotes=[*invoice.data.get("CreditNotes", []), applied])
    invoice_data["AmountCredited"] = num(cents(dec(invoice_data.get("AmountCredited", 0)) + amount))
    close_if_settled(db, books, INVOICE, invoice, invoice_data, now_ms=now_ms, today=today)
    shown = dict(allocation)
    shown["Invoice"] = {**allocation["Invoice"], "Payments": [], "CreditNotes": [], "Prepayments": [],
                        "Overpayments": [], "HasErrors": False, "IsDiscounted": False, "LineItems": [],
                        "ValidationErrors": []}  # fmt: skip
    shown["CreditNote"] = {"CreditNoteID": credit.id, "ID": credit.id, "LineItems": []}
    shown["ValidationErrors"] = []
    return shown, [], [(CREDIT_NOTE, credit.id), (INVOICE, invoice.id)]
