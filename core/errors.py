"""The sync-error model: one table of causes, and the rows that tie a failure to a company, an entity and a cause."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core import audit, clock
from core.auth import Actor, Permission, PermissionDenied, require
from core.db import insert_if_missing
from core.models_sync import ErrorStatus, SyncError
from core.redact import redact


class WhoActs(enum.StrEnum):
    CUSTOMER = "customer"
    SUPPORT = "support"
    ENGINEERING = "engineering"


@dataclass(frozen=True)
class Cause:
    code: str
    title: str
    explanation: str
    fix: str
    who: WhoActs
    retryable: bool
    # Caused by the connection itself: retried automatically after a reconnect (DESIGN's Decisions).
    connection: bool = False


_C, _S, _E = WhoActs.CUSTOMER, WhoActs.SUPPORT, WhoActs.ENGINEERING
CAUSES: dict[str, Cause] = {
    c.code: c
    for c in (
        Cause(
            "validation",
            "Xero refused the record",
            "Xero checked the record and refused it; its message says which field is wrong.",
            "Correct the field Xero names in the platform (or in Xero), then retry.",
            _C,
            True,
        ),
        Cause(
            "contact_archived",
            "Contact archived in Xero",
            "The contact is archived in Xero, and Xero refuses changes and new documents for archived contacts.",
            "Un-archive the contact in Xero (Contacts → the contact → Restore), then retry.",
            _C,
            True,
        ),
        Cause(
            "contact_merged",
            "Contact merged in Xero",
            "Someone merged this contact into another one in Xero, so the contact the hub knew takes no more changes.",
            "Support relinks the platform record to the contact it was merged into, then retries.",
            _S,
            True,
        ),
        Cause(
            "duplicate_name",
            "Another Xero contact has this name",
            "Xero requires contact names to be unique among active contacts, and another contact already has this one.",
            "Rename the supplier in the platform (or the other contact in Xero), or link the two if they are the same "
            "business, then retry.",
            _C,
            True,
        ),
        Cause(
            "missing_account_mapping",
            "No account code for a line category",
            "A line's category has no Xero account code mapped for this kind of document.",
            "Map the category to an account on the Mappings page, then retry.",
            _C,
            True,
        ),
        Cause(
            "missing_tax_mapping",
            "No Xero tax type for a tax rate",
            "A line uses a platform tax rate that is not mapped to a Xero tax type.",
            "Map the tax rate on the Mappings page, then retry.",
            _C,
            True,
        ),
        Cause(
            "preflight_failed",
            "Stopped before sending to Xero",
            "The hub's check before sending found a problem, so nothing was sent to Xero.",
            "Fix what the detail names (usually a mapping or the contact), then retry.",
            _C,
            True,
        ),
        Cause(
            "token_revoked",
            "Xero access revoked or expired",
            "Xero no longer accepts the hub's access for this organisation: someone disconnected the app in Xero, or "
            "the connection went unused for 60 days.",
            "A company admin reconnects Xero on the Connections page; waiting changes then sync by themselves.",
            _C,
            True,
            connection=True,
        ),
        Cause(
            "xero_user_removed",
            "The Xero user who connected lost access",
            "The person who connected Xero was removed from the organisation in Xero (or lost its admin role).",
            "A company admin who is an admin in Xero reconnects; waiting changes then sync by themselves.",
            _C,
            True,
            connection=True,
        ),
        Cause(
            "access_revoked",
            "Xero refused access to the organisation",
            "Xero stopped accepting the hub for this organisation: someone disconnected the app in Xero, the Xero "
            "user who connected it was removed or lost rights, or the connection lacks a permission it needs.",
            "A company admin who is an admin in Xero reconnects; waiting changes then sync by themselves.",
            _C,
            True,
            connection=True,
        ),
        Cause(
            "minute_budget",
            "Xero's per-minute limit reached",
            "The organisation used its 60 calls a minute; the hub waits as Xero asks and carries on.",
            "Nothing to do: the hub retries after Xero's wait. If it keeps happening, tell support.",
            _S,
            True,
        ),
        Cause(
            "daily_budget",
            "Xero's daily limit reached",
            "The organisation used its 5,000 calls for the day; Xero accepts no more until its day resets.",
            "Nothing to do: the hub resumes when Xero's day resets. Support checks why so many calls were needed.",
            _S,
            True,
        ),
        Cause(
            "xero_outage",
            "Xero unavailable",
            "Xero answered with a server error or was unreachable.",
            "Nothing to do: the hub retries with backoff. Check status.xero.com if it lasts.",
            _S,
            True,
        ),
        Cause(
            "uncertain_timeout",
            "No answer from Xero: outcome unknown",
            "Xero did not answer in time, so the hub cannot tell whether the change was saved.",
            "The hub looks the record up in Xero before retrying, so it is never duplicated; retry if it stays open.",
            _S,
            True,
        ),
        Cause(
            "hub_bug",
            "Unexpected error in the hub",
            "Something failed inside the hub itself; the record was not lost and will be retried.",
            "Engineering looks into it with the diagnostics; retry once fixed.",
            _E,
            True,
        ),
    )
}


def cause(code: str) -> Cause:
    """The cause for a code (unknown codes count as a hub bug, so nothing is hidden)."""
    return CAUSES.get(code, CAUSES["hub_bug"])


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
    row.raw_request = redact(request) if request is not None else None
    row.raw_response = redact(response) if response is not None else None
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
    result = session.execute(query.where(SyncError.cause == cause) if cause else query)
    return result.rowcount or 0


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
