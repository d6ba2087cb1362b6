"""A hub beside a simulator process, as the benchmarks and the chaos run use them: the simulator on a free port, a
fresh migrated hub database (SQLite, or a throwaway database on a PostgreSQL server), an admin to act as, and
companies connected to new organisations through real consents."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import create_engine, delete, select, text
from sqlalchemy.engine import make_url

from core import clock, companies, migrate
from core.auth import Actor
from core.connections import consent
from core.connections import lifecycle as connections
from core.db import Database
from core.hub import Hub
from core.mappings import catalog as platform_catalog
from core.mappings import refresh as reference
from core.models.base import Company, Role, StaffUser
from core.models.sync import XeroBudget
from core.settings import load
from demodata import orgs as seed
from tests import control
from tests.conftest import TEST_ENV
from tests.sandbox.conftest import REDIRECT, Simulator
from tests.stack import free_port

# "Off": far above anything a benchmark does. XERO: Xero's published limits per organisation and per app.
LIMITS_OFF = {"concurrent": 1000, "minute": 10**9, "day": 10**9, "appMinute": 10**9}
LIMITS_XERO = {"concurrent": 5, "minute": 60, "day": 5000, "appMinute": 10_000}
ADMIN_EMAIL = "bench-admin@hub.example"


def start_simulator(folder: Path, **env: str) -> Simulator:
    """A simulator process on a free port with its own data folder (env: SANDBOX_* settings for it)."""
    os.environ.update(env)  # Simulator.start passes this process's environment on
    return Simulator(f"http://127.0.0.1:{free_port()}", folder).start()


def set_limits(sim: Simulator, limits: dict[str, int]) -> None:
    """Change the simulator's rate limits (its counters restart)."""
    sim.control("POST", "/limits", **limits)


def restart_limits(sim: Simulator, hub: Hub, limits: dict[str, int]) -> None:
    """Change the simulator's limits mid-run. Its counters restart, so the hub's copy of them (the budget rows,
    still holding the window the setup calls began) starts over too: real Xero never restarts a window early, and
    a stale start made the hub resume one window too soon (a 429 at the 61st call)."""
    set_limits(sim, limits)
    with hub.db.write() as session:
        session.execute(delete(XeroBudget))


def slow_answers(sim: Simulator, tenant_id: str | None, resource: str, seconds: float, count: int = 10**9) -> None:
    """The simulator answers this organisation's (None: every organisation's) calls to an Accounting API resource
    ("": to any) after `seconds` (real Xero takes seconds for a batch of 50 documents); `DELETE /_sandbox/faults`
    ends it."""
    fault = {"kind": "latency", "seconds": seconds, "count": count, "tenantId": tenant_id,
             "path": f"/api.xro/2.0/{resource}"}  # fmt: skip
    control.post(f"{sim.url}/_sandbox/faults", json=fault, timeout=30).raise_for_status()


def new_org(sim: Simulator, name: str, contacts: int, emails: Sequence[str], seed_no: int = 1) -> str:
    """A generated organisation whose Xero users (password seed.DEMO_PASSWORD) are all admins; its tenant id."""
    users = [{"email": email, "role": "admin"} for email in emails]
    return sim.control("POST", "/orgs", name=name, country="GB", contacts=contacts, seed=seed_no, users=users)[
        "tenantId"
    ]


