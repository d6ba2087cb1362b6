"""The demo story's trouble, in its last two hours: what Xero users and the platform get wrong, each failing for real
against the simulator so the sync errors, their causes and "fix once, retry all" work as they do in use."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.auth import Actor
from core.connections import xero_check
from core.demo import history
from core.demo import story_sync as sync
from core.demo.simulator import Simulator
from core.hub import Hub
from core.mappings import store as mappings
from core.mappings.plan import Change
from core.models.base import Company, StaffUser
from core.models.mappings import MappingKind
from core.models.platform import PlatformContact
from demodata.orgs import BONDI_BEAN, HARBOUR_BAKERY, KAPITI_KAYAKS, PENNINE_BREWING

# Xero answers 503 to Kapiti's supplier updates for a long while (the sidecar backs off to 15 minutes between tries).
OUTAGE = {"path": "/api.xro/2.0/Contacts", "method": "POST", "count": 500}


def happen(hub: Hub, simulator: Simulator, bondi: int, kapiti: int, pennine: int, *, now: datetime) -> None:
    """The last two hours before `now`: what Xero users and the platform get wrong, each failing for real."""
    clock.travel(now - timedelta(minutes=110))
    simulator.revoke(PENNINE_BREWING.tenant_id)  # someone disconnected the app in Xero's connected apps
    xero_check.check_all(hub, worker=sync.WORKER)
    clock.travel(now - timedelta(minutes=100))
    with hub.db.write() as session:
        supplier = sync.linked(session, pennine, suppliers=True)[1]
        data = {"supplier_id": supplier.platform_id, "email": f"orders@{_domain(supplier.name)}"}
        sync.event(session, pennine, "story-pennine-held", "supplier.changed", data)  # held until reconnected

    clock.travel(now - timedelta(minutes=80))
    with hub.db.write() as session:  # archived in Xero, then the platform sends the supplier's new bank details
        supplier = sync.linked(session, bondi, suppliers=True)[2]
        xero_id, platform_id = supplier.xero_contact_id, supplier.platform_id
    assert xero_id is not None
    simulator.contact_action(BONDI_BEAN.tenant_id, xero_id, "archive")
    with hub.db.write() as session:
        data = {"supplier_id": platform_id, "bank_account": "062-000 12345678"}
        sync.event(session, bondi, "story-bondi-archived", "supplier.changed", data)
        for company_id in (bondi, kapiti):  # "I'll pick a better account for Delivery later"
            account = session.scalar(select(StaffUser).where(StaffUser.company_id == company_id))
            assert account is not None
            clear = Change(MappingKind.ACCOUNT, "sales_invoice", "DELIVERY", None)
            mappings.save(session, Actor.of(account), company_id, [clear], note="Choosing a better account")
    clock.travel(now - timedelta(minutes=78))
    sync.pushes(hub)

    clock.travel(now - timedelta(minutes=60))
    with hub.db.write() as session:
        _invoices(session, bondi, kapiti)
    clock.travel(now - timedelta(minutes=58))
    sync.pushes(hub)

    # Xero unavailable for Kapiti's supplier updates: quiet twice, a sync error on the third failure.
    simulator.outage(KAPITI_KAYAKS.tenant_id, **OUTAGE)
    with hub.db.write() as session:
        supplier = sync.linked(session, kapiti, suppliers=True)[1]
        data = {"supplier_id": supplier.platform_id, "phones": [{"type": "DEFAULT", "number": "+64 4 555 7788"}]}
        sync.event(session, kapiti, "story-kapiti-outage", "supplier.changed", data)
    for minutes in (45, 40, 30):
        clock.travel(now - timedelta(minutes=minutes))
        sync.pushes(hub)

    clock.travel(now - timedelta(minutes=20))
    with hub.db.write() as session:
        _proposal(session, bondi, "story-proposal-bondi", "P-AU")
        harbour = session.scalar(select(Company.id).where(Company.name == HARBOUR_BAKERY.name))
        if harbour is not None:
            _proposal(session, harbour, "story-proposal-harbour", "P-GB")


def _invoices(session: Session, bondi: int, kapiti: int) -> None:
    """Invoices the platform issues now: Delivery lines at both (no account mapped any more), and one of Kapiti's
    with GST worked out at the old 12.5% instead of 15%."""
    for company_id, count in ((bondi, 2), (kapiti, 1)):
        company = session.get(Company, company_id)
        assert company is not None
        customers = sync.linked(session, company_id, suppliers=False)
        rate = sync.sales_rate(session, company_id)
        for n in range(count):
            description, price = history.GOODS[company.country][n]
            lines = [(description, 2, Decimal(price), "GOODS"), ("Delivery", 1, Decimal("18.00"), "DELIVERY")]
            number = f"INV-{company_id}9{n:02d}"
            data = sync.invoice(
                number,
                customers[n % len(customers)],
                clock.now().date().isoformat(),
                lines,
                rate,
                currency=company.base_currency,
            )
            sync.event(session, company_id, f"story-{number}", "document.issued", data)
    company = session.get(Company, kapiti)
    assert company is not None
    customers = sync.linked(session, kapiti, suppliers=False)
    lines = [("Guided paddle tour", 4, Decimal("120.00"), "SERVICES")]
    data = sync.invoice(
        f"INV-{kapiti}950",
        customers[0],
        clock.now().date().isoformat(),
        lines,
        sync.sales_rate(session, kapiti),
        taxed_at=Decimal("12.5"),
        currency=company.base_currency,
    )
    sync.event(session, kapiti, f"story-INV-{kapiti}950", "document.issued", data)


def _proposal(session: Session, company_id: int, proposal_id: str, prefix: str) -> None:
    """A supplier proposes new bank details through the platform; a finance user reviews the difference."""
    supplier = session.scalar(
        select(PlatformContact)
        .where(
            PlatformContact.company_id == company_id,
            PlatformContact.is_supplier.is_(True),
            PlatformContact.platform_id.like(f"{prefix}-0%"),
            PlatformContact.bank_account.is_not(None),
        )
        .order_by(PlatformContact.platform_id)
        .limit(1)
    )
    if supplier is None:
        return
    data = {
        "proposal_id": proposal_id,
        "supplier_id": supplier.platform_id,
        "changes": {"bank_account": "20-32-06 73914826" if prefix == "P-GB" else "062-914 10029384"},
    }
    sync.event(session, company_id, proposal_id, "supplier.proposed_update", data)


def _domain(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())[:24] + ".example"
