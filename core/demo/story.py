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
from datetime import timedelta

from sqlalchemy import select

from core import clock
from core.auth import Actor
from core.companies import CompanySettings
from core.connections import consent, lifecycle
from core.demo import history, trouble
from core.demo import platform_records as demo_platform
from core.demo import seed as demo_seed
from core.demo import story_sync as sync
from core.demo.seed import DEMO_PASSWORD, DemoAccount
from core.demo.simulator import Simulator
from core.hub import Hub
from core.mappings import catalog as platform_catalog
from core.models.base import Company, HubMeta, Role, StaffUser
from core.models.sync import ErrorStatus, SyncError
from core.staff.passwords import hash_password
from demodata.orgs import BONDI_BEAN, KAPITI_KAYAKS, PENNINE_BREWING, DemoOrg

MARKER = "demo_story"


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
    """Set the story up once (return True), or only re-arm what the simulator forgot on a restart (False). Only in
    the demo's own database: one the demo launcher did not create is left as it is."""
    with hub.db.read() as session:
        if not demo_seed.is_demo(session):
            return False
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
        trouble.happen(hub, simulator, *(ids[s.org.name] for s in COMPANIES), now=now)
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
        simulator.outage(KAPITI_KAYAKS.tenant_id, **trouble.OUTAGE)
