"""Reference data from Xero per organisation: one pass is six GETs (Organisation, for its short code; Accounts,
TaxRates, Currencies, ContactGroups, TrackingCategories with archived ones), stored with the time it was fetched,
then the mapping watchdog compares mappings with it.

Refreshed right after connecting, hourly by the sidecar, and on demand (a run a person asks for)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from core import audit, clock
from core.auth import Actor, Permission, allowed, require
from core.hub import Hub
from core.mappings import watch as mappings_watch
from core.mappings.reference import Reference, account_json, load, tax_json, tracking_json
from core.models.mappings import XeroReference
from core.models.sync import Connection, ConnectionState, RunState, SyncRun
from core.sync import runs
from core.xero import resources
from core.xero.outcomes import ReconnectNeeded, RetryAfter, XeroProblem
from core.xero_access import gate

JOB = "reference_refresh"
EVERY = timedelta(hours=1)
CALLS_PER_PASS = 6


def request_refresh(session: Session, actor: Actor, company_id: int) -> str:
    """A person asks for a refresh now; the sidecar does it within seconds."""
    require(actor, Permission.VIEW_COMPANY, company_id)
    if not allowed(actor, Permission.TRIAGE_ERRORS, company_id):  # support may refresh too: it only reads Xero
        require(actor, Permission.EDIT_MAPPINGS, company_id)
    connection = session.scalar(select(Connection).where(Connection.company_id == company_id))
    if connection is None or connection.state is not ConnectionState.CONNECTED:
        return "Not refreshed: the company is not connected to Xero. Reconnect first; the refresh follows by itself."
    runs.request(session, company_id=company_id, job=JOB, requested_by=actor.user_id)
    audit.record(session, actor=actor, action="reference_refresh_requested", company_id=company_id)
    return (
        "Refresh from Xero asked for: the accounts, tax rates, currencies and tracking categories update within a "
        "few seconds."
    )


def fetch(xero: Any) -> dict[str, Any]:
    """One pass over the organisation's reference data: six GETs."""
    short_code = str(xero.organisation().get("ShortCode") or "")[:20]
    accounts = xero.list(resources.ACCOUNTS)
    tax_rates = xero.list(resources.TAX_RATES)
    currencies = xero.request("GET", "/Currencies").get("Currencies", [])
    groups = xero.list(resources.CONTACT_GROUPS)
    # Archived ones too, so a mapping to an option archived since is recognised as such (not as deleted).
    tracking = xero.list(resources.TRACKING_CATEGORIES, params={"includeArchived": "true"})
    return {
        "short_code": short_code,
        "accounts": [account_json(a) for a in accounts],
        "tax_rates": [tax_json(t) for t in tax_rates],
        "currencies": [
            {"code": str(c.get("Code") or ""), "description": str(c.get("Description") or "")} for c in currencies
        ],
        "contact_groups": [
            {"id": str(g.get("ContactGroupID") or ""), "name": str(g.get("Name") or ""), "status": g.get("Status")}
            for g in groups
        ],
        "tracking_categories": [tracking_json(t) for t in tracking],
    }


def store(session: Session, company_id: int, tenant_id: str, data: dict[str, Any]) -> Reference:
    """Keep what Xero returned (replacing the last pass); return the previous reference data."""
    before = load(session, company_id)
    row = session.get(XeroReference, company_id)
    if row is None:
        row = XeroReference(company_id=company_id)
        session.add(row)
    row.tenant_id, row.fetched_at = tenant_id, clock.now()
    row.accounts, row.tax_rates = data["accounts"], data["tax_rates"]
    row.currencies, row.contact_groups = data["currencies"], data["contact_groups"]
    row.tracking_categories = data.get("tracking_categories") or []
    row.short_code = data.get("short_code") or None
    session.flush()
    mappings_watch.after_refresh(session, company_id, first=before.fetched_at is None)
    return before


def refresh(hub: Hub, company_id: int, *, worker: str) -> str:
    """Read the organisation's reference data from Xero and store it (six calls, no transaction around them)."""
    with hub.db.read() as session:
        connection = session.scalar(select(Connection).where(Connection.company_id == company_id))
        if connection is None or connection.state is not ConnectionState.CONNECTED or not connection.tenant_id:
            raise ReconnectNeeded("the company is not connected to Xero")
        connection_id, tenant_id = connection.id, connection.tenant_id
    with gate.organisation(hub, connection_id, worker=worker) as xero:
        data = fetch(xero)
    with hub.db.write() as session:
        store(session, company_id, tenant_id, data)
    return (
        f"{len(data['accounts'])} accounts, {len(data['tax_rates'])} tax rates, "
        f"{len(data['currencies'])} currencies, {len(data['contact_groups'])} contact groups, "
        f"{len(data['tracking_categories'])} tracking categories"
    )


def run_once(hub: Hub, *, worker: str) -> str:
    """Claim one due refresh and do it; say what happened (for the sidecar's job record)."""
    run = runs.claim(hub.db, worker=worker, jobs=(JOB,))
    if run is None:
        return "nothing to refresh"
    seconds, state = 0, RunState.DONE
    try:
        outcome = refresh(hub, run.company_id, worker=worker)
    except ReconnectNeeded as problem:
        outcome, state = f"Stopped: {problem.message}", RunState.FAILED
    except RetryAfter as wait:
        outcome, state, seconds = wait.message, RunState.QUEUED, wait.seconds
    except XeroProblem as problem:  # an outage: try again in a minute
        outcome, state, seconds = f"Will retry: {problem.message}", RunState.QUEUED, 60
    with hub.db.write() as session:
        due = clock.now() + timedelta(seconds=seconds) if seconds else None
        runs.settle(session, run.id, worker=worker, state=state, outcome=outcome, not_before=due)
        stored = session.get(SyncRun, run.id)
        if stored is not None and state is RunState.DONE:
            stored.api_calls, stored.records = CALLS_PER_PASS, 1
    return f"{JOB} for company {run.company_id}: {outcome}"


def schedule(hub: Hub) -> str:
    """Ask for the hourly refresh of every connected company whose reference data is older than an hour and that was
    not asked for within the hour (a failed pass is not retried every tick): one query, the oldest data first."""
    due_before = clock.now() - EVERY
    c = Connection
    stale = or_(XeroReference.fetched_at.is_(None), XeroReference.fetched_at <= due_before)
    asked = exists().where(SyncRun.company_id == c.company_id, SyncRun.job == JOB, SyncRun.requested_at > due_before)
    due = (
        select(c.company_id)
        .outerjoin(XeroReference, XeroReference.company_id == c.company_id)
        .where(c.state == ConnectionState.CONNECTED, stale, ~asked)
        .order_by(XeroReference.fetched_at.is_not(None), XeroReference.fetched_at, c.id)
    )
    if hub.db.dialect == "postgresql":
        due = due.with_for_update(of=c, skip_locked=True)  # two sidecars: each company asked for by one of them
    with hub.db.write() as session:
        companies = list(session.scalars(due))
        for company_id in companies:
            runs.request(session, company_id=company_id, job=JOB)
    return f"{len(companies)} reference refreshes asked for"
