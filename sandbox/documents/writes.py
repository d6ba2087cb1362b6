"""Invoices and credit notes as Xero keeps them: create and update, status rules, and what a write changes."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date
from decimal import InvalidOperation
from typing import Any

from sandbox.documents import calc
from sandbox.documents import contacts as document_contacts
from sandbox.documents.calc import ZERO, Books, dec
from sandbox.documents.spec import (
    CLOSED,
    CREDIT_NOTE,
    INVOICE,
    ON_CREATE,
    QUIET,
    WHILE_PAID,
    Spec,
    assign_number,
    day_fields,
    not_modifiable,
    save,
    settle,
)
from sandbox.records import Record
from sandbox.wire import new_id, parse_date


@dataclass
class Outcome:
    """A document write: the saved record or why it was refused, and what the caller announces afterwards."""

    record: Record | None
    errors: list[str]
    created: bool = False
    quiet: bool = False  # saved without moving UpdatedDateUTC (and so without a webhook event)
    new_contacts: list[str] = field(default_factory=list)


def write(
    db: sqlite3.Connection,
    books: Books,
    spec: Spec,
    element: dict[str, Any],
    *,
    existing: Record | None,
    now_ms: int,
    today: date,
    unit_places: int = 2,
    app: str = "",
) -> Outcome:
    """Create (existing=None) or update one document inside the caller's transaction."""
    if existing is None:
        return _create(db, books, spec, element, now_ms=now_ms, today=today, unit_places=unit_places, app=app)
    data, status = dict(existing.data), existing.status
    target = element.get("Status") or status
    if status in CLOSED:
        return Outcome(None, [not_modifiable(spec)])
    used = dec(data.get("AmountPaid", 0)) + dec(data.get("AmountCredited", 0)) if spec is INVOICE else ZERO
    if spec is CREDIT_NOTE:
        used = dec(data["Total"]) - dec(data["RemainingCredit"])
    if target in ("DELETED", "VOIDED", "PAID") and target != status:
        errors = _closing_problems(spec, status, target, used)
        if errors:
            return Outcome(None, errors)
        data["Status"] = target
        return _saved(db, books, spec, data, existing, now_ms, today)
    if status == "AUTHORISED" and target in ("DRAFT", "SUBMITTED"):
        return Outcome(None, [f"An approved {spec.label.lower()} cannot go back to {target}; void it instead."])
    changed = {k for k in element if k in spec.writable and element[k] != data.get(k)} - {spec.id_field}
    if used > 0 and not changed <= WHILE_PAID:
        return Outcome(None, [f"{not_modifiable(spec)}. This document cannot be edited as it has a payment or "
                              "credit note allocated to it."])  # fmt: skip
    if element.get("Type") not in (None, data["Type"]):
        return Outcome(None, [f"The Type of an existing {spec.label.lower()} cannot be changed."])
    errors, new_contacts = _apply(db, books, spec, data, element, existing.id, now_ms, unit_places, new=False)
    if not errors:
        data["Status"] = target
        errors = _approval_problems(spec, data)
    if errors:
        return Outcome(None, errors)
    if used > 0 and changed <= QUIET:
        outcome = _saved(db, books, spec, data, existing, existing.updated_ms, today)
        outcome.quiet = True
        return outcome
    outcome = _saved(db, books, spec, data, existing, now_ms, today)
    outcome.new_contacts = new_contacts
    return outcome


def _closing_problems(spec: Spec, status: str, target: str, used: Any) -> list[str]:
    noun = spec.label.lower()
    if target == "PAID":
        return [f"The status PAID cannot be set on {noun}s: Xero sets it when payments or credit cover the total."]
    if target == "DELETED" and status not in ("DRAFT", "SUBMITTED"):
        return [f"Only DRAFT or SUBMITTED {noun}s can be deleted; an approved {noun} must be voided (VOIDED)."]
    if target == "VOIDED" and status != "AUTHORISED":
        return [f"Only approved (AUTHORISED) {noun}s can be voided; delete a {status} {noun} instead (DELETED)."]
    if target == "VOIDED" and used > 0:
        return [f"The status VOIDED cannot be applied to the {noun} because it has payments or credit notes "
                "allocated to it."]  # fmt: skip
    return []


def _approval_problems(spec: Spec, data: dict[str, Any]) -> list[str]:
    if data["Status"] == "DRAFT":
        return []
    errors, noun = [], spec.label.lower()
    if calc.missing_accounts(data["LineItems"]):
        errors.append(f"Every line item needs an account code before the {noun} can be submitted or approved.")
    if dec(data["Total"]) < 0:
        errors.append(f"The total of the {noun} cannot be negative.")
    return errors


