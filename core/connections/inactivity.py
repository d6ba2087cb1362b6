"""Connections nobody uses: warnings at 45 and 55 days without activity, an automatic disconnect at 60.

Activity is a document or supplier change synced, or a staff action on the company (core.activity). The plan is a
pure function of the connections and today, so the thresholds are tested without a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from core import audit, clock
from core.alerts import notify
from core.auth import SYSTEM
from core.connections import lifecycle as connections
from core.hub import Hub
from core.models.base import Company
from core.models.sync import Connection, ConnectionState

WARN_AT_DAYS = (45, 55)
DISCONNECT_AT_DAYS = 60
# Kept as the connection's state reason: how a disconnect is known to be this one (core.connections.banner).
AUTO_DISCONNECT_REASON = f"Disconnected automatically after {DISCONNECT_AT_DAYS} days without activity."


@dataclass(frozen=True)
class Step:
    """What today means for one connection: a warning at `days`, or the disconnect."""

    company_id: int
    days: int
    disconnect: bool


def plan(rows: list[tuple[int, datetime, int | None]], now: datetime) -> list[Step]:
    """(company, last activity, warning already sent) → the warnings and disconnects due today, each once."""
    steps = []
    for company_id, last_activity, warned in rows:
        idle = (now - last_activity).days
        if idle >= DISCONNECT_AT_DAYS:
            steps.append(Step(company_id, idle, disconnect=True))
            continue
        due = max((d for d in WARN_AT_DAYS if idle >= d), default=None)
        if due is not None and (warned or 0) < due:
            steps.append(Step(company_id, due, disconnect=False))
    return steps


def days_left(last_activity: datetime | None, now: datetime | None = None) -> int | None:
    """Whole days until the automatic disconnect (for the Connections page)."""
    if last_activity is None:
        return None
    now = now or clock.now()
    return max(0, DISCONNECT_AT_DAYS - (now - last_activity).days)


def check(hub: Hub) -> str:
    """Send the warnings and do the disconnects due now; one transaction per company."""
    now = clock.now()
    with hub.db.read() as session:
        rows = session.execute(
            select(Connection.company_id, Connection.last_activity_at, Connection.inactivity_warned_days).where(
                Connection.state == ConnectionState.CONNECTED,
                Connection.last_activity_at <= now - timedelta(days=min(WARN_AT_DAYS)),
            )
        ).all()
    steps = plan([(c, a, w) for c, a, w in rows], now)
    for step in steps:
        with hub.db.write() as session:
            # Locked while this step is decided and done: a second sidecar waits here, then reads what this one
            # did (warned, or disconnected) and does nothing. SQLite's BEGIN IMMEDIATE already serialises writers.
            row = session.scalar(select(Connection).where(Connection.company_id == step.company_id).with_for_update())
            if row is None or row.state is not ConnectionState.CONNECTED or row.last_activity_at is None:
                continue  # changed meanwhile
            if plan([(row.company_id, row.last_activity_at, row.inactivity_warned_days)], now) != [step]:
                continue  # activity (or another sidecar) got there first
            company = session.get(Company, step.company_id)
            name = company.name if company else "The company"
            if step.disconnect:
                connections.end(
                    session,
                    SYSTEM,
                    step.company_id,
                    remove=False,
                    reason=AUTO_DISCONNECT_REASON,
                )
                notify.alert(
                    session,
                    company_id=step.company_id,
                    kind="inactivity_disconnect",
                    summary=f"{name}'s Xero connection ({row.tenant_name}) had no activity for {step.days} days, "
                    "so the hub disconnected it. Changes made from now on wait; a company admin reconnects on the "
                    "Xero connections page to send them.",
                    link="/connections",
                )
                continue
            row.inactivity_warned_days = step.days
            disconnect_on = (row.last_activity_at + timedelta(days=DISCONNECT_AT_DAYS)).date()
            notify.alert(
                session,
                company_id=step.company_id,
                kind="inactivity_warning",
                summary=f"{name}'s Xero connection ({row.tenant_name}) has had no activity for {step.days} days. "
                f"It will be disconnected automatically on {disconnect_on:%d %B %Y} unless something syncs or a "
                "staff member acts on the company before then.",
                link="/connections",
            )
            audit.record(
                session,
                actor=SYSTEM,
                action="inactivity_warning",
                company_id=step.company_id,
                target=row.tenant_name,
                detail=f"{step.days} days without activity; disconnect due {disconnect_on:%Y-%m-%d}",
            )
    disconnects = sum(s.disconnect for s in steps)
    return f"{len(steps) - disconnects} inactivity warnings, {disconnects} automatic disconnects"
