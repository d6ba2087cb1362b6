"""Payments against invoices and credit notes: Xero's checks, what a payment does to its document, reversal."""

from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal
from typing import Any

from sandbox import records
from sandbox.documents.calc import ZERO, Books, cents, dec, num, number_of
from sandbox.documents.spec import CREDIT_NOTE, INVOICE, Spec, day_fields, outstanding, save, settle, view
from sandbox.records import Record
from sandbox.store import dumps
from sandbox.wire import iso_utc, ms_date, new_id, parse_date

KIND = "Payment"
FIELDS = {"Invoice", "CreditNote", "Prepayment", "Overpayment", "InvoiceNumber", "CreditNoteNumber", "BatchPayment",
          "Account", "Code", "Date", "CurrencyRate", "Amount", "BankAmount", "Reference", "IsReconciled", "Status",
          "PaymentType", "UpdatedDateUTC", "UpdatedDateUTCString", "PaymentID", "BatchPaymentID", "BankAccountNumber",
          "Particulars", "Details", "HasAccount", "HasValidationErrors", "StatusAttributeString", "ValidationErrors",
          "Warnings"}  # fmt: skip
PAYMENT_TYPES = {"ACCREC": "ACCRECPAYMENT", "ACCPAY": "ACCPAYPAYMENT", "ACCRECCREDIT": "ARCREDITPAYMENT",
                 "ACCPAYCREDIT": "APCREDITPAYMENT"}  # fmt: skip
EXCEEDS = "Payment amount exceeds the amount outstanding on this document"
NOT_AUTHORISED = "Payments can only be made against Authorised documents"
NO_ACCOUNT = "Account could not be found"


def problems(element: Any) -> list[str]:
    """Shape problems of one payment as sent."""
    if not isinstance(element, dict):
        return ["Each payment must be a JSON object."]
    found = [f"'{key}' is not a field of a payment." for key in element if key not in FIELDS]
    for key in ("Invoice", "CreditNote", "Account"):
        if element.get(key) is not None and not isinstance(element[key], dict):
            found.append(f"{key} must be an object.")
    if element.get("Date") not in (None, "") and parse_date(element["Date"]) is None:
        found.append("Date must be a date (YYYY-MM-DD).")
    if element.get("Reference") is not None and not isinstance(element["Reference"], str):
        found.append("Reference must be text.")
    return found


def document_of(db: sqlite3.Connection, tenant_id: str, element: dict[str, Any]) -> tuple[Spec, Record | None, str]:
    """The document a payment is for: (spec, record or None, the error when it cannot be found)."""
    for spec, key in ((INVOICE, "Invoice"), (CREDIT_NOTE, "CreditNote")):
        sent = element.get(key) if isinstance(element.get(key), dict) else {}
        doc_id = str(sent.get(spec.id_field) or "")
        number = str(sent.get(spec.number_field) or element.get(spec.number_field) or "")
        if doc_id:
            found = records.get(db, tenant_id, spec.kind, doc_id)
            return spec, found, f"An existing {spec.label} with the specified {spec.id_field} could not be found"
        if number:
            live = [r for r in records.find(db, tenant_id, spec.kind, number=number) if r.status != "DELETED"]
            missing = f"An existing {spec.label} with the specified {spec.number_field} could not be found"
            return spec, (live or [None])[0], missing
    if element.get("Prepayment") or element.get("Overpayment"):
        return INVOICE, None, "Payments to prepayments and overpayments are not available in this simulator."
    return INVOICE, None, "A payment must be applied to an Invoice or a CreditNote."


def account_of(books: Books, element: dict[str, Any]) -> tuple[dict[str, Any] | None, list[str]]:
    sent = element.get("Account") if isinstance(element.get("Account"), dict) else {}
    code, account_id = sent.get("Code") or element.get("Code"), sent.get("AccountID")
    account = None
    if account_id:
        account = books.account_ids.get(str(account_id).lower())
    elif code:
        account = books.accounts.get(str(code).upper())
    if account is None:
        return None, [NO_ACCOUNT]
    label = account.get("Code") or account["Name"]
    if account.get("Status") != "ACTIVE":
        return None, [f"The account '{label}' is archived and cannot take payments."]
    if account.get("Type") != "BANK" and not account.get("EnablePaymentsToAccount"):
        return None, [
            f"The account '{label}' cannot take payments: it must be a BANK account or have EnablePaymentsToAccount "
            '("Enable payments to this account") set.'
        ]
    return account, []


