"""Xero's webhook inbox, the part every reader of it shares: claim waiting events of some categories (each event is
marked exactly once, even with two sidecars), see which companies an organisation is linked to, and merge into the
run already waiting. Contact events are read by core.contacts.webhooks, invoice and credit-note events by
core.documents.xero_events; the categories do not overlap, so each event has one reader."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.models.contacts import WebhookEvent
from core.models.sync import Connection, ConnectionState, RunState, SyncRun

NO_COMPANY = "no company is connected to this organisation"
DOCUMENT_CATEGORIES = frozenset({"INVOICE", "CREDITNOTE"})


@dataclass(frozen=True)
class Linked:
    """A company's connection to an organisation, as far as the inbox cares."""

    company_id: int
    state: ConnectionState


def claim(
    session: Session,
    *,
    dialect: str,
    limit: int,
    only: frozenset[str] | None = None,
    besides: frozenset[str] = frozenset(),
) -> list[WebhookEvent]:
    """The oldest waiting events (of the `only` categories, or of any but `besides`), claimed in the caller's write
    transaction: SKIP LOCKED keeps two sidecars on PostgreSQL apart; on SQLite the write transaction is BEGIN
    IMMEDIATE, so the second sidecar sees the rows already processed."""
    query = select(WebhookEvent).where(WebhookEvent.processed_at.is_(None))
    if only is not None:
        query = query.where(WebhookEvent.category.in_(sorted(only)))
    if besides:
        query = query.where(WebhookEvent.category.not_in(sorted(besides)))
    query = query.order_by(WebhookEvent.id).limit(limit)
    if dialect == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def links(session: Session, tenants: Iterable[str]) -> dict[str, list[Linked]]:
    """The companies linked to each organisation, their connections locked (in id order, so two sidecars cannot
    deadlock): a second sidecar with events of the same organisation waits here, then sees the run this one asked
    for and merges into it."""
    found: dict[str, list[Linked]] = defaultdict(list)
    rows = session.execute(
        select(Connection.tenant_id, Connection.company_id, Connection.state)
        .where(Connection.tenant_id.in_(set(tenants)))
        .order_by(Connection.id)
        .with_for_update()
    )
    for tenant_id, company_id, state in rows:
        found[tenant_id].append(Linked(company_id, state))
    return found


def not_connected(linked: Iterable[Linked]) -> str:
    """The states of an organisation's companies none of which is connected, in words."""
    return ", ".join(sorted({c.state.label.lower() for c in linked}))


def lock_waiting_run(session: Session, company_id: int, job: str) -> None:
    """runs.request rewrites the waiting run's id list: lock it first so a sidecar starting that run at this moment
    either gets the merged ids or no longer finds it waiting (and a new run is asked for)."""
    session.execute(
        select(SyncRun.id)
        .where(SyncRun.company_id == company_id, SyncRun.job == job, SyncRun.state == RunState.QUEUED)
        .with_for_update()
    )


def mark(rows: Iterable[WebhookEvent], outcomes: Mapping[int, str]) -> None:
    """Each claimed event is done, with what became of it."""
    now = clock.now()
    for row in rows:
        row.processed_at, row.outcome, row.attempts = now, outcomes[row.id], row.attempts + 1
