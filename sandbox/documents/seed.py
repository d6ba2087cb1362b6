"""Demo invoices and bills for an organisation's existing contacts, accounts and tax rates (deterministic)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from demodata.numbers import SeedRandom, uuid4
from sandbox import contacts, records
from sandbox.documents import calc
from sandbox.documents import contacts as document_contacts
from sandbox.documents.calc import Books, cents, dec, num
from sandbox.documents.spec import INVOICE, day_fields, settle, view
from sandbox.payments import build, save_payment, summary
from sandbox.records import Record
from sandbox.store import Store, dumps
from sandbox.wire import from_ms, to_ms

DAY_MS = 24 * 3600 * 1000
SALES_ITEMS = ("Sourdough loaves", "Celebration cake", "Catering platter", "Wholesale pastries", "Delivery",
               "Call-out fee", "Labour (hours)", "Installation", "Consultation", "Seasonal hamper", "Event staffing",
               "Maintenance visit", "Custom order", "Gift vouchers")  # fmt: skip
PURCHASE_ITEMS = ("Flour (25 kg sacks)", "Butter", "Packaging", "Fuel", "Equipment hire", "Cleaning supplies",
                  "Utilities", "Repairs", "Stationery", "Software subscription", "Insurance premium", "Van lease",
                  "Ingredients", "Copper fittings")  # fmt: skip
# (status, share): most sales are paid or awaiting payment; a few drafts, voids and deletions.
STATUS_MIX = (("PAID", 0.42), ("AUTHORISED", 0.36), ("DRAFT", 0.12), ("SUBMITTED", 0.03), ("VOIDED", 0.04),
              ("DELETED", 0.03))  # fmt: skip


def _pick_status(rng: SeedRandom) -> str:
    roll, running = rng.random(), 0.0
    for status, share in STATUS_MIX:
        running += share
        if roll < running:
            return status
    return "PAID"


def _lines(rng: SeedRandom, books: Books, codes: list[str], items: tuple[str, ...]) -> list[dict[str, Any]]:
    sent = []
    for _ in range(1 + int(rng.random() ** 2 * 4)):
        quantity = rng.choice((1, 1, 1, 2, 3, 5, 10, 12, 20))
        unit = cents(Decimal(rng.randrange(250, 40_000)) / 100)
        sent.append({"Description": rng.choice(items), "Quantity": quantity, "UnitAmount": float(unit),
                     "AccountCode": rng.choice(codes)})  # fmt: skip
    return sent


def seed_documents(store: Store, tenant_id: str, count: int, rng_seed: int) -> int:
    """Create `count` invoices (ACCREC) and bills (ACCPAY), some paid or part-paid through the main bank account,
    dated over the last six months; contacts' Balances are then recomputed from them. Returns how many were made.
    Same arguments and organisation -> the same documents (ids, numbers, amounts; dates relative to today)."""
    rng = SeedRandom(f"{rng_seed}:{tenant_id}:documents")
    now = store.now_ms()
    today = from_ms(now).date()
    with store.tx() as db:
        books = Books.load(db, tenant_id)
        people = records.find(db, tenant_id, contacts.KIND, statuses=("ACTIVE",))
        people.sort(key=lambda c: c.id)
        customers = [c for c in people if c.data.get("IsCustomer")]
        suppliers = [c for c in people if c.data.get("IsSupplier")]
        live = [a for a in books.accounts.values() if a.get("Status") == "ACTIVE" and not a.get("SystemAccount")]
        sales = sorted(a["Code"] for a in live if a["Type"] in ("REVENUE", "SALES"))
        purchases = sorted(a["Code"] for a in live if a["Type"] in ("DIRECTCOSTS", "EXPENSE", "OVERHEADS"))
        banks = sorted(
            (a for a in live if a["Type"] == "BANK" and a.get("CurrencyCode") == books.base_currency),
            key=lambda a: a["Code"],
        )
        if not (customers or suppliers) or not sales or not purchases or not banks:
            return 0
        plans = []
        for _ in range(count):
            is_sale = bool(customers) and (not suppliers or rng.random() < 0.6)
            plans.append((today - timedelta(days=rng.randrange(0, 180)), is_sale, rng.random()))
        plans.sort(key=lambda plan: plan[0])
        rows: list[tuple[str, str, Record, str, str, str | None]] = []
        counter = records.get(db, tenant_id, "Sequence", INVOICE.kind)
        number = int(counter.data["next"]) - 1 if counter else 0  # carry on from numbers already handed out
        first_number = number
        for day, is_sale, _tiebreak in plans:
            contact = rng.choice(customers if is_sale else suppliers)
            status = _pick_status(rng)
            amounts = "Exclusive" if is_sale or rng.random() < 0.6 else "Inclusive"
            sent = _lines(rng, books, sales if is_sale else purchases, SALES_ITEMS if is_sale else PURCHASE_ITEMS)
            lines, totals, errors = calc.compute(books, sent, [], amounts, 2)
            if errors:
                continue
            for item in lines:
                item["LineItemID"] = uuid4(rng)
            doc_id = uuid4(rng)
            if is_sale:
                number += 1
                invoice_number = f"INV-{number:04d}"
            else:
                invoice_number = (
                    f"{rng.choice(('SI', 'INV', 'B'))}-{rng.randrange(1000, 99999)}" if rng.random() < 0.8 else ""
                )
            due = day + timedelta(days=rng.choice((7, 14, 30, 30)))
            data: dict[str, Any] = {"Type": "ACCREC" if is_sale else "ACCPAY", "InvoiceID": doc_id,
                                    "InvoiceNumber": invoice_number, "Reference": "", "Status": status,
                                    "LineAmountTypes": amounts, "LineItems": lines, "CurrencyCode": books.base_currency,
                                    "CurrencyRate": 1.0, "HasAttachments": False, "Payments": [], "AmountPaid": 0.0,
                                    "AmountCredited": 0.0, "HasErrors": False, "CreditNotes": [], "Prepayments": [],
                                    "Overpayments": [], "_app": "",
                                    "Contact": document_contacts.summary(contact), **totals}  # fmt: skip
            data.pop("TotalDiscount", None)
            data["Date"], data["DateString"] = day_fields(day)
            data["DueDate"], data["DueDateString"] = day_fields(due)
            if is_sale and rng.random() < 0.3:
                data["Reference"] = f"PO {rng.randrange(1000, 9999)}"
            if status == "SUBMITTED" and not is_sale:
                status = data["Status"] = "AUTHORISED"
            updated = _stamp(rng, day, now)
            if status in ("PAID", "AUTHORISED") and rng.random() < (1.0 if status == "PAID" else 0.25):
                updated = _pay(db, rng, books, data, doc_id, banks[0], day, today, now, updated)
            settle(INVOICE, data)
            record = Record(doc_id, updated, data["Status"], data)
            rows.append((tenant_id, INVOICE.kind, record, contact.id, invoice_number, dumps(view(INVOICE, record))))
        records.save_many(db, rows)
        if number > first_number:
            records.save(db, tenant_id, "Sequence", Record("invoice", 0, "ACTIVE", {"next": number + 1}))
        for contact in people:
            document_contacts.refresh(db, tenant_id, contact.id, today)
    return len(rows)


def _stamp(rng: SeedRandom, day: date, now: int) -> int:
    """A last-changed time on the document's day (never in the future)."""
    return min(now - 60_000, to_ms_of(day) + rng.randrange(8, 18) * 3600 * 1000 + rng.randrange(0, 3_600_000))


