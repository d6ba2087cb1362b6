"""Line items and totals of invoices and credit notes: Xero's arithmetic, and the chart and tax rates it checks."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sandbox import records
from sandbox.documents import tracking
from sandbox.store import loads
from sandbox.wire import new_id

CENT, TEN_THOUSANDTH, ZERO = Decimal("0.01"), Decimal("0.0001"), Decimal(0)
LINE_AMOUNT_TYPES = ("Exclusive", "Inclusive", "NoTax")
LINE_FIELDS = {
    "LineItemID",
    "Description",
    "Quantity",
    "UnitAmount",
    "ItemCode",
    "AccountCode",
    "AccountID",
    "TaxType",
    "TaxAmount",
    "LineAmount",
    "Tracking",
    "DiscountRate",
    "DiscountAmount",
    "ValidationErrors",
    # On Xero's LineItem but unused here: accepted (a line read back from Xero may be sent again), then ignored.
    "Item",
    "RepeatingInvoiceID",
    "Taxability",
    "SalesTaxCodeId",
    "TaxBreakdown",
}
NUMBERS = ("Quantity", "UnitAmount", "TaxAmount", "LineAmount", "DiscountRate", "DiscountAmount")
# Accounts that never go on a document's line: the bank, and the ledgers the document itself posts to.
NOT_ON_LINES = {"DEBTORS", "CREDITORS"}
# Far above any real amount, and low enough that products, sums and roundings stay exact in Decimal's 28 digits.
LIMIT = Decimal(10) ** 12
TOO_LARGE = "The amounts of this document are too large for Xero."
NO_DISCOUNT = "Discounts can only be applied to the line items of sales invoices (ACCREC)."


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def num(value: Decimal) -> float:
    return float(value)


def dec(value: Any) -> Decimal:
    return Decimal(str(value))


def number_of(value: Any) -> Decimal | None:
    """A finite number Xero keeps (sent as a number or as numeric text), or None: not one, or too large to keep."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = dec(value)
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() and abs(number) < LIMIT else None


@dataclass
class Books:
    """One organisation's chart of accounts, tax rates and base currency, read once per request."""

    tenant_id: str
    base_currency: str
    accounts: dict[str, dict[str, Any]]  # by upper-case Code
    account_ids: dict[str, dict[str, Any]]  # by lower-case AccountID
    rates: dict[str, dict[str, Any]]  # by upper-case TaxType
    tracking: list[dict[str, Any]]  # the tracking categories, with their options
    # Contacts whose derived figures (Balances, IsCustomer, IsSupplier) this request's writes moved: recomputed once
    # each before it commits (contacts.refresh_stale), so a batch of 50 bills to one supplier reads its documents once.
    stale_contacts: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, db: sqlite3.Connection, tenant_id: str) -> Books:
        org = db.execute("SELECT data FROM orgs WHERE tenant_id = ?", (tenant_id,)).fetchone()
        base = loads(org["data"]).get("BaseCurrency", "GBP") if org else "GBP"
        accounts = [r.data for r in records.find(db, tenant_id, "Account")]
        rates = [r.data for r in records.find(db, tenant_id, "TaxRate")]
        return cls(
            tenant_id,
            base,
            {str(a.get("Code", "")).upper(): a for a in accounts if a.get("Code")},
            {str(a["AccountID"]).lower(): a for a in accounts},
            {str(r["TaxType"]).upper(): r for r in rates},
            [r.data for r in records.find(db, tenant_id, "TrackingCategory")],
        )

    def no_tax(self) -> str:
        """The organisation's zero rate for lines with neither a tax type nor an account."""
        for candidate in ("NONE", "BASEXCLUDED"):
            if candidate in self.rates:
                return candidate
        return next((t for t, r in self.rates.items() if not r.get("EffectiveRate")), "")


def discounted(line: dict[str, Any]) -> bool:
    return bool(line.get("DiscountRate") or line.get("DiscountAmount"))


def line_problems(line: Any, *, discounts: bool) -> list[str]:
    """Shape problems of one line as sent (unknown fields, non-numbers, discounts where Xero takes none)."""
    if not isinstance(line, dict):
        return ["Each line item must be a JSON object."]
    found = [f"'{key}' is not a field of a line item." for key in line if key not in LINE_FIELDS]
    for key in NUMBERS:
        value = line.get(key)
        if value is not None and number_of(value) is None:
            found.append(f"{key} must be a number (less than 1,000,000,000,000 in size).")
    for key in ("Description", "AccountCode", "TaxType", "ItemCode", "AccountID", "LineItemID"):
        if line.get(key) is not None and not isinstance(line.get(key), str):
            found.append(f"{key} must be text.")
    if not discounts and discounted(line):
        found.append(NO_DISCOUNT)
    tracking = line.get("Tracking")
    if tracking is not None and (not isinstance(tracking, list) or len(tracking) > 2):
        found.append("Tracking must be a list of at most 2 tracking categories.")
    return found


def _account(books: Books, line: dict[str, Any]) -> tuple[dict[str, Any] | None, list[str]]:
    code, account_id = line.get("AccountCode"), line.get("AccountID")
    if not code and not account_id:
        return None, []
    account = books.accounts.get(str(code).upper()) if code else books.account_ids.get(str(account_id).lower())
    shown = code or account_id
    if account is None or account.get("Type") == "BANK" or account.get("SystemAccount") in NOT_ON_LINES:
        return None, [f"Account code '{shown}' is not a valid code for this document."]
    if account.get("Status") != "ACTIVE":
        return None, [
            f"Account code '{shown}' has been archived, or has been deleted. Each line item must reference a valid "
            "account."
        ]
    return account, []


