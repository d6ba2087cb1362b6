"""The demo story's moving parts: the platform's events as the platform sends them, and one pass of the sidecar's
sync work done in the seed's own process (the same core functions the sidecar's jobs call), before any sidecar runs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.contacts import pull
from core.contacts import push as contact_push
from core.documents import push as document_push
from core.documents import status as document_status
from core.hub import Hub
from core.mappings import catalog as platform_catalog
from core.mappings import refresh as reference
from core.models.mappings import Mapping, MappingKind
from core.models.platform import DocumentKind, Origin, PlatformContact
from core.platform_api import events as platform

WORKER = "demo-seed"
CENT = Decimal("0.01")
MAX_TURNS = 50  # a pass never loops for ever on work that keeps coming back


def event(session: Session, company_id: int, event_id: str, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """One platform event, recorded once (the same id again is a duplicate, so the seed may run twice)."""
    return platform.handle(session, company_id=company_id, event_id=event_id, kind=kind, data=data)


def pulls(hub: Hub) -> None:
    """Every due contacts pull and reference refresh, to the end."""
    for _ in range(MAX_TURNS):
        if pull.run_once(hub, worker=WORKER) == "nothing to pull":
            break
    for _ in range(MAX_TURNS):
        if reference.run_once(hub, worker=WORKER) == "nothing to refresh":
            break


def pushes(hub: Hub) -> None:
    """One batch of supplier changes and one of documents per organisation, as the sidecar's jobs send them."""
    contact_push.push_due(hub, worker=WORKER)
    document_push.push_due(hub, worker=WORKER)


def polls(hub: Hub) -> None:
    """The 10-minute contacts poll and the documents' status poll, where due."""
    pull.schedule(hub)
    pulls(hub)
    document_status.poll_due(hub, worker=WORKER)


def linked(session: Session, company_id: int, *, suppliers: bool) -> list[PlatformContact]:
    """The company's platform suppliers (or customers) already linked to a Xero contact, in a stable order."""
    role = PlatformContact.is_supplier if suppliers else PlatformContact.is_customer
    query = select(PlatformContact).where(
        PlatformContact.company_id == company_id,
        role.is_(True),
        PlatformContact.xero_contact_id.is_not(None),
        PlatformContact.platform_id.is_not(None),
        PlatformContact.archived.is_(False),
    )
    if suppliers:
        query = query.where(PlatformContact.origin == Origin.PLATFORM)
    return list(session.scalars(query.order_by(PlatformContact.platform_id)))


def sales_rate(session: Session, company_id: int) -> tuple[str, Decimal]:
    """The platform tax rate a sales invoice uses: the highest rate mapped for sales (GST 10%, VAT 20%…)."""
    mapped = set(
        session.scalars(
            select(Mapping.source).where(
                Mapping.company_id == company_id, Mapping.kind == MappingKind.TAX, Mapping.scope == "sales"
            )
        )
    )
    rates = [r for r in platform_catalog.tax_rates(session, company_id) if r.code in mapped and len(r.components) == 1]
    best = max(rates, key=lambda r: r.effective_rate)
    return best.code, best.effective_rate


def invoice(
    number: str,
    contact: PlatformContact,
    issued: str,
    lines: list[tuple[str, int, Decimal, str]],
    rate: tuple[str, Decimal],
    *,
    taxed_at: Decimal | None = None,
    currency: str,
) -> dict[str, Any]:
    """A document.issued event's data: (description, quantity, unit amount, category) lines at one tax rate, the
    tax worked out at `taxed_at` when the platform got it wrong (the rate's own otherwise)."""
    code, percent = rate
    items = []
    for description, quantity, unit, category in lines:
        net = (unit * quantity).quantize(CENT)
        tax = (net * (percent if taxed_at is None else taxed_at) / 100).quantize(CENT)
        items.append(
            {
                "description": description,
                "quantity": quantity,
                "unit_amount": float(unit),
                "category": category,
                "tax_rate": code,
                "tax_amount": float(tax),
            }
        )
    return {
        "document_id": number.lower(),
        "kind": DocumentKind.SALES_INVOICE.value,
        "number": number,
        "contact_id": contact.platform_id,
        "issue_date": issued,
        "currency": currency,
        "lines": items,
    }