def to_ms_of(day: date) -> int:
    from datetime import UTC, datetime

    return to_ms(datetime(day.year, day.month, day.day, tzinfo=UTC))


def _pay(
    db: Any,
    rng: SeedRandom,
    books: Books,
    data: dict[str, Any],
    doc_id: str,
    bank: dict[str, Any],
    day: date,
    today: date,
    now: int,
    updated: int,
) -> int:
    """Pay the document in full (PAID) or in part (AUTHORISED) on a later day; return its new last-changed time."""
    total = dec(data["Total"])
    full = data["Status"] == "PAID"
    amount = total if full else cents(total * Decimal(rng.choice((20, 25, 40, 50))) / 100)
    paid_on = min(today, day + timedelta(days=rng.randrange(1, 40)))
    stamp = max(updated, _stamp(rng, paid_on, now))
    doc = Record(doc_id, updated, "AUTHORISED", data)
    payment = build(books, INVOICE, doc, bank, amount, paid_on, {}, stamp, payment_id=uuid4(rng))
    save_payment(db, books.tenant_id, payment)
    data["Payments"] = [summary(payment)]
    data["AmountPaid"] = num(amount)
    data["Status"] = "PAID" if full else "AUTHORISED"
    if full:
        data["FullyPaidOnDate"] = day_fields(paid_on)[0]
    return stamp
