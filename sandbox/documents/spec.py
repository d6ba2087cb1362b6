"""What invoices and credit notes share: the two specs, input checks, numbering, settling, and the stored JSON."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import date
from typing import Any

from sandbox import records
from sandbox.documents import calc
from sandbox.documents.calc import ZERO, cents, dec, num, number_of
from sandbox.records import Record
from sandbox.store import dumps
from sandbox.wire import iso_utc, ms_date, parse_date, to_ms

STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED", "PAID", "VOIDED", "DELETED")
ON_CREATE = ("DRAFT", "SUBMITTED", "AUTHORISED")
CLOSED = ("PAID", "VOIDED", "DELETED")
# What may still change on an approved document with payments or credit applied; the first four change without
# moving UpdatedDateUTC (Xero: "DueDate or SentToContact edits on part-paid documents").
QUIET = {"DueDate", "SentToContact", "ExpectedPaymentDate", "PlannedPaymentDate"}
WHILE_PAID = QUIET | {"Reference", "Url", "BrandingThemeID", "Status"}
COMMON = {"Type", "Contact", "LineItems", "Date", "DueDate", "LineAmountTypes", "Reference", "BrandingThemeID",
          "CurrencyCode", "CurrencyRate", "Status", "SentToContact"}  # fmt: skip
READ_ONLY = {"SubTotal", "TotalTax", "Total", "TotalDiscount", "HasAttachments", "Attachments", "Payments",
             "UpdatedDateUTC", "UpdatedDateUTCString", "HasErrors", "StatusAttributeString", "ValidationErrors",
             "Warnings", "DateString", "DueDateString", "FullyPaidOnDate", "CISDeduction", "CISRate",
             "InvoiceAddresses", "IsDiscounted"}  # fmt: skip


@dataclass(frozen=True)
class Spec:
    """What differs between invoices and credit notes."""

    kind: str
    plural: str
    id_field: str
    number_field: str
    types: tuple[str, str]  # (sales, purchases): only the sales type is numbered by Xero and must be unique
    prefix: str
    category: str  # webhook event category
    label: str
    writable: frozenset[str]
    ignored: frozenset[str]

    @property
    def known(self) -> frozenset[str]:
        return self.writable | self.ignored


INVOICE = Spec(
    "Invoice", "Invoices", "InvoiceID", "InvoiceNumber", ("ACCREC", "ACCPAY"), "INV-", "INVOICE", "Invoice",
    frozenset(COMMON | {"InvoiceID", "InvoiceNumber", "Url", "ExpectedPaymentDate", "PlannedPaymentDate"}),
    frozenset(READ_ONLY | {"Prepayments", "Overpayments", "AmountDue", "AmountPaid", "AmountCredited", "CreditNotes",
                           "RepeatingInvoiceID"}),
)  # fmt: skip
CREDIT_NOTE = Spec(
    "CreditNote", "CreditNotes", "CreditNoteID", "CreditNoteNumber", ("ACCRECCREDIT", "ACCPAYCREDIT"), "CN-",
    "CREDITNOTE", "Credit Note", frozenset(COMMON | {"CreditNoteID", "CreditNoteNumber"}),
    frozenset(READ_ONLY | {"ID", "RemainingCredit", "Allocations", "AppliedAmount"}),
)  # fmt: skip


def not_modifiable(spec: Spec) -> str:
    return f"{spec.label} not of valid status for modification"


def day_fields(day: date) -> tuple[str, str]:
    """(/Date(ms+0000)/, 2019-03-07T00:00:00) for a document date (midnight UTC, as Xero sends them)."""
    from datetime import UTC, datetime

    return ms_date(to_ms(datetime(day.year, day.month, day.day, tzinfo=UTC))), f"{day.isoformat()}T00:00:00"


def problems(spec: Spec, element: Any) -> list[str]:
    """Every reason Xero would refuse this document as sent, before looking anything up."""
    if not isinstance(element, dict):
        return [f"Each {spec.label.lower()} must be a JSON object."]
    found = [f"'{key}' is not a field of {spec.label.lower()}s." for key in element if key not in spec.known]
    if element.get("Type") is not None and element["Type"] not in spec.types:
        found.append(f"Type must be {spec.types[0]} or {spec.types[1]}.")
    if element.get("Status") is not None and element["Status"] not in STATUSES:
        found.append(f"Status must be one of {', '.join(STATUSES)}.")
    if element.get("LineAmountTypes") is not None and element["LineAmountTypes"] not in calc.LINE_AMOUNT_TYPES:
        found.append("LineAmountTypes must be Exclusive, Inclusive or NoTax.")
    for key in ("Date", "DueDate", "ExpectedPaymentDate", "PlannedPaymentDate"):
        if element.get(key) not in (None, "") and parse_date(element[key]) is None:
            found.append(f"{key} must be a date (YYYY-MM-DD).")
    for key in (spec.number_field, "Reference", "Url"):
        value = element.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > 255):
            found.append(f"{key} must be text of no more than 255 characters.")
    code = element.get("CurrencyCode")
    if code is not None and not (isinstance(code, str) and re.fullmatch(r"[A-Za-z]{3}", code)):
        found.append("CurrencyCode must be a 3-letter currency code.")
    rate = element.get("CurrencyRate")
    if rate is not None and (not isinstance(rate, int | float) or number_of(rate) is None or rate <= 0):
        found.append("CurrencyRate must be a number greater than zero.")
    lines = element.get("LineItems")
    if lines is not None and not isinstance(lines, list):
        found.append("LineItems must be a list.")
    elif lines:
        sales = element.get("Type") in (None, spec.types[0]) and spec is INVOICE
        for line in lines:
            found += [p for p in calc.line_problems(line, discounts=sales) if p not in found]
    return found


def target_of(db: sqlite3.Connection, tenant_id: str, spec: Spec, element: dict[str, Any], key: str | None):  # type: ignore[no-untyped-def]
    """The existing document a POST means: the URL's id or number, the element's id, or (sales) its number."""
    wanted = key or element.get(spec.id_field)
    if isinstance(wanted, str) and wanted:
        found = records.get(db, tenant_id, spec.kind, wanted)
        if found is not None or key is None:
            return found
    number = key or element.get(spec.number_field)
    if key is None and element.get("Type") not in (None, spec.types[0]):
        return None  # purchase documents' numbers are not unique: they never identify one
    if isinstance(number, str) and number:
        matches = [r for r in records.find(db, tenant_id, spec.kind, number=number) if r.status != "DELETED"]
        sales = [r for r in matches if r.data.get("Type") == spec.types[0]]
        return (sales or (matches if key else []) or [None])[0]
    return None


def number_taken(db: sqlite3.Connection, tenant_id: str, spec: Spec, number: str, own_id: str) -> bool:
    return any(
        r.id != own_id and r.status != "DELETED" and r.data.get("Type") == spec.types[0]
        for r in records.find(db, tenant_id, spec.kind, number=number)
    )


def next_number(db: sqlite3.Connection, tenant_id: str, spec: Spec, used: str | None = None) -> str:
    """The organisation's next sales number (INV-0001, CN-0001 …), or note one given by hand; Xero keeps counting
    from the highest number it has handed out or seen in its own format."""
    counter = records.get(db, tenant_id, "Sequence", spec.kind)
    upcoming = int(counter.data["next"]) if counter else 1
    if used is not None:
        found = re.fullmatch(re.escape(spec.prefix) + r"(\d+)", used)
        if not found or int(found.group(1)) < upcoming:
            return used
        upcoming, chosen = int(found.group(1)) + 1, used
    else:
        while number_taken(db, tenant_id, spec, f"{spec.prefix}{upcoming:04d}", ""):
            upcoming += 1
        chosen, upcoming = f"{spec.prefix}{upcoming:04d}", upcoming + 1
    records.save(db, tenant_id, "Sequence", Record(spec.kind.lower(), 0, "ACTIVE", {"next": upcoming}))
    return chosen


def settle(spec: Spec, data: dict[str, Any]) -> None:
    """Recompute what is still owed (invoices: AmountDue) or unused (credit notes: RemainingCredit)."""
    total, closed = dec(data.get("Total", 0)), data["Status"] in ("VOIDED", "DELETED")
    if spec is INVOICE:
        used = dec(data.get("AmountPaid", 0)) + dec(data.get("AmountCredited", 0))
        data["AmountDue"] = num(ZERO if closed else cents(total - used))
    else:
        used = sum((dec(a["Amount"]) for a in data.get("Allocations", [])), ZERO)
        used += sum((dec(p["Amount"]) for p in data.get("Payments", [])), ZERO)
        data["RemainingCredit"] = num(ZERO if closed else cents(total - used))


def outstanding(spec: Spec, data: dict[str, Any]) -> float:
    return float(data["AmountDue"] if spec is INVOICE else data["RemainingCredit"])


def assign_number(
    db: sqlite3.Connection, tenant_id: str, spec: Spec, data: dict[str, Any], element: dict[str, Any], doc_id: str
) -> list[str]:
    sent = element.get(spec.number_field)
    sales = data["Type"] == spec.types[0]
    if sent is not None and sent.strip() != data.get(spec.number_field, ""):
        number = sent.strip()
        if sales and number and number_taken(db, tenant_id, spec, number, doc_id):
            return [f"{'Invoice' if spec is INVOICE else 'Credit Note'} # must be unique."]
        data[spec.number_field] = next_number(db, tenant_id, spec, number) if sales and number else number
    if sales and not data.get(spec.number_field):
        data[spec.number_field] = next_number(db, tenant_id, spec)
    return []


def save(db: sqlite3.Connection, tenant_id: str, spec: Spec, record: Record) -> None:
    """Store a document with its ready-to-serve JSON; its contact's id goes in `name` (a contact's documents are one
    indexed lookup away), its number in `number`."""
    records.save(db, tenant_id, spec.kind, record, **row_keys(spec, record), doc=dumps(view(spec, record)))


def row_keys(spec: Spec, record: Record) -> dict[str, str]:
    return {"name": record.data["Contact"]["ContactID"], "number": record.data.get(spec.number_field) or ""}


def view(spec: Spec, record: Record, *, lines: bool = True, unit_places: int = 2) -> dict[str, Any]:
    """A document as Xero returns it (lines=False: the unpaged list shape, without line items)."""
    data = {k: v for k, v in record.data.items() if not k.startswith("_")}
    data["UpdatedDateUTC"] = ms_date(record.updated_ms)
    data["UpdatedDateUTCString"] = iso_utc(record.updated_ms)
    if not lines:
        data["LineItems"] = []
    elif unit_places == 2:
        data["LineItems"] = [{**li, "UnitAmount": num(cents(dec(li["UnitAmount"])))} for li in data["LineItems"]]
    return data
