"""The check before a document is sent to Xero (pure): contact linked and not archived, every line mapped, tax valid
for the account, every dimension value on a line mapped to an active Xero tracking option (one per category),
currency enabled, amounts consistent. A document that fails it makes no call; the refusal names
exactly what to fix (which line, which category or tax rate, which page).

The platform sends each line's tax separately (core.platform_api.documents) and says how unit amounts stand to tax,
in Xero's words: Exclusive (the default), Inclusive or NoTax. A line's amount is quantity x unit x (1 - discount), to
the cent; its tax is that amount times the rate (Exclusive) or the amount times rate / (100 + rate) (Inclusive), as
Xero rounds it, and nothing with NoTax. The document's total is the amounts plus their tax, except with Inclusive
amounts, which hold their tax already.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from core.mappings.reference import TrackingOption
from core.mappings.store import Problem, Resolved
from core.models.platform import DocumentKind

CENT = Decimal("0.01")
# Beyond this a figure is a typo (a price keyed twice, a date in an amount field), not an invoice.
ABSURD = Decimal("100000000")
UNIT_PLACES = 4  # Xero takes 4-decimal unit amounts with unitdp=4


@dataclass(frozen=True)
class ContactFacts:
    """The document's contact as the hub knows it."""

    contact_id: int
    name: str
    xero_contact_id: str | None
    xero_status: str | None  # ACTIVE, ARCHIVED or GDPRREQUEST, as last read from Xero
    create_failed: bool = False  # its create waits, failed, in the outbox (a person must look at it)


@dataclass(frozen=True)
class Lookups:
    """What the mappings and reference data say for one company, resolved once per batch."""

    accounts: Mapping[tuple[str, str], Resolved | Problem]  # (document kind, category) → account code
    taxes: Mapping[tuple[str, str, str], Resolved | Problem]  # (document kind, tax rate, category) → tax type
    rates: Mapping[str, Decimal]  # Xero tax type → effective rate (percent)
    currencies: frozenset[str]  # enabled in the organisation; empty when reference data was never read
    ready: bool = True  # Xero's accounts and tax rates were read at least once (mappings can be judged)
    # (dimension, value) → the Xero tracking option it maps to, usable now
    tracking: Mapping[tuple[str, str], TrackingOption | Problem] = field(default_factory=dict)


@dataclass(frozen=True)
class Line:
    """One line as it goes to Xero."""

    description: str
    quantity: Decimal
    unit_amount: Decimal
    discount_rate: Decimal
    account_code: str
    tax_type: str
    tax_amount: Decimal
    line_amount: Decimal
    tracking: tuple[TrackingOption, ...] = ()


@dataclass(frozen=True)
class Refusal:
    """Why the document is not sent: a sync-error cause and the detail a person acts on."""

    cause: str
    detail: str


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _amount(raw: Any) -> Decimal | None:
    try:
        value = Decimal(str(raw if raw not in (None, "") else 0))
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def _contact(contact: ContactFacts) -> Refusal | None:
    if contact.xero_status == "GDPRREQUEST":
        return Refusal(
            "contact_erased",
            "The document's contact was erased at the contact's request in Xero, so nothing more goes to it. "
            "Issue the document to another contact.",
        )
    if contact.xero_status == "ARCHIVED":
        return Refusal(
            "contact_archived",
            f"Contact {contact.name!r} is archived in Xero, and Xero takes no new documents for archived contacts. "
            "Restore it in Xero (Contacts → the contact → Restore), then retry this document.",
        )
    if contact.xero_contact_id is None and contact.create_failed:
        return Refusal(
            "preflight_failed",
            f"Contact {contact.name!r} could not be created in Xero (its own sync error says why), so the document "
            "has no contact to go to. Fix the contact's error on the Sync errors page, then retry both.",
        )
    return None


def _numbers(index: int, raw: dict[str, Any]) -> tuple[dict[str, Decimal], list[str]]:
    found, problems = {}, []
    for name, label in (
        ("quantity", "quantity"),
        ("unit_amount", "unit amount"),
        ("discount_rate", "discount rate"),
        ("tax_amount", "tax amount"),
        ("line_amount", "line amount"),
    ):
        value = _amount(raw.get(name))
        if value is None:
            problems.append(f"line {index}: the {label} {raw.get(name)!r} is not a number")
        elif value < 0:
            problems.append(
                f"line {index}: the {label} is negative ({value}); Xero documents take positive amounts (issue a "
                "credit note for money going back)"
            )
        elif abs(value) >= ABSURD:
            problems.append(f"line {index}: the {label} {value} is implausibly large; check it for a typo")
        else:
            found[name] = value
    if not problems and found["unit_amount"] != found["unit_amount"].quantize(Decimal(10) ** -UNIT_PLACES):
        problems.append(f"line {index}: the unit amount {found['unit_amount']} has more than 4 decimal places")
    if not problems and found["discount_rate"] > 100:
        problems.append(f"line {index}: the discount rate {found['discount_rate']}% is above 100%")
    return found, problems


def _tax_on(amount: Decimal, rate: Decimal, amounts: str) -> Decimal:
    """A line's tax as Xero works it out: on top of a tax-exclusive amount, or inside a tax-inclusive one."""
    return cents(amount * rate / (100 + rate)) if amounts == "Inclusive" else cents(amount * rate / 100)


