"""The echo of a refused invoice, credit note, payment or allocation: what was sent, as far as it fits the schema.

Xero answers a refused element with the element itself plus its ValidationErrors. A value Xero could not even read
(text where a number goes, an unknown enum value, an id that is not a GUID) is left out of the echo, as Xero's
deserialiser would have dropped it.
"""

from __future__ import annotations

from typing import Any

from sandbox.documents.calc import LINE_AMOUNT_TYPES, LINE_FIELDS
from sandbox.documents.spec import CREDIT_NOTE, INVOICE, STATUSES
from sandbox.wire import is_guid

NUMBERS = {"Quantity", "UnitAmount", "TaxAmount", "LineAmount", "DiscountRate", "DiscountAmount", "CurrencyRate",
           "Amount", "BankAmount", "SubTotal", "TotalTax", "Total", "TotalDiscount", "AmountDue", "AmountPaid",
           "AmountCredited", "RemainingCredit", "AppliedAmount", "CISDeduction", "CISRate"}  # fmt: skip
BOOLEANS = {"SentToContact", "IsReconciled", "HasAttachments", "IsDiscounted", "HasAccount", "IsDeleted"}
ENUMS = {
    "Type": {*INVOICE.types, *CREDIT_NOTE.types},
    "Status": set(STATUSES),
    "LineAmountTypes": set(LINE_AMOUNT_TYPES),
}
# Read-only collections: never echoed.
DROPPED = {"Payments", "CreditNotes", "Allocations", "Prepayments", "Overpayments", "Attachments", "Warnings",
           "ValidationErrors", "StatusAttributeString", "HasErrors", "HasValidationErrors", "InvoiceAddresses",
           "BatchPayment", "PaymentType"}  # fmt: skip
NESTED = {
    "Contact": {"ContactID", "ContactNumber", "Name"},
    "Account": {"AccountID", "Code", "Name"},
    "Invoice": {"InvoiceID", "InvoiceNumber"},
    "CreditNote": {"CreditNoteID", "CreditNoteNumber"},
}


def _fits(key: str, value: Any) -> bool:
    if key in NUMBERS:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if key in BOOLEANS:
        return isinstance(value, bool)
    if key in ENUMS:
        return isinstance(value, str) and value in ENUMS[key]
    if key.endswith("ID"):
        return is_guid(value)
    if key == "CurrencyCode":
        return isinstance(value, str) and len(value) == 3 and value.isalpha() and value.isupper()
    return isinstance(value, str)


def clean(element: Any, known: set[str] | frozenset[str]) -> dict[str, Any]:
    """The known, readable part of a sent element."""
    if not isinstance(element, dict):
        return {}
    echoed: dict[str, Any] = {}
    for key, value in element.items():
        if key not in known or key in DROPPED:
            continue
        if key in NESTED:
            if isinstance(value, dict):
                echoed[key] = clean(value, NESTED[key])
        elif key == "LineItems":
            if isinstance(value, list):
                echoed[key] = [clean(item, LINE_FIELDS) for item in value if isinstance(item, dict)]
        elif key == "Tracking":
            if isinstance(value, list) and all(isinstance(item, dict) for item in value):
                echoed[key] = value
        elif _fits(key, value):
            echoed[key] = value
    return echoed


def echo(element: Any, errors: list[str], known: set[str] | frozenset[str], error_flag: str | None) -> dict[str, Any]:
    """A refused element as Xero returns it (inside a 400's Elements, or in a summarizeErrors=false answer)."""
    shown = clean(element, known)
    if error_flag:
        shown[error_flag] = True
    return shown | {"StatusAttributeString": "ERROR", "ValidationErrors": [{"Message": m} for m in errors]}
