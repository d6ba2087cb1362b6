"""What the Connections page shows: each company's connection at a glance, what a remove discarded, and the
export offered before a remove (links, mappings, open errors)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit, clock
from core.auth import Actor, Permission, require
from core.companies import get, list_visible
from core.connections import inactivity
from core.mappings import store as mappings
from core.models.base import StaffUser
from core.models.platform import PlatformContact, PlatformDocument
from core.models.sync import (
    Connection,
    ConnectionState,
    ErrorStatus,
    OutboxEntry,
    OutboxState,
    SyncError,
    SyncRun,
    XeroBudget,
)
from core.sync.causes import CAUSES
from core.xero_access import budget

OPEN = (ErrorStatus.OPEN, ErrorStatus.RETRYING)


@dataclass(frozen=True)
class ConnectionView:
    company_id: int
    company: str
    state: ConnectionState | None
    state_label: str
    reason: str | None
    organisation: str | None
    connected_by: str | None
    connected_at: datetime | None
    last_sync_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    open_errors: int
    days_to_disconnect: int | None
    minute_left: int | None
    day_left: int | None
    paused_until: datetime | None
    pause_reason: str | None
    waiting: int
    held: int
    import_state: str | None
    state_changed_at: datetime | None = None

    @property
    def needs_attention(self) -> bool:
        return self.state is ConnectionState.NEEDS_RECONNECT or self.open_errors > 0


def _last_errors(session: Session, ids: list[int]) -> dict[int, tuple[str, datetime, int]]:
    """Per company: the newest open error's title and time, and how many are open (one query for all)."""
    ranked = (
        select(
            SyncError.company_id,
            SyncError.cause,
            SyncError.last_seen_at,
            func.row_number()
            .over(partition_by=SyncError.company_id, order_by=SyncError.last_seen_at.desc())
            .label("rank"),
            func.count().over(partition_by=SyncError.company_id).label("open"),
        )
        .where(SyncError.company_id.in_(ids), SyncError.status.in_(OPEN))
        .subquery()
    )
    found = {}
    for company_id, cause, seen, _rank, count in session.execute(select(ranked).where(ranked.c.rank == 1)):
        known = CAUSES.get(cause)
        found[company_id] = (known.title if known else cause, seen, count)
    return found


