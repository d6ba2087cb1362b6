"""The demo's story, set up for real against the built-in simulator before the sidecar starts, so every step of the
stakeholder demo has something to show on first open:

- three more companies (Bondi Bean Roasters, Kapiti Kayak Hire, Pennine Brewing), each added to the simulator and
  connected by its finance manager through Xero's consent page, with its contacts imported (a couple of ambiguous
  matches wait for review) and six days of invoices and supplier changes synced (sync runs, charts, latency);
- then the trouble Xero users make: Pennine's app disconnected in Xero (needs reconnecting, a change held), a
  supplier archived in Xero and then edited (Bondi), the Delivery category's account cleared at Bondi and Kapiti
  (the same cause at two companies), an invoice taxed at New Zealand's old 12.5% (Kapiti), Xero unavailable for
  Kapiti's supplier updates (support's to watch), and proposed bank details waiting at Bondi and Harbour Bakery.

Harbour Bakery, Kookaburra Plumbing and Tui Garden stay unconnected: the demo (and its browser tests) connect them
from scratch. Everything happens once: a marker records the story, and a second run only re-arms the simulator's
outage (its switches live in memory) while that error is still open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.auth import Actor
from core.companies import CompanySettings
from core.connections import consent, lifecycle, xero_check
from core.demo import history
from core.demo import platform_records as demo_platform
from core.demo import story_sync as sync
from core.demo.seed import DEMO_PASSWORD, DemoAccount
from core.demo.simulator import Simulator
from core.hub import Hub
from core.mappings import catalog as platform_catalog
from core.mappings import store as mappings
from core.mappings.plan import Change
from core.models.base import Company, HubMeta, Role, StaffUser
from core.models.mappings import MappingKind
from core.models.platform import PlatformContact
from core.models.sync import ErrorStatus, SyncError
from core.staff.passwords import hash_password
from demodata.orgs import BONDI_BEAN, HARBOUR_BAKERY, KAPITI_KAYAKS, PENNINE_BREWING, DemoOrg

MARKER = "demo_story"
OUTAGE = {"path": "/api.xro/2.0/Contacts", "method": "POST", "count": 500}


@dataclass(frozen=True)
class StoryCompany:
    org: DemoOrg
    manager: DemoAccount
    finance_contact_email: str


def _manager(email: str, name: str, company: str) -> DemoAccount:
    return DemoAccount(email, name, Role.FINANCE_MANAGER, company, is_company_admin=True)


COMPANIES = (
    StoryCompany(
        BONDI_BEAN,
        _manager("jarrah@bondibean.example", "Jarrah Mitchell", BONDI_BEAN.name),
        "accounts@bondibean.example",
    ),
    StoryCompany(
        KAPITI_KAYAKS,
        _manager("aroha@kapitikayaks.example", "Aroha Ngata", KAPITI_KAYAKS.name),
        "accounts@kapitikayaks.example",
    ),
    StoryCompany(
        PENNINE_BREWING,
        _manager("gareth@penninebrewing.example", "Gareth Hargreaves", PENNINE_BREWING.name),
        "finance@penninebrewing.example",
    ),
)
ACCOUNTS = tuple(c.manager for c in COMPANIES)
CURRENCY = {"AU": "AUD", "NZ": "NZD", "GB": "GBP"}


def told(hub: Hub) -> bool:
    with hub.db.read() as session:
        return session.get(HubMeta, MARKER) is not None


def run(hub: Hub, simulator: Simulator) -> bool:
    """Set the story up once (return True), or only re-arm what the simulator forgot on a restart (False)."""
    if told(hub):
        rearm(hub, simulator)
        return False
    now = clock.now()
    limits = simulator.limits()
    simulator.set_limits({**limits, "minute": 100_000})  # days of history sent in seconds
    try:
        for story in COMPANIES:
            simulator.ensure_org(story.org)
        ids = _companies(hub)
        clock.travel(now - timedelta(days=history.DAYS, hours=1))
        for story in COMPANIES:
            _connect(hub, simulator, ids[story.org.name], story)
        sync.pulls(hub)
        history.days(hub, list(ids.values()), now - timedelta(hours=2))
        _trouble(hub, simulator, ids, now)
        with hub.db.write() as session:
            session.add(HubMeta(key=MARKER, value=now.isoformat()))
    finally:
        clock.travel(None)
        simulator.set_limits(limits)
    return True


def _companies(hub: Hub) -> dict[str, int]:
    """The story's companies with their platform records, catalogue and finance managers (missing ones only)."""
    with hub.db.write() as session:
        known = {c.name: c for c in session.scalars(select(Company))}
        added: dict[str, Company] = {}
        # The demo's accounts share one password: its hash is reused (hashing again costs a noticeable fraction of
        # a second by design).
        password_hash = session.scalar(select(StaffUser.password_hash).limit(1)) or hash_password(DEMO_PASSWORD)
        for story in COMPANIES:
            if story.org.name in known:
                continue
            company = Company(
                name=story.org.name,
                country=story.org.country,
                base_currency=CURRENCY[story.org.country],
                finance_contact_email=story.finance_contact_email,
                settings=CompanySettings().to_json(),
                created_at=clock.now() - timedelta(days=history.DAYS + 1),
            )
            session.add(company)
            session.flush()
            added[company.name] = known[company.name] = company
            platform_catalog.seed(session, company)
            account = story.manager
            session.add(
                StaffUser(
                    email=account.email,
                    name=account.name,
                    role=account.role,
                    company_id=company.id,
                    is_company_admin=True,
                    password_hash=password_hash,
                    created_at=company.created_at,
                )
            )
        demo_platform.seed(session, added, tuple(s.org for s in COMPANIES))
        return {s.org.name: known[s.org.name].id for s in COMPANIES}


def _actor(hub: Hub, email: str) -> Actor:
    with hub.db.read() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.email == email))
        assert user is not None
        return Actor.of(user)


def _connect(hub: Hub, simulator: Simulator, company_id: int, story: StoryCompany) -> None:
    """The finance manager's Connect to Xero: the consent page, Xero's callback, the second pick."""
    actor = _actor(hub, story.manager.email)
    url = consent.begin(hub, actor, company_id)
    state, code = simulator.consent(url, story.manager.email, [story.org.tenant_id])
    granted = consent.complete_consent(hub, state=state, code=code, error=None, user_id=actor.user_id)
    lifecycle.confirm(hub, actor, company_id, granted.consent_id, story.org.tenant_id)


def _trouble(hub: Hub, simulator: Simulator, ids: dict[str, int], now: datetime) -> None:
    """The last two hours: what Xero users and the platform get wrong, each failing for real."""
    bondi, kapiti, pennine = (ids[s.org.name] for s in COMPANIES)
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


def rearm(hub: Hub, simulator: Simulator) -> None:
    """On a later start: the simulator forgot its fault switches, so Kapiti's outage is armed again while its sync
    error is still open (once fixed and retried, it stays fixed)."""
    with hub.db.read() as session:
        company_id = session.scalar(select(Company.id).where(Company.name == KAPITI_KAYAKS.name))
        still_open = session.scalar(
            select(SyncError.id).where(
                SyncError.company_id == company_id,
                SyncError.cause == "xero_outage",
                SyncError.status == ErrorStatus.OPEN,
            )
        )
    if still_open is not None and simulator.outages(KAPITI_KAYAKS.tenant_id) == 0:
        simulator.outage(KAPITI_KAYAKS.tenant_id, **OUTAGE)
