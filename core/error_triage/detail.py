"""One sync error in full for the detail panel (explanation, fix, raw exchange, history, links), and the CSV."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, or_, select
from sqlalchemy.orm import Session

from core import audit
from core.audit import ACTIONS
from core.auth import Actor, PermissionDenied
from core.contacts.query import REAL_XERO_API
from core.error_triage.query import COLUMNS, ErrorFilter, ErrorRow, rows_of, scope, where
from core.mappings import organisation
from core.models.base import AuditEvent
from core.models.platform import DocumentPdf, PlatformContact, PlatformDocument
from core.models.sync import OutboxEntry, SyncError
from core.sync.causes import Cause, cause
from core.text import csv_text
from core.xero import links

# Xero can answer with megabytes (a whole HTML error page); the panel shows the start and says how much was cut.
SHOW_CHARS = 20_000
EXPORT_BATCH = 1000
HISTORY_ACTIONS = ("retry", "error_status")


@dataclass(frozen=True)
class Exchange:
    text: str
    cut: int  # characters not shown

    @property
    def note(self) -> str | None:
        if not self.cut:
            return None
        return f"Cut for display: the last {self.cut:,} characters are not shown (the first {SHOW_CHARS:,} are)."


@dataclass(frozen=True)
class HistoryEvent:
    at: datetime
    who: str
    what: str
    change: str
    note: str | None


@dataclass(frozen=True)
class ErrorDetail:
    row: ErrorRow
    cause: Cause
    resolved_at: datetime | None
    request: Exchange | None
    response: Exchange | None
    history: list[HistoryEvent]
    waiting: str | None  # the state of the change tied to this error in the outbox, if any
    hub_page: str | None  # the hub page that lists the entity: "contacts" or "documents"
    hub_search: str | None  # what to search for there
    xero_url: str | None


def exchange(value: Any) -> Exchange | None:
    """Stored request or response as readable text, truncated for display (already redacted when recorded)."""
    if value is None:
        return None
    text = value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False, default=str)
    return Exchange(text[:SHOW_CHARS], max(0, len(text) - SHOW_CHARS))


def mentions(error_id: int) -> Any:
    """Audit events about this error: its own (target ends with #id) and bulk retries that listed it."""
    return or_(
        AuditEvent.target.endswith(f" #{error_id}"),
        cast(AuditEvent.after, Text).contains(f'"#{error_id}"'),
    )


def _history(session: Session, row: SyncError) -> list[HistoryEvent]:
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.company_id == row.company_id, AuditEvent.action.in_(HISTORY_ACTIONS), mentions(row.id))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(50)
    )
    return [
        HistoryEvent(
            at=e.at,
            who=e.actor_label,
            what=ACTIONS.get(e.action, e.action),
            change=", ".join(f"{k}: {v}" for k, v in (e.after or {}).items() if k != "errors"),
            note=e.detail,
        )
        for e in events
    ]


def _links(session: Session, row: SyncError, api_url: str) -> tuple[str | None, str | None, str | None]:
    """The hub page listing the entity ("contacts" or "documents"), what to search for there, and its Xero page
    (or the simulator's screen)."""
    if row.entity_type not in ("contact", "document", "attachment") or not (row.entity_id or "").isdigit():
        return None, None, None
    org = organisation.of_company(session, row.company_id, api_url)
    if row.entity_type in ("document", "attachment"):  # a document's PDF: the document it belongs to
        document_id = int(row.entity_id or 0)
        if row.entity_type == "attachment":
            document_id = session.scalar(select(DocumentPdf.document_id).where(DocumentPdf.id == document_id)) or 0
        doc = session.execute(
            select(PlatformDocument.number, PlatformDocument.kind, PlatformDocument.xero_id).where(
                PlatformDocument.company_id == row.company_id, PlatformDocument.id == document_id
            )
        ).first()
        if doc is None:
            return "documents", row.entity_number, None
        return "documents", doc.number, links.document(org, doc.xero_id, doc.kind.value)
    contact = session.execute(
        select(PlatformContact.name, PlatformContact.xero_contact_id).where(
            PlatformContact.company_id == row.company_id, PlatformContact.id == int(row.entity_id or 0)
        )
    ).first()
    if contact is None:
        return "contacts", row.entity_number, None
    return "contacts", contact.name, links.contact(org, contact.xero_contact_id)


def detail(session: Session, actor: Actor, error_id: int, *, xero_api_url: str = REAL_XERO_API) -> ErrorDetail:
    """Everything about one error a person needs to act on it."""
    row = session.get(SyncError, error_id)
    allowed_ids = scope(actor)
    if row is None or (allowed_ids is not None and row.company_id not in allowed_ids):
        raise PermissionDenied("That sync error does not exist or you cannot see it.")
    (view,) = rows_of(session, list(session.execute(select(*COLUMNS).where(SyncError.id == error_id)).all()))
    waiting = session.scalar(
        select(OutboxEntry.state).where(OutboxEntry.last_error_id == error_id).order_by(OutboxEntry.id.desc()).limit(1)
    )
    hub_page, search, url = _links(session, row, xero_api_url)
    return ErrorDetail(
        row=view,
        cause=cause(row.cause),
        resolved_at=row.resolved_at,
        request=exchange(row.raw_request),
        response=exchange(row.raw_response),
        history=_history(session, row),
        waiting=waiting.value if waiting is not None else None,
        hub_page=hub_page,
        hub_search=search,
        xero_url=url,
    )


def export_csv(session: Session, actor: Actor, flt: ErrorFilter) -> str:
    """Every error matching the filter as CSV, oldest first (text a spreadsheet would run is defused)."""
    header = [
        *("id", "company", "cause", "title", "who_acts", "entity_type", "entity_id", "entity"),
        *("detail", "status", "occurrences", "first_seen_utc", "last_seen_utc", "note"),
    ]
    return csv_text(header, _export_rows(session, where(actor, flt)))


def _export_rows(session: Session, clauses: list[Any]) -> Iterator[list[str]]:
    after = 0
    while True:  # keyset batches: memory stays flat however many errors match
        batch = session.execute(
            select(*COLUMNS).where(*clauses, SyncError.id > after).order_by(SyncError.id).limit(EXPORT_BATCH)
        ).all()
        for row in rows_of(session, list(batch)):
            yield [
                str(row.id),
                row.company,
                row.cause,
                row.title,
                row.who,
                row.entity_type or "",
                row.entity_id or "",
                row.entity_number or "",
                row.detail or "",
                row.status,
                str(row.occurrences),
                row.first_seen_at.isoformat(timespec="seconds"),
                row.last_seen_at.isoformat(timespec="seconds"),
                row.note or "",
            ]
        if len(batch) < EXPORT_BATCH:
            return
        after = batch[-1].id


def record_export(session: Session, actor: Actor, flt: ErrorFilter) -> None:
    """The CSV was downloaded: raw Xero messages left the hub, so it is an audited staff action."""
    scope(actor, flt.company_id)
    audit.record(session, actor=actor, action="errors_exported", company_id=flt.company_id, after=flt.params() or None)