def _tax_problem(
    index: int, amount: Decimal, tax: Decimal, tax_type: str, rate: Decimal | None, amounts: str
) -> str | None:
    if amounts == "NoTax":
        return None if tax == 0 else f"line {index}: a NoTax document's lines carry no tax, but this one has {tax}"
    if rate is None:
        return None
    expected = _tax_on(amount, rate, amounts)
    if abs(expected - tax) <= CENT:
        return None
    other = "Exclusive" if amounts == "Inclusive" else "Inclusive"
    if abs(_tax_on(amount, rate, other) - tax) <= CENT:
        said, meant = f"tax-{other.lower()}", f"tax-{amounts.lower()}"
        return (
            f"line {index}: the tax {tax} was worked out on a {said} price, but the document says its lines are "
            f"{meant}: {tax_type} at {rate.normalize()}% on {amount} is {expected}. Correct the line's tax, or the "
            "document's line_amount_types, in the platform and issue the change"
        )
    return (
        f"line {index}: the tax {tax} does not match {tax_type} at {rate.normalize()}% on {amount} ({expected} "
        "expected). Correct the line's tax in the platform, or map its tax rate to the right Xero tax type on the "
        "Mappings page"
    )


def _tracking(
    index: int, raw: dict[str, Any], lookups: Lookups, causes: list[str], problems: list[str]
) -> tuple[TrackingOption, ...]:
    """The line's tracking options in Xero; what is wrong with them goes to causes and problems."""
    options: list[TrackingOption] = []
    for dimension, value in sorted((raw.get("tracking") or {}).items()):
        found = lookups.tracking.get((dimension, value))
        if isinstance(found, TrackingOption):
            taken = next((o for o in options if o.category_id == found.category_id), None)
            if taken is None:
                options.append(found)
                continue
            causes.append("preflight_failed")
            problems.append(
                f"line {index}: two of its dimensions map to options of Xero's tracking category {found.category} "
                f"({taken.name} and {found.name}), and Xero takes one option per category on a line. Map the "
                f"{dimension} values to another category on the Mappings page (Tracking)"
            )
        else:
            causes.append(found.cause if found else "preflight_failed")
            said = found.message if found else f"the {dimension} {value!r} was not looked up"
            problems.append(f"line {index}: {said}")
    return tuple(options)


def check(
    kind: DocumentKind, payload: dict[str, Any], contact: ContactFacts, lookups: Lookups
) -> tuple[Line, ...] | Refusal:
    """The lines as Xero gets them, or why the document must not be sent (every problem, listed)."""
    refused = _contact(contact)
    if refused is not None:
        return refused
    raw_lines = payload.get("lines") or []
    if not raw_lines:
        return Refusal(
            "preflight_failed",
            "The document has no lines, and Xero needs at least one. Issue it again from the platform with its lines.",
        )
    amounts = str(payload.get("line_amount_types") or "Exclusive")
    causes: list[str] = []
    problems: list[str] = []
    lines: list[Line] = []
    total = Decimal(0)
    for index, raw in enumerate(raw_lines, start=1):
        category, rate_name = str(raw.get("category") or ""), str(raw.get("tax_rate") or "")
        account = lookups.accounts.get((kind.value, category))
        tax = lookups.taxes.get((kind.value, rate_name, category))
        for found in (account, tax):
            if isinstance(found, Problem):
                causes.append(found.cause)
                problems.append(f"line {index} (category {category!r}, tax rate {rate_name!r}): {found.message}")
        if account is None or tax is None:
            causes.append("preflight_failed")
            problems.append(f"line {index}: category {category!r} or tax rate {rate_name!r} was not looked up")
        tracking = _tracking(index, raw, lookups, causes, problems)
        numbers, wrong = _numbers(index, raw)
        problems += wrong
        if wrong:
            continue
        net = cents(numbers["quantity"] * numbers["unit_amount"] * (1 - numbers["discount_rate"] / 100))
        if abs(net - numbers["line_amount"]) > CENT:
            problems.append(
                f"line {index}: the line amount {numbers['line_amount']} is not quantity times unit amount less the "
                f"discount ({net}); issue the document again from the platform"
            )
        total += numbers["line_amount"] + (0 if amounts == "Inclusive" else numbers["tax_amount"])
        if isinstance(account, Resolved) and isinstance(tax, Resolved):
            rate = lookups.rates.get(tax.target)
            mismatch = _tax_problem(index, numbers["line_amount"], numbers["tax_amount"], tax.target, rate, amounts)
            problems += [mismatch] if mismatch else []
            lines.append(
                Line(
                    str(raw.get("description") or ""),
                    numbers["quantity"],
                    numbers["unit_amount"],
                    numbers["discount_rate"],
                    account.target,
                    tax.target,
                    numbers["tax_amount"],
                    numbers["line_amount"],
                    tracking,
                )
            )
    currency = str(payload.get("currency") or "")
    if lookups.currencies and currency not in lookups.currencies:
        problems.append(
            f"the currency {currency} is not enabled in the Xero organisation: add it in Xero (Settings → Currencies), "
            "refresh Xero's data on the Mappings page, then retry"
        )
    given = _amount(payload.get("total"))
    if given is not None and not problems and abs(cents(total) - given) > CENT:
        problems.append(f"the total {given} is not the lines plus their tax ({cents(total)})")
    if given is not None and given < 0:
        problems.append(f"the total {given} is negative; issue a credit note instead")
    if not problems:
        return tuple(lines)
    # One kind of mapping problem keeps its own cause (its fix is one page away); a mix is a general refusal.
    only = len(causes) == len(problems) and len(set(causes)) == 1
    cause = causes[0] if only else "preflight_failed"
    return Refusal(cause, "Not sent to Xero: " + "; ".join(p.rstrip(".") for p in problems) + ".")