def create(
    db: sqlite3.Connection, books: Books, element: dict[str, Any], *, now_ms: int, today: date
) -> tuple[Record | None, list[str], list[tuple[Spec, str]]]:
    """Record one payment and apply it to its document: (payment, errors, documents changed)."""
    spec, doc, missing = document_of(db, books.tenant_id, element)
    account, errors = account_of(books, element)
    if doc is None:
        errors.insert(0, missing)
    amount = number_of(element.get("Amount"))
    if amount is None:
        errors.append("Amount must be given as a number.")
    elif amount <= 0:
        errors.append("Payment amount must be greater than zero.")
    if doc is not None and doc.status != "AUTHORISED":
        errors.append(NOT_AUTHORISED)
    elif doc is not None and amount is not None and cents(amount) > dec(outstanding(spec, doc.data)):
        errors.append(EXCEEDS)
    if doc is not None and account is not None:
        currency = account.get("CurrencyCode") or books.base_currency
        if currency not in (doc.data["CurrencyCode"], books.base_currency):
            errors.append(
                f"The bank account's currency ({currency}) does not match the document's ({doc.data['CurrencyCode']})."
            )
    if errors or doc is None or account is None or amount is None:
        return None, errors, []
    day = parse_date(element.get("Date")) or today
    record = build(books, spec, doc, account, cents(amount), day, element, now_ms)
    save_payment(db, books.tenant_id, record)
    apply(db, books, spec, doc, record, now_ms=now_ms, today=today)
    return record, [], [(spec, doc.id)]


def build(
    books: Books,
    spec: Spec,
    doc: Record,
    account: dict[str, Any],
    amount: Decimal,
    day: date,
    element: dict[str, Any],
    now_ms: int,
    payment_id: str | None = None,
) -> Record:
    """A payment record (also used by the seed)."""
    data = doc.data
    rate = (
        1.0
        if data["CurrencyCode"] == books.base_currency
        else float(element.get("CurrencyRate") or data["CurrencyRate"])
    )
    bank_currency = account.get("CurrencyCode") or books.base_currency
    bank_amount = amount if bank_currency == data["CurrencyCode"] else cents(amount / dec(rate))
    embedded = {"Type": data["Type"], "InvoiceID": doc.id, "InvoiceNumber": data.get(spec.number_field) or "",
                "Payments": [], "CreditNotes": [], "Prepayments": [], "Overpayments": [], "HasErrors": False,
                "IsDiscounted": False, "Contact": data["Contact"], "LineItems": [],
                "CurrencyCode": data["CurrencyCode"]}  # fmt: skip
    payment_id = payment_id or new_id()
    shown: dict[str, Any] = {"PaymentID": payment_id, "Date": day_fields(day)[0], "BankAmount": num(bank_amount),
                             "Amount": num(amount), "Reference": str(element.get("Reference") or ""),
                             "CurrencyRate": rate, "PaymentType": PAYMENT_TYPES[data["Type"]], "Status": "AUTHORISED",
                             "HasAccount": True, "IsReconciled": bool(element.get("IsReconciled", False)),
                             "Account": {"AccountID": account["AccountID"], "Code": account.get("Code", ""),
                                         "Name": account["Name"]},
                             "Invoice": embedded}  # fmt: skip
    if spec is CREDIT_NOTE:
        shown["CreditNote"] = {"CreditNoteID": doc.id, "CreditNoteNumber": data.get(spec.number_field) or ""}
    shown |= {"HasValidationErrors": False, "_doc": [spec.kind, doc.id]}
    return Record(payment_id, now_ms, "AUTHORISED", shown)


def summary(payment: Record) -> dict[str, Any]:
    """The payment as Xero lists it inside its document."""
    data = payment.data
    shown = {"PaymentID": payment.id, "Date": data["Date"], "Amount": data["Amount"]}
    if data.get("Reference"):
        shown["Reference"] = data["Reference"]
    return shown | {"CurrencyRate": data["CurrencyRate"], "HasAccount": False, "HasValidationErrors": False}