def _tax(books: Books, tax_type: str) -> tuple[Decimal, list[str]]:
    rate = books.rates.get(tax_type.upper())
    if rate is None:
        return ZERO, [f"The TaxType code '{tax_type}' does not exist or cannot be used for this type of transaction."]
    if rate.get("Status", "ACTIVE") != "ACTIVE":
        return ZERO, [f"The TaxType code '{tax_type}' has been deleted or archived and cannot be used."]
    return dec(rate.get("EffectiveRate") or 0), []


def compute_line(
    books: Books, line: dict[str, Any], old: dict[str, Any] | None, amounts: str, unit_places: int
) -> tuple[dict[str, Any], Decimal, list[str]]:
    """One line as Xero stores it (LineAmount, TaxAmount computed), its discount, and why it is refused."""
    account, errors = _account(books, line)
    quantity = dec(line["Quantity"]) if line.get("Quantity") is not None else None
    unit = dec(line["UnitAmount"]) if line.get("UnitAmount") is not None else None
    given = dec(line["LineAmount"]) if line.get("LineAmount") is not None else None
    if unit is None and given is not None:
        quantity = quantity or Decimal(1)
        unit = given / quantity if quantity else ZERO
    quantity = (quantity if quantity is not None else Decimal(1)).quantize(TEN_THOUSANDTH, rounding=ROUND_HALF_UP)
    unit = (unit or ZERO).quantize(CENT if unit_places == 2 else TEN_THOUSANDTH, rounding=ROUND_HALF_UP)
    gross = quantity * unit
    discount = ZERO
    if line.get("DiscountRate"):
        discount = gross * dec(line["DiscountRate"]) / 100
    elif line.get("DiscountAmount"):
        discount = dec(line["DiscountAmount"])
    amount = cents(gross - discount)
    if given is not None and line.get("UnitAmount") is not None and abs(cents(given) - amount) > CENT:
        errors.append(
            f"The line amount {cents(given)} does not equal the quantity times the unit amount, less any discount "
            f"({amount})."
        )
    tax_type = str(line.get("TaxType") or (account or {}).get("TaxType") or books.no_tax())
    rate, tax_errors = _tax(books, tax_type) if tax_type else (ZERO, [])
    errors += tax_errors
    if amounts == "NoTax":
        tax = ZERO
    elif line.get("TaxAmount") is not None:
        tax = cents(dec(line["TaxAmount"]))
    elif amounts == "Inclusive":
        tax = cents(amount * rate / (100 + rate))
    else:
        tax = cents(amount * rate / 100)
    shown: dict[str, Any] = {"Description": str(line.get("Description") or "")}
    if line.get("ItemCode"):
        shown["ItemCode"] = line["ItemCode"]
    shown |= {"UnitAmount": num(unit), "TaxType": tax_type, "TaxAmount": num(tax), "LineAmount": num(amount)}
    if account is not None:
        shown |= {"AccountCode": account["Code"], "AccountID": account["AccountID"]}
    shown["Tracking"], tracking_errors = tracking.resolve(books.tracking, line.get("Tracking"))
    errors += tracking_errors
    shown["Quantity"] = num(quantity)
    if line.get("DiscountRate"):
        shown["DiscountRate"] = num(dec(line["DiscountRate"]))
    elif line.get("DiscountAmount"):
        shown["DiscountAmount"] = num(cents(discount))
    kept = old is not None and old.get("LineItemID") == line.get("LineItemID")
    shown["LineItemID"] = old["LineItemID"] if kept and old else new_id()
    shown["ValidationErrors"] = []
    return shown, cents(discount), errors


def compute(
    books: Books, lines: list[dict[str, Any]], old_lines: list[dict[str, Any]], amounts: str, unit_places: int
) -> tuple[list[dict[str, Any]], dict[str, Any], list[str]]:
    """Every line and the document's totals (SubTotal, TotalTax, Total, TotalDiscount, IsDiscounted)."""
    by_id = {str(o.get("LineItemID", "")).lower(): o for o in old_lines}
    shown, errors, discount = [], [], ZERO
    for line in lines:
        old = by_id.get(str(line.get("LineItemID") or "").lower())
        if old is not None:
            line = {**line, "LineItemID": old["LineItemID"]}
        item, item_discount, item_errors = compute_line(books, line, old, amounts, unit_places)
        shown.append(item)
        discount += item_discount
        errors += [e for e in item_errors if e not in errors]
    line_total = sum((dec(i["LineAmount"]) for i in shown), ZERO)
    tax = sum((dec(i["TaxAmount"]) for i in shown), ZERO)
    sub = line_total - tax if amounts == "Inclusive" else line_total
    totals: dict[str, Any] = {"SubTotal": num(sub), "TotalTax": num(tax), "Total": num(sub + tax)}
    totals["IsDiscounted"] = discount > 0
    if discount > 0:
        totals["TotalDiscount"] = num(discount)
    return shown, totals, errors


def missing_accounts(lines: list[dict[str, Any]]) -> bool:
    """Whether an approved document would have a line without an account (Xero needs one on every line)."""
    return any(not line.get("AccountCode") for line in lines)
