"""The platform's own line categories and tax rates per company: what document lines carry as `category` and
`tax_rate` codes, and what the Mappings page maps to Xero. The demo seeds a realistic list per country."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models.base import Company
from core.models.mappings import CategorySide, PlatformCategory, PlatformTaxRate

RATE_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Component:
    name: str
    rate: Decimal
    compound: bool = False


@dataclass(frozen=True)
class PlatformRate:
    code: str
    name: str
    effective_rate: Decimal
    components: tuple[Component, ...]


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    side: CategorySide


def effective(components: tuple[Component, ...]) -> Decimal:
    """The combined rate: simple components add up; a compound one applies on top of the simple ones (as Xero)."""
    simple = sum((c.rate for c in components if not c.compound), Decimal(0))
    compound = sum((c.rate * (1 + simple / 100) for c in components if c.compound), Decimal(0))
    return (simple + compound).quantize(RATE_PLACES)


_S, _P, _B = CategorySide.SALES, CategorySide.PURCHASES, CategorySide.BOTH
CATEGORIES = (
    Category("GOODS", "Goods sold", _S),
    Category("SERVICES", "Services and other revenue", _S),
    Category("DELIVERY", "Delivery charges", _S),
    Category("STOCK", "Stock and materials (cost of goods)", _P),
    Category("FREIGHT", "Freight and courier", _P),
    Category("RENT", "Rent", _P),
    Category("REPAIRS", "Repairs and maintenance", _P),
    Category("SUBSCRIPTIONS", "Subscriptions", _P),
    Category("GENERAL", "General expenses", _B),
)
# code|name|components as name:rate[:C for compound],...
_RATES = {
    "GB": """VAT20|Standard VAT 20%|VAT:20
VAT5|Reduced VAT 5%|VAT:5
ZERO|Zero rated|VAT:0
EXEMPT|Exempt|VAT:0
NOVAT|No VAT|VAT:0
VATSUGAR|VAT + Sugar Levy|VAT:20,Sugar Levy:2.5
VAT175|17.5% VAT (old)|VAT:17.5""",
    "AU": """GST10|GST 10%|GST:10
GSTFREE|GST free|GST:0
BASEXCL|BAS excluded|GST:0
WET|GST + Wine Equalisation Tax|GST:10,WET:29
FUEL|Fuel levy + GST|Fuel Levy:2,GST on levy:10:C""",
    "NZ": """GST15|GST 15%|GST:15
ZERO|Zero rated|GST:0
NOGST|No GST|GST:0
WASTE|GST + Waste levy|GST:15,Waste Levy:1.5
BIO|Biosecurity levy + GST|Biosecurity Levy:3,GST on levy:15:C""",
}


def demo_rates(country: str) -> list[PlatformRate]:
    """The platform's tax rates for a company in this country (the demo's list)."""
    rates = []
    for line in _RATES.get(country, _RATES["GB"]).splitlines():
        code, name, spec = line.split("|")
        parts = [part.split(":") for part in spec.split(",")]
        components = tuple(Component(bits[0], Decimal(bits[1]), len(bits) > 2) for bits in parts)
        rates.append(PlatformRate(code, name, effective(components), components))
    return rates


def seed(session: Session, company: Company) -> int:
    """Give a company the platform's categories and its country's tax rates (missing ones only); return how many."""
    known_categories = set(
        session.scalars(select(PlatformCategory.code).where(PlatformCategory.company_id == company.id))
    )
    known_rates = set(session.scalars(select(PlatformTaxRate.code).where(PlatformTaxRate.company_id == company.id)))
    added = 0
    for category in CATEGORIES:
        if category.code not in known_categories:
            session.add(
                PlatformCategory(company_id=company.id, code=category.code, name=category.name, side=category.side)
            )
            added += 1
    for rate in demo_rates(company.country):
        if rate.code not in known_rates:
            session.add(
                PlatformTaxRate(
                    company_id=company.id,
                    code=rate.code,
                    name=rate.name,
                    effective_rate=rate.effective_rate,
                    components=[{"name": c.name, "rate": str(c.rate), "compound": c.compound} for c in rate.components],
                )
            )
            added += 1
    session.flush()
    return added


def categories(session: Session, company_id: int) -> list[Category]:
    """The company's line categories, by code."""
    rows = session.scalars(
        select(PlatformCategory).where(PlatformCategory.company_id == company_id).order_by(PlatformCategory.code)
    )
    return [Category(r.code, r.name, r.side) for r in rows]


def tax_rates(session: Session, company_id: int) -> list[PlatformRate]:
    """The company's platform tax rates, by code."""
    rows = session.scalars(
        select(PlatformTaxRate).where(PlatformTaxRate.company_id == company_id).order_by(PlatformTaxRate.code)
    )
    return [
        PlatformRate(
            r.code,
            r.name,
            Decimal(r.effective_rate).quantize(RATE_PLACES),
            tuple(Component(c["name"], Decimal(str(c["rate"])), bool(c.get("compound"))) for c in r.components),
        )
        for r in rows
    ]