def _waiting(session: Session, ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per company: changes waiting to be sent, and of those how many are held for a reconnection."""
    counts: dict[int, tuple[int, int]] = {}
    for company_id, state, count in session.execute(
        select(OutboxEntry.company_id, OutboxEntry.state, func.count())
        .where(
            OutboxEntry.company_id.in_(ids),
            OutboxEntry.state.in_((OutboxState.PENDING, OutboxState.LEASED, OutboxState.HELD)),
        )
        .group_by(OutboxEntry.company_id, OutboxEntry.state)
    ):
        waiting, held = counts.get(company_id, (0, 0))
        counts[company_id] = (waiting, held + count) if state is OutboxState.HELD else (waiting + count, held)
    return counts


def _imports(session: Session, ids: list[int]) -> dict[int, str]:
    """Per company: the state of its latest initial import."""
    newest = (
        select(func.max(SyncRun.id))
        .where(SyncRun.company_id.in_(ids), SyncRun.job == "contacts_import")
        .group_by(SyncRun.company_id)
    )
    return {run.company_id: run.state.value for run in session.scalars(select(SyncRun).where(SyncRun.id.in_(newest)))}


def _last_sync(row: Connection | None) -> datetime | None:
    """The last time anything went right with Xero: a change sent, or a contacts pull (the import too) finished."""
    if row is None:
        return None
    return max((t for t in (row.last_sync_at, row.contacts_polled_at) if t is not None), default=None)


def list_views(session: Session, actor: Actor) -> list[ConnectionView]:
    """Every company the actor may see, with its connection; those needing attention first.

    A handful of queries whatever the number of companies (support sees them all)."""
    companies = list_visible(session, actor)
    ids = [c.id for c in companies]
    rows = {r.company_id: r for r in session.scalars(select(Connection).where(Connection.company_id.in_(ids)))}
    errors, waiting, imports = _last_errors(session, ids), _waiting(session, ids), _imports(session, ids)
    # Loaded once into the session, so the per-company lookups below are answered without a query.
    session.scalars(select(StaffUser).where(StaffUser.id.in_({r.connected_by_user_id for r in rows.values()}))).all()
    tenants = [r.tenant_id for r in rows.values() if r.tenant_id]
    loaded = {
        b.tenant_id: b
        for b in session.scalars(select(XeroBudget).where(XeroBudget.tenant_id.in_([*tenants, budget.APP])))
    }
    views = []
    for company in companies:
        row = rows.get(company.id)
        error, error_at, open_errors = errors.get(company.id, (None, None, 0))
        waits, held = waiting.get(company.id, (0, 0))
        user = session.get(StaffUser, row.connected_by_user_id) if row and row.connected_by_user_id else None
        connected = row is not None and row.state is ConnectionState.CONNECTED
        left = budget.view(session, row.tenant_id, loaded) if connected and row and row.tenant_id else None
        views.append(
            ConnectionView(
                company_id=company.id,
                company=company.name,
                state=row.state if row else None,
                state_label=row.state.label if row else "Not connected",
                reason=row.state_reason if row else None,
                organisation=row.tenant_name if row else None,
                connected_by=user.name if user else None,
                connected_at=row.connected_at if row else None,
                last_sync_at=_last_sync(row),
                last_error=error,
                last_error_at=error_at,
                open_errors=open_errors,
                days_to_disconnect=inactivity.days_left(row.last_activity_at) if connected and row else None,
                minute_left=left.minute_remaining if left else None,
                day_left=left.day_remaining if left else None,
                paused_until=left.paused_until if left else None,
                pause_reason=left.pause_reason if left else None,
                waiting=waits,
                held=held,
                import_state=imports.get(company.id),
                state_changed_at=row.state_changed_at if row else None,
            )
        )
    return sorted(views, key=lambda v: (not v.needs_attention, v.state is None, v.company.lower()))


@dataclass(frozen=True)
class Discarded:
    """A change a remove discarded (or made while removed): listed, never silently dropped."""

    entity_type: str
    entity_id: str
    label: str
    fields: tuple[str, ...]
    at: datetime


def discarded(session: Session, actor: Actor, company_id: int, *, limit: int = 200) -> list[Discarded]:
    """The company's discarded changes, newest first."""
    require(actor, Permission.VIEW_COMPANY, company_id)
    entries = session.scalars(
        select(OutboxEntry)
        .where(OutboxEntry.company_id == company_id, OutboxEntry.state == OutboxState.DISCARDED)
        .order_by(OutboxEntry.updated_at.desc(), OutboxEntry.id.desc())
        .limit(limit)
    )
    return [
        Discarded(e.entity_type, e.entity_id, _label(session, e), tuple(sorted(e.payload or {})), e.updated_at)
        for e in entries
    ]


def _label(session: Session, entry: OutboxEntry) -> str:
    """The record's name as people know it (the supplier's name, the document's number)."""
    model = {"contact": PlatformContact, "document": PlatformDocument}.get(entry.entity_type)
    record = session.get(model, int(entry.entity_id)) if model and entry.entity_id.isdigit() else None
    if isinstance(record, PlatformContact):
        return record.name
    if isinstance(record, PlatformDocument):
        return record.number
    return f"{entry.entity_type} {entry.entity_id}"


def record_export(session: Session, actor: Actor, company_id: int) -> None:
    """The export was downloaded: an audited staff action."""
    require(actor, Permission.MANAGE_CONNECTION, company_id)
    audit.record(session, actor=actor, action="export_before_remove", company_id=company_id)


def export_before_remove(session: Session, actor: Actor, company_id: int) -> dict[str, Any]:
    """Everything a remove could make someone wish they had kept: links to Xero, mappings and open errors."""
    require(actor, Permission.MANAGE_CONNECTION, company_id)

    company = get(session, actor, company_id)
    row = session.scalar(select(Connection).where(Connection.company_id == company_id))
    contacts = session.scalars(
        select(PlatformContact).where(
            PlatformContact.company_id == company_id, PlatformContact.xero_contact_id.is_not(None)
        )
    )
    documents = session.scalars(
        select(PlatformDocument).where(PlatformDocument.company_id == company_id, PlatformDocument.xero_id.is_not(None))
    )
    errors = session.scalars(
        select(SyncError).where(SyncError.company_id == company_id, SyncError.status.in_(OPEN)).order_by(SyncError.id)
    )
    return {
        "company": company.name,
        "exported_at": clock.now().isoformat(),
        "organisation": {"name": row.tenant_name, "tenant_id": row.tenant_id} if row else None,
        "contact_links": [
            {"platform_id": c.platform_id, "name": c.name, "xero_contact_id": c.xero_contact_id} for c in contacts
        ],
        "document_links": [{"kind": d.kind.value, "number": d.number, "xero_id": d.xero_id} for d in documents],
        "mappings": mappings.export_all(session, company_id),
        "open_errors": [error_summary(e) for e in errors],
    }


def error_summary(error: SyncError) -> dict[str, Any]:
    """One sync error as exports show it (the export before a remove, the diagnostics download)."""
    return {
        "cause": error.cause,
        "entity": f"{error.entity_type or ''} {error.entity_number or error.entity_id or ''}".strip(),
        "detail": error.detail,
        "first_seen": error.first_seen_at.isoformat(),
        "occurrences": error.occurrences,
    }
