"""The demo's invoice form: realistic defaults, and a sales invoice issued as the platform issues one (a
document.issued event through core.platform_api.events), so the stakeholder demo shows a document travel to Xero."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, clock, companies
from core.auth import Actor, Permission, require
from core.documents.actions import DocumentError
from core.mappings import catalog as platform_catalog
from core.mappings.rules import side_of
from core.models.base import Company
from core.models.mappings import CategorySide, Mapping, MappingKind
from core.models.platform import DocumentKind, PlatformContact
from core.platform_api import events as platform
from core.platform_api.checks import PlatformInputError

CENT = Decimal("0.01")
SALES = DocumentKind.SALES_INVOICE


@dataclass(frozen=True)
class Choice:
    code: str
    label: str
    mapped: bool


@dataclass(frozen=True)
class DemoDefaults:
    """What the demo invoice form offers: the company's platform customers, sales categories and tax rates."""

    customers: tuple[tuple[int, str], ...]
    categories: tuple[Choice, ...]
    rates: tuple[Choice, ...]
    currency: str


def demo_defaults(session: Session, actor: Actor, company_id: int) -> DemoDefaults:
    """Realistic defaults: customers linked to Xero first, mapped categories and tax rates first."""
    company = companies.get(session, actor, company_id)
    customers = session.scalars(
        select(PlatformContact)
        .where(
            PlatformContact.company_id == company_id,
            PlatformContact.is_customer.is_(True),
            PlatformContact.archived.is_(False),
            PlatformContact.platform_id.is_not(None),
        )
        .order_by(PlatformContact.xero_contact_id.is_(None), PlatformContact.name)
        .limit(200)
    )
    mapped = {
        (m.kind, m.scope, m.source)
        for m in session.scalars(
            select(Mapping).where(Mapping.company_id == company_id, Mapping.stale_reason.is_(None))
        )
    }
    categories = [
        Choice(c.code, c.name, (MappingKind.ACCOUNT, SALES.value, c.code) in mapped)
        for c in platform_catalog.categories(session, company_id)
        if c.side in (CategorySide.SALES, CategorySide.BOTH)
    ]
    rates = [
        Choice(
            r.code, f"{r.name} ({r.effective_rate.normalize():f}%)", (MappingKind.TAX, side_of(SALES), r.code) in mapped
        )
        for r in sorted(
            platform_catalog.tax_rates(session, company_id), key=lambda r: (len(r.components) > 1, -r.effective_rate)
        )
    ]
    return DemoDefaults(
        customers=tuple((c.id, c.name + (" (in Xero)" if c.xero_contact_id else "")) for c in customers),
        categories=tuple(sorted(categories, key=lambda c: not c.mapped)),
        rates=tuple(sorted(rates, key=lambda r: not r.mapped)),
        currency=company.base_currency,
    )


def issue_demo_invoice(
    session: Session,
    actor: Actor,
    company_id: int,
    *,
    contact_id: int,
    description: str,
    quantity: str,
    unit_amount: str,
    category: str,
    tax_rate: str,
) -> dict[str, Any]:
    """For the demo: issue a sales invoice as the platform does (a document.issued event), with its tax worked out
    from the platform's rate; the sidecar pushes it to Xero within seconds. Returns the number and the outcome."""
    require(actor, Permission.EDIT_MAPPINGS, company_id)
    contact = session.get(PlatformContact, contact_id)
    if contact is None or contact.company_id != company_id or not contact.platform_id:
        raise DocumentError("Pick one of the company's platform customers for the invoice.")
    rate = next((r for r in platform_catalog.tax_rates(session, company_id) if r.code == tax_rate), None)
    if rate is None:
        raise DocumentError(f"The tax rate {tax_rate!r} is not one of the platform's rates. Pick one from the list.")
    try:
        net = (Decimal(quantity) * Decimal(unit_amount)).quantize(CENT)
    except InvalidOperation:
        raise DocumentError(
            "Quantity and unit price must be numbers, such as 2 and 45.50. Nothing was issued."
        ) from None
    today = clock.now().date()
    number = f"DEMO-{secrets.token_hex(3).upper()}"
    line = {
        "description": description.strip() or "Demo line",
        "quantity": float(quantity),  # the platform API takes JSON numbers
        "unit_amount": float(unit_amount),
        "category": category,
        "tax_rate": tax_rate,
        "tax_amount": float((net * rate.effective_rate / 100).quantize(CENT)),
    }
    data = {
        "document_id": number.lower(),
        "kind": SALES.value,
        "number": number,
        "contact_id": contact.platform_id,
        "issue_date": today.isoformat(),
        "due_date": (today + timedelta(days=14)).isoformat(),
        "currency": session.get(Company, company_id).base_currency,
        "lines": [line],  # type: ignore[union-attr]
    }
    try:
        result = platform.handle(
            session, company_id=company_id, event_id=f"hub-demo-{number}", kind="document.issued", data=data
        )
    except PlatformInputError as exc:
        raise DocumentError(f"The invoice was not issued: {exc.field.removeprefix('data.')} {exc.message}.") from None
    audit.record(
        session,
        actor=actor,
        action="demo_invoice_issued",
        company_id=company_id,
        target=f"{number} to {contact.name}",
        after={"total": result["total"], "sync": result["sync"]},
    )
    return {"number": number, "id": result["id"], "total": result["total"], "sync": result["sync"]}