def _create(db: sqlite3.Connection, books: Books, spec: Spec, element: dict[str, Any], **options: Any) -> Outcome:
    if element.get("Type") not in spec.types:
        return Outcome(None, [f"The {spec.label.lower()} Type must be {spec.types[0]} or {spec.types[1]}."])
    status = element.get("Status") or "DRAFT"
    if status not in ON_CREATE:
        return Outcome(None, [f"A new {spec.label.lower()} must be DRAFT, SUBMITTED or AUTHORISED, not {status}."])
    doc_id = new_id()
    data: dict[str, Any] = {"Type": element["Type"], spec.id_field: doc_id, spec.number_field: "", "Reference": ""}
    if spec is CREDIT_NOTE:
        data["ID"] = doc_id
    data |= {"Status": status, "LineAmountTypes": "Exclusive", "LineItems": [], "CurrencyCode": books.base_currency,
             "CurrencyRate": 1.0, "HasAttachments": False, "Payments": []}  # fmt: skip
    if spec is INVOICE:
        data |= {"AmountPaid": 0.0, "AmountCredited": 0.0, "HasErrors": False, "CreditNotes": [], "Prepayments": [],
                 "Overpayments": [], "_app": options["app"]}  # fmt: skip
    else:
        data["Allocations"] = []
    data["Date"], data["DateString"] = day_fields(options["today"])
    errors, new_contacts = _apply(
        db, books, spec, data, element, doc_id, options["now_ms"], options["unit_places"], new=True
    )
    errors = errors or _approval_problems(spec, data)
    if errors:
        return Outcome(None, errors)
    record = Record(doc_id, options["now_ms"], status, data)
    outcome = _saved(db, books, spec, data, record, options["now_ms"], options["today"])
    outcome.created, outcome.new_contacts = True, new_contacts
    return outcome


def _apply(
    db: sqlite3.Connection,
    books: Books,
    spec: Spec,
    data: dict[str, Any],
    element: dict[str, Any],
    doc_id: str,
    now_ms: int,
    unit_places: int,
    *,
    new: bool,
) -> tuple[list[str], list[str]]:
    """Merge the sent fields into data (contact, dates, number, lines, totals); return (errors, new contact ids)."""
    errors: list[str] = []
    new_contacts: list[str] = []
    if new or "Contact" in element:
        contact, contact_errors, created = document_contacts.resolve(
            db, books.tenant_id, element.get("Contact"), new_document=new, now_ms=now_ms
        )
        errors += contact_errors
        if contact is not None:
            data["Contact"] = document_contacts.summary(contact)
            new_contacts += [contact.id] if created else []
    for key in ("Date", "DueDate", "ExpectedPaymentDate", "PlannedPaymentDate"):
        if key in element:
            day = parse_date(element[key])
            if day is None and key == "Date":
                continue  # a document always has a date
            if day is None:
                data.pop(key, None)
                data.pop(f"{key}String", None)
            elif key in ("Date", "DueDate"):
                data[key], data[f"{key}String"] = day_fields(day)
            else:
                data[key] = day_fields(day)[0]
    for key in ("Reference", "Url", "BrandingThemeID", "SentToContact", "CurrencyRate"):
        if key in element:
            data[key] = element[key]
    if "CurrencyCode" in element:
        data["CurrencyCode"] = str(element["CurrencyCode"]).upper()
    if data["CurrencyCode"] == books.base_currency:
        data["CurrencyRate"] = 1.0
    errors += assign_number(db, books.tenant_id, spec, data, element, doc_id)
    if new or "LineItems" in element or "LineAmountTypes" in element:
        data["LineAmountTypes"] = element.get("LineAmountTypes") or data["LineAmountTypes"]
        old = data.get("LineItems", [])
        sent = element["LineItems"] if "LineItems" in element else [_resent(line) for line in old]
        if data["Type"] != "ACCREC" and any(isinstance(li, dict) and calc.discounted(li) for li in sent or []):
            errors.append(calc.NO_DISCOUNT)
        try:
            lines, totals, line_errors = calc.compute(books, sent or [], old, data["LineAmountTypes"], unit_places)
        except InvalidOperation:  # thousands of lines each near the limit: a sum beyond Decimal's exact digits
            return [*errors, calc.TOO_LARGE], new_contacts
        data["LineItems"] = lines
        data.pop("TotalDiscount", None)
        data.update(totals)
        errors += line_errors
    if spec is not INVOICE:
        data.pop("IsDiscounted", None)
    settle(spec, data)
    return errors, new_contacts


def _resent(line: dict[str, Any]) -> dict[str, Any]:
    """A stored line sent through the arithmetic again (its tax recomputed for a new LineAmountTypes)."""
    keep = ("LineItemID", "Description", "Quantity", "UnitAmount", "ItemCode", "AccountCode", "TaxType", "Tracking",
            "DiscountRate", "DiscountAmount")  # fmt: skip
    return {k: line[k] for k in keep if k in line}


def _saved(
    db: sqlite3.Connection, books: Books, spec: Spec, data: dict[str, Any], before: Record, updated_ms: int, today: date
) -> Outcome:
    settle(spec, data)
    record = Record(before.id, updated_ms, data["Status"], data)
    save(db, books.tenant_id, spec, record)
    contact_ids = {data["Contact"]["ContactID"], before.data.get("Contact", {}).get("ContactID")}
    books.stale_contacts.update(c for c in contact_ids if c)
    return Outcome(record, [])
