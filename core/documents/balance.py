"""Off balance, the pure part: a customer's outstanding total per currency in the platform and in Xero, and whether
they differ by more than 0.01 (DESIGN's Decisions)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from core.models.platform import DocumentKind

TOLERANCE = Decimal("0.01")
CENT = Decimal("0.01")
ZERO = Decimal(0)


@dataclass(frozen=True)
class Doc:
    """A platform sales document of the customer: what it adds to (invoice) or takes from (credit note) the balance."""

    kind: DocumentKind
    currency: str
    total: Decimal
    voided: bool = False
    paid: Decimal = ZERO  # the platform's payments against it


@dataclass(frozen=True)
class Balance:
    off: bool
    currency: str | None  # the currency the figures are in (the one that differs, else the customer's)
    platform: Decimal
    xero: Decimal


def platform_outstanding(docs: Iterable[Doc]) -> dict[str, Decimal]:
    """Per currency: invoices' totals less their payments, less credit notes' totals less refunds; voids count nil."""
    found: dict[str, Decimal] = {}
    for doc in docs:
        if doc.voided or doc.kind not in (DocumentKind.SALES_INVOICE, DocumentKind.CUSTOMER_CREDIT_NOTE):
            continue
        sign = 1 if doc.kind is DocumentKind.SALES_INVOICE else -1
        found[doc.currency] = found.get(doc.currency, ZERO) + sign * (doc.total - doc.paid)
    return {currency: amount.quantize(CENT) for currency, amount in found.items()}


def xero_outstanding(
    invoices: Iterable[dict[str, object]], credit_notes: Iterable[dict[str, object]]
) -> dict[str, Decimal]:
    """Per currency from Xero's answers: approved sales invoices' AmountDue less credit notes' RemainingCredit."""
    found: dict[str, Decimal] = {}
    for rows, field, sign in ((invoices, "AmountDue", 1), (credit_notes, "RemainingCredit", -1)):
        for row in rows:
            if row.get("Status") != "AUTHORISED" or row.get("Type") not in ("ACCREC", "ACCRECCREDIT"):
                continue
            currency = str(row.get("CurrencyCode") or "")
            found[currency] = found.get(currency, ZERO) + sign * Decimal(str(row.get(field) or 0))
    return {currency: amount.quantize(CENT) for currency, amount in found.items()}


def compare(platform: dict[str, Decimal], xero: dict[str, Decimal], *, preferred: str | None = None) -> Balance:
    """Off balance when any currency differs by more than 0.01; the figures shown are that currency's (the first by
    code), else the preferred currency's (the customer's usual one)."""
    currencies = sorted(set(platform) | set(xero))
    differing = [c for c in currencies if abs(platform.get(c, ZERO) - xero.get(c, ZERO)) > TOLERANCE]
    currency = differing[0] if differing else preferred if preferred in currencies or not currencies else currencies[0]
    return Balance(
        off=bool(differing),
        currency=currency,
        platform=platform.get(currency or "", ZERO),
        xero=xero.get(currency or "", ZERO),
    )