def apply(
    db: sqlite3.Connection,
    books: Books,
    spec: Spec,
    doc: Record,
    payment: Record,
    *,
    now_ms: int,
    today: date,
    reverse: bool = False,
) -> Record:
    """Add (or take back) a payment on its document: amounts, Payments[], PAID at nothing due, contact balances."""
    data = dict(doc.data)
    kept = [p for p in data.get("Payments", []) if p["PaymentID"] != payment.id]
    data["Payments"] = kept if reverse else [*kept, summary(payment)]
    if spec is INVOICE:
        change = dec(payment.data["Amount"]) * (-1 if reverse else 1)
        data["AmountPaid"] = num(cents(dec(data.get("AmountPaid", 0)) + change))
    return close_if_settled(db, books, spec, doc, data, now_ms=now_ms, today=today)


def close_if_settled(
    db: sqlite3.Connection, books: Books, spec: Spec, doc: Record, data: dict[str, Any], *, now_ms: int, today: date
) -> Record:
    """Settle a document after money moved: PAID (with FullyPaidOnDate) at zero, back to AUTHORISED otherwise."""
    settle(spec, data)
    left = dec(outstanding(spec, data))
    if left == ZERO and data["Status"] == "AUTHORISED":
        dates = [parse_date(p["Date"]) for p in data.get("Payments", [])]
        dates += [parse_date(c["Date"]) for c in data.get("CreditNotes", []) + data.get("Allocations", [])]
        data["Status"] = "PAID"
        data["FullyPaidOnDate"] = day_fields(max((d for d in dates if d), default=today))[0]
    elif left > ZERO and data["Status"] == "PAID":
        data["Status"] = "AUTHORISED"
        data.pop("FullyPaidOnDate", None)
    record = Record(doc.id, now_ms, data["Status"], data)
    save(db, books.tenant_id, spec, record)
    books.stale_contacts.add(data["Contact"]["ContactID"])
    return record


def delete(
    db: sqlite3.Connection, books: Books, payment: Record, element: Any, *, now_ms: int, today: date
) -> tuple[Record | None, list[str], list[tuple[Spec, str]]]:
    """POST /Payments/{id} with Status DELETED: the payment is reversed and its document owes the amount again."""
    if not isinstance(element, dict) or element.get("Status") != "DELETED":
        return None, ["A payment can only be changed to Status DELETED (which reverses it)."], []
    if payment.status == "DELETED":
        return None, ["This payment has already been deleted."], []
    if payment.data.get("IsReconciled"):
        return None, ["This payment has been reconciled and cannot be deleted"], []
    kind, doc_id = payment.data["_doc"]
    spec = INVOICE if kind == INVOICE.kind else CREDIT_NOTE
    doc = records.get(db, books.tenant_id, spec.kind, doc_id)
    deleted = Record(payment.id, now_ms, "DELETED", dict(payment.data, Status="DELETED"))
    save_payment(db, books.tenant_id, deleted)
    if doc is None:
        return deleted, [], []
    apply(db, books, spec, doc, payment, now_ms=now_ms, today=today, reverse=True)
    return deleted, [], [(spec, doc.id)]


def save_payment(db: sqlite3.Connection, tenant_id: str, record: Record) -> None:
    records.save(db, tenant_id, KIND, record, name=record.data["_doc"][1], doc=dumps(payment_view(record)))


def payment_view(record: Record, *, document: dict[str, Any] | None = None) -> dict[str, Any]:
    """A payment as Xero returns it (document: the full current invoice, as write responses show it)."""
    data = {k: v for k, v in record.data.items() if not k.startswith("_")}
    data["UpdatedDateUTC"] = ms_date(record.updated_ms)
    data["UpdatedDateUTCString"] = iso_utc(record.updated_ms)
    if document is not None:
        data["Invoice"] = document
    return data


def document_view(db: sqlite3.Connection, tenant_id: str, payment: Record) -> dict[str, Any] | None:
    """The paid document's current JSON shaped as a payment's Invoice (credit notes answer as Invoice too)."""
    kind, doc_id = payment.data["_doc"]
    spec = INVOICE if kind == INVOICE.kind else CREDIT_NOTE
    doc = records.get(db, tenant_id, spec.kind, doc_id)
    if doc is None:
        return None
    shown = view(spec, doc)
    if spec is INVOICE:
        return shown
    keep = ("Contact", "Date", "DateString", "Status", "LineAmountTypes", "LineItems", "SubTotal", "TotalTax", "Total",
            "UpdatedDateUTC", "UpdatedDateUTCString", "CurrencyCode", "CurrencyRate", "Payments")  # fmt: skip
    head = {"Type": shown["Type"], "InvoiceID": doc.id, "InvoiceNumber": shown["CreditNoteNumber"]}
    return head | {k: shown[k] for k in keep if k in shown}
