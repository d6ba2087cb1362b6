"""The sync-error model: the rows that tie a failure to a company, an entity and a cause (the causes themselves are
in core.sync.causes, re-exported here)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core import audit, clock
from core.auth import Actor, Permission, PermissionDenied, require
from core.db import dump_json, insert_if_missing
from core.metrics import definitions as metrics
from core.models.sync import ErrorStatus, SyncError
from core.redact import redact
from core.sync.causes import cause


@dataclass(frozen=True)
class EntityRef:
    type: str
    id: str
    number: str | None = None


def fingerprint(company_id: int, code: str, entity: EntityRef | None, detail: str | None) -> str:
    """Repeats of one failure on one record share a fingerprint (the detail counts only without a record)."""
    parts = [str(company_id), code, entity.type if entity else "", entity.id if entity else ""]
    if entity is None:
        parts.append((detail or "")[:200])
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


# Characters of a raw exchange kept per error: any real Xero answer fits, a megabyte HTML error page does not.
RAW_LIMIT = 64_000


def _bounded(value: Any) -> Any:
    """The exchange as given, or its start with a note saying how much was cut."""
    text = dump_json(value)
    if len(text) <= RAW_LIMIT:
        return value
    return {
        "truncated": f"The exchange was {len(text):,} characters long; only the first {RAW_LIMIT:,} are kept.",
        "start": text[:RAW_LIMIT],
    }


def record(
    session: Session,
    *,
    company_id: int,
    code: str,
    entity: EntityRef | None = None,
    connection_id: int | None = None,
    detail: str | None = None,
    request: dict[str, Any] | None = None,
    response: dict[str, Any] | None = None,
) -> SyncError:
    """Record a failure, or count a repeat of an open one (reopening it if it had been resolved)."""
    now = clock.now()
    key = fingerprint(company_id, code, entity, detail)
    # Insert-if-missing first: two processes recording the same failure at once both succeed, as one row.
    insert_if_missing(
        session,
        SyncError.__table__,
        {
            "company_id": company_id,
            "cause": cause(code).code,
            "fingerprint": key,
            "first_seen_at": now,
            "last_seen_at": now,
            "occurrences": 0,
            "status": ErrorStatus.OPEN.value,
        },
    )
    row = session.scalars(
        select(SyncError).where(SyncError.fingerprint == key).execution_options(populate_existing=True)
    ).one()
    row.connection_id = connection_id
    row.entity_type, row.entity_id = (entity.type, entity.id) if entity else (None, None)
    row.entity_number = entity.number if entity else None
    row.detail = detail
    row.raw_request = _bounded(redact(request)) if request is not None else None
    row.raw_response = _bounded(redact(response)) if response is not None else None
    if not row.occurrences or row.status is ErrorStatus.RESOLVED:  # new, or back after it was resolved
        metrics.errors_opened(session, row.cause)
    row.occurrences = (row.occurrences or 0) + 1
    row.last_seen_at = now
    if row.status is not ErrorStatus.IGNORED:
        row.status, row.resolved_at = ErrorStatus.OPEN, None
    session.flush()
    return row


def resolve_for_entity(
    session: Session, *, company_id: int, entity_type: str, entity_id: str, cause: str | None = None
) -> int:
    """The record synced (or, with `cause`, that one problem is over): its open errors resolve; return how many."""
    query = (
        update(SyncError)
        .where(
            SyncError.company_id == company_id,
            SyncError.entity_type == entity_type,
            SyncError.entity_id == entity_id,
            SyncError.status.in_((ErrorStatus.OPEN, ErrorStatus.RETRYING)),
        )
        .values(status=ErrorStatus.RESOLVED, resolved_at=clock.now())
    )
    query = query.where(SyncError.cause == cause) if cause else query
    causes = list(session.scalars(query.returning(SyncError.cause)))
    metrics.errors_resolved(session, causes)
    return len(causes)


def open_errors(session: Session, *, company_id: int | None = None) -> list[SyncError]:
    """Open and retrying errors, newest first (the triage page filters further)."""
    query = select(SyncError).where(SyncError.status.in_((ErrorStatus.OPEN, ErrorStatus.RETRYING)))
    if company_id is not None:
        query = query.where(SyncError.company_id == company_id)
    return list(session.scalars(query.order_by(SyncError.last_seen_at.desc())))


def set_status(
    session: Session, actor: Actor, error_id: int, status: ErrorStatus, note: str | None = None
) -> SyncError:
    """A person resolves or ignores an error (with a note), or marks it retrying; audited."""
    row = session.get(SyncError, error_id)
    if row is None:
        raise PermissionDenied("That sync error does not exist or you cannot see it.")
    require(actor, Permission.TRIAGE_ERRORS, row.company_id)
    if status is ErrorStatus.IGNORED and not (note or "").strip():
        raise ValueError("Say why the error is ignored: the note is what the next person reads.")
    before = {"status": row.status.value}
    if status is ErrorStatus.RESOLVED and row.status in (ErrorStatus.OPEN, ErrorStatus.RETRYING):
        metrics.errors_resolved(session, [row.cause])
    row.status, row.note = status, (note or "").strip() or row.note
    row.resolved_at = clock.now() if status in (ErrorStatus.RESOLVED, ErrorStatus.IGNORED) else None
    audit.record(
        session,
        actor=actor,
        action="error_status",
        company_id=row.company_id,
        target=f"{cause(row.cause).title} #{row.id}",
        before=before,
        after={"status": status.value},
        detail=row.note,
    )
    return row