def access_token(sim: Simulator, email: str, tenant: str) -> str:
    """An access token of the hub's app for one organisation, through the consent page (for plain clients)."""
    code = sim.consent(email, [tenant])
    answer = sim.token(grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def request_log(sim: Simulator, since: int = 0) -> list[dict[str, Any]]:
    """Every logged request after sequence number `since` (the simulator keeps the last 5,000)."""
    rows: list[dict[str, Any]] = []
    while True:
        page = control.get(f"{sim.url}/_sandbox/requests", params={"since": since, "limit": 10_000}, timeout=60).json()
        if not page:
            return rows
        rows += page
        since = page[-1]["seq"]


def last_seq(sim: Simulator) -> int:
    rows = request_log(sim)
    return rows[-1]["seq"] if rows else 0


@contextmanager
def fresh_database(server_url: str | None, folder: Path) -> Iterator[str]:
    """A migrated, empty hub database: a SQLite file in `folder`, or a throwaway database on the PostgreSQL server
    at `server_url`, dropped afterwards."""
    if not server_url or server_url.startswith("sqlite"):
        url = f"sqlite:///{folder / 'hub.db'}"
        _migrate(url)
        yield url
        return
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    name = f"hub_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        _migrate(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass(frozen=True)
class Setup:
    url: str
    env: dict[str, str]
    hub: Hub
    actor: Actor


@contextmanager
def hub_beside(sim: Simulator, server_url: str | None, folder: Path) -> Iterator[Setup]:
    """A fresh hub database next to the simulator, an admin to act as, and the simulator's limits lifted for setup."""
    with fresh_database(server_url, folder) as url:
        print(f"database: {Database(url).label}, simulator: {sim.url}\n", flush=True)
        env = hub_env(url, folder, sim.url)
        hub = open_hub(env)
        set_limits(sim, LIMITS_OFF)
        yield Setup(url, env, hub, admin(hub))


def _migrate(url: str) -> None:
    database = Database(url)
    migrate.upgrade(database)
    database.dispose()


def hub_env(database_url: str, folder: Path, sim_url: str) -> dict[str, str]:
    """The environment a hub process (this one, a child, the sidecar) runs with."""
    return {
        **TEST_ENV,
        "DATABASE_URL": database_url,
        "HUB_DATA_DIR": str(folder),
        "XERO_IDENTITY_URL": sim_url,
        "XERO_API_URL": sim_url,
    }


def open_hub(env: dict[str, str]) -> Hub:
    settings = load(env)
    return Hub(settings=settings, db=Database(settings.database_url.value))


def admin(hub: Hub) -> Actor:
    """A hub admin (may add and connect any company), created on first use."""
    with hub.db.write() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.email == ADMIN_EMAIL))
        if user is None:
            user = StaffUser(email=ADMIN_EMAIL, name="Benchmark Admin", role=Role.ADMIN, created_at=clock.now())
            session.add(user)
            session.flush()
        return Actor.of(user)


def add_company(hub: Hub, actor: Actor, name: str, *, policy: str | None = None) -> int:
    with hub.db.write() as session:
        company = companies.create(session, actor, name=name, country="GB", base_currency="GBP")
        if policy:
            company.settings = {**(company.settings or {}), "contact_import_policy": policy}
        return company.id


def connect(hub: Hub, actor: Actor, company_id: int, tenant: str, email: str) -> None:
    """Connect the company as a person would: Connect to Xero, sign in and Allow in Xero, pick the organisation
    (this queues the initial import)."""
    url = consent.begin(hub, actor, company_id)
    params = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    with httpx.Client(base_url=url.split("/identity/")[0], timeout=30) as browser:
        browser.post(
            "/identity/connect/authorize",
            data={**params, "action": "login", "email": email, "password": seed.DEMO_PASSWORD},
        )
        answer = browser.post("/identity/connect/authorize", data={**params, "action": "allow", "tenant": [tenant]})
    assert answer.status_code == 302, answer.text
    back = {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["location"]).query).items()}
    granted = consent.complete_consent(hub, state=back["state"], code=back["code"], error=None)
    connections.confirm(hub, actor, company_id, granted.consent_id, tenant)


def ready_company(sim: Simulator, hub: Hub, actor: Actor, name: str, contacts: int) -> tuple[int, str, str]:
    """A company connected to a new organisation (with `contacts` contacts), the platform's catalogue seeded and Xero's
    reference data read (so default mappings are suggested): its id, the tenant and the Xero user's email."""
    email = f"{name.lower().replace(' ', '-')}@bench.example"
    tenant = new_org(sim, name, contacts, [email])
    company_id = add_company(hub, actor, name)
    with hub.db.write() as session:
        company = session.get(Company, company_id)
        assert company is not None
        platform_catalog.seed(session, company)
    connect(hub, actor, company_id, tenant, email)
    while reference.run_once(hub, worker="bench-setup") != "nothing to refresh":
        pass
    return company_id, tenant, email
