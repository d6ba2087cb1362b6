"""Xero's reference data as the hub keeps it: accounts, tax rates, currencies, contact groups and tracking categories,
trimmed to what mappings need (pure; stored as JSON in xero_reference)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from core.models.mappings import XeroReference

RATE_PLACES = Decimal("0.0001")
# Which CanApplyTo… flag of a tax rate covers an account of each class: where Xero ties tax types to accounts
# (UK, AU and NZ organisations), a tax type can only go on an account whose class it may apply to.
# xero-api-facts.md §5.7 (TaxRate.CanApplyToAssets/Equity/Expenses/Liabilities/Revenue).
CLASS_FLAGS = {
    "ASSET": "assets",
    "EQUITY": "equity",
    "EXPENSE": "expenses",
    "LIABILITY": "liabilities",
    "REVENUE": "revenue",
}


@dataclass(frozen=True)
class Account:
    code: str
    name: str
    type: str
    account_class: str
    status: str
    payments_enabled: bool
    tax_type: str
    currency: str
    account_id: str = ""

    @property
    def label(self) -> str:
        return f"{self.code} · {self.name}"

    @property
    def active(self) -> bool:
        return self.status == "ACTIVE"


@dataclass(frozen=True)
class TaxType:
    tax_type: str
    name: str
    status: str
    effective_rate: Decimal
    components: tuple[tuple[str, Decimal, bool], ...]
    applies_to: frozenset[str]

    @property
    def label(self) -> str:
        return f"{self.tax_type} · {self.name} ({rate_text(self.effective_rate)})"

    @property
    def active(self) -> bool:
        return self.status == "ACTIVE"


@dataclass(frozen=True)
class TrackingOption:
    """One option of a Xero tracking category (an option is usable only while both it and its category are active)."""

    option_id: str
    name: str
    status: str
    category_id: str
    category: str
    category_status: str

    @property
    def label(self) -> str:
        return f"{self.category}: {self.name}"

    @property
    def active(self) -> bool:
        return self.status == "ACTIVE" and self.category_status == "ACTIVE"

    @property
    def state(self) -> str:
        """Why it cannot be used, in words ('archived', 'in an archived category'), or 'active'."""
        if self.status != "ACTIVE":
            return self.status.lower()
        return "active" if self.category_status == "ACTIVE" else f"in a category that is {self.category_status.lower()}"


@dataclass(frozen=True)
class Reference:
    tenant_id: str
    fetched_at: datetime | None
    accounts: tuple[Account, ...]
    tax_types: tuple[TaxType, ...]
    currencies: tuple[str, ...]
    contact_groups: tuple[str, ...]
    tracking: tuple[TrackingOption, ...] = ()

    def account(self, code: str) -> Account | None:
        return next((a for a in self.accounts if a.code == code), None)

    def tax(self, tax_type: str) -> TaxType | None:
        return next((t for t in self.tax_types if t.tax_type == tax_type), None)

    def option(self, option_id: str) -> TrackingOption | None:
        """The tracking option with this id (Xero's ids in any letter case)."""
        wanted = option_id.lower()
        return next((o for o in self.tracking if o.option_id.lower() == wanted), None)


EMPTY = Reference("", None, (), (), (), ())


def rate_text(rate: Decimal) -> str:
    """12.5000 → '12.5%'."""
    text = format(rate.quantize(RATE_PLACES).normalize(), "f")
    return f"{text}%"


def account_json(raw: dict[str, Any]) -> dict[str, Any]:
    """The fields of a Xero Account the hub keeps."""
    return {
        "id": str(raw.get("AccountID") or ""),
        "code": str(raw.get("Code") or ""),
        "name": str(raw.get("Name") or ""),
        "type": str(raw.get("Type") or ""),
        "class": str(raw.get("Class") or ""),
        "status": str(raw.get("Status") or "ACTIVE"),
        "payments": bool(raw.get("EnablePaymentsToAccount")),
        "tax_type": str(raw.get("TaxType") or ""),
        "currency": str(raw.get("CurrencyCode") or ""),
    }


def tax_json(raw: dict[str, Any]) -> dict[str, Any]:
    """The fields of a Xero TaxRate the hub keeps."""
    flags = {"assets", "equity", "expenses", "liabilities", "revenue"}
    return {
        "tax_type": str(raw.get("TaxType") or ""),
        "name": str(raw.get("Name") or ""),
        "status": str(raw.get("Status") or "ACTIVE"),
        "effective_rate": str(Decimal(str(raw.get("EffectiveRate") or 0)).quantize(RATE_PLACES)),
        "components": [
            {"name": str(c.get("Name") or ""), "rate": str(c.get("Rate") or 0), "compound": bool(c.get("IsCompound"))}
            for c in raw.get("TaxComponents") or []
        ],
        "applies_to": sorted(f for f in flags if raw.get(f"CanApplyTo{f.capitalize()}")),
    }


def tracking_json(raw: dict[str, Any]) -> dict[str, Any]:
    """The fields of a Xero TrackingCategory (with its options) the hub keeps."""
    return {
        "id": str(raw.get("TrackingCategoryID") or ""),
        "name": str(raw.get("Name") or ""),
        "status": str(raw.get("Status") or "ACTIVE"),
        "options": [
            {
                "id": str(o.get("TrackingOptionID") or ""),
                "name": str(o.get("Name") or ""),
                "status": str(o.get("Status") or "ACTIVE"),
            }
            for o in raw.get("Options") or []
        ],
    }


def from_rows(
    tenant_id: str,
    fetched_at: datetime | None,
    accounts: list[dict[str, Any]],
    tax_rates: list[dict[str, Any]],
    currencies: list[dict[str, Any]],
    groups: list[dict[str, Any]],
    tracking: list[dict[str, Any]] | None = None,
) -> Reference:
    """The typed reference data from what xero_reference stores."""
    return Reference(
        tenant_id=tenant_id,
        fetched_at=fetched_at,
        accounts=tuple(
            Account(
                code=a["code"],
                name=a["name"],
                type=a["type"],
                account_class=a["class"],
                status=a["status"],
                payments_enabled=bool(a["payments"]),
                tax_type=a["tax_type"],
                currency=a["currency"],
                account_id=a.get("id", ""),
            )
            for a in accounts
            if a.get("code")  # Xero accounts without a code cannot go on a line
        ),
        tax_types=tuple(
            TaxType(
                tax_type=t["tax_type"],
                name=t["name"],
                status=t["status"],
                effective_rate=Decimal(t["effective_rate"]),
                components=tuple((c["name"], Decimal(c["rate"]), bool(c["compound"])) for c in t["components"]),
                applies_to=frozenset(t["applies_to"]),
            )
            for t in tax_rates
        ),
        currencies=tuple(c["code"] for c in currencies),
        contact_groups=tuple(g["name"] for g in groups),
        tracking=tuple(
            TrackingOption(o["id"], o["name"], o["status"], c["id"], c["name"], c["status"])
            for c in tracking or []
            for o in c["options"]
            if o.get("id")
        ),
    )


def load(session: Session, company_id: int) -> Reference:
    """The company's reference data as last fetched (kept across disconnects), or an empty one."""
    row = session.get(XeroReference, company_id)
    if row is None:
        return EMPTY
    return from_rows(
        row.tenant_id,
        row.fetched_at,
        row.accounts,
        row.tax_rates,
        row.currencies,
        row.contact_groups,
        row.tracking_categories,
    )
