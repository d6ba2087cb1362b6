"""What the Sync errors page lists: errors filtered, grouped (cause by company) and paged in SQL, and their CSV.

Scoping by actor happens here: support and admins see every company, a finance manager only their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from core import clock
from core.auth import Actor, Permission, PermissionDenied, allowed
from core.failures import Refusal
from core.models.base import Company
from core.models.sync import ErrorStatus, SyncError
from core.paging import Page, clamp
from core.sync.causes import CAUSES, WhoActs, cause

OPEN = (ErrorStatus.OPEN.value, ErrorStatus.RETRYING.value)
# The record types errors are recorded against (core.sync.errors.EntityRef.type), with the words the page shows.
ENTITY_TYPES = {
    "contact": "Contact or supplier",
    "document": "Invoice, bill or credit note",
    "attachment": "A document's PDF",
    "mapping": "Mapping",
    "sync_job": "Sync job (a pull from Xero)",
    "xero_cleanup": "Clean-up in Xero",
}
WHO = {
    WhoActs.CUSTOMER.value: "The company",
    WhoActs.SUPPORT.value: "Support",
    WhoActs.ENGINEERING.value: "Engineering",
}
STATUS_LABELS = {s.value: s.value.capitalize() for s in ErrorStatus}
# "Older than": first seen at least this long ago.
AGES = {"1h": timedelta(hours=1), "1d": timedelta(days=1), "3d": timedelta(days=3), "7d": timedelta(days=7)}
AGES |= {"30d": timedelta(days=30)}
AGE_LABELS = {"1h": "Over an hour", "1d": "Over a day", "3d": "Over 3 days", "7d": "Over a week", "30d": "Over 30 days"}


class TriageError(Refusal):
    """A triage request was refused; the message says why and what to do."""


@dataclass(frozen=True)
class ErrorFilter:
    """What the page asks for; empty fields filter nothing. Status defaults to what still needs a person."""

    company_id: int | None = None
    cause: str | None = None
    entity_type: str | None = None
    who: str | None = None
    statuses: tuple[str, ...] = OPEN
    age: str | None = None  # a key of AGES
    text: str = ""

    def params(self) -> dict[str, str]:
        """The filter as URL query parameters (what `from_params` reads back)."""
        out = {
            "company": str(self.company_id) if self.company_id else "",
            "cause": self.cause or "",
            "entity": self.entity_type or "",
            "who": self.who or "",
            "status": "" if self.statuses == OPEN else ",".join(self.statuses) or "any",
            "age": self.age or "",
            "q": self.text,
        }
        return {k: v for k, v in out.items() if v}


def from_params(params: Mapping[str, str]) -> ErrorFilter:
    """A filter from URL query parameters (a digest email links to ?company=<id>); nonsense values are dropped."""
    company = str(params.get("company", "")).strip()
    status = str(params.get("status", ""))
    statuses = tuple(s for s in status.split(",") if s in STATUS_LABELS)
    return ErrorFilter(
        company_id=int(company) if company.isdigit() else None,
        cause=params.get("cause") if params.get("cause") in CAUSES else None,
        entity_type=params.get("entity") if params.get("entity") in ENTITY_TYPES else None,
        who=params.get("who") if params.get("who") in WHO else None,
        statuses=() if status == "any" else statuses or OPEN,
        age=params.get("age") if params.get("age") in AGES else None,
        text=str(params.get("q", ""))[:200],
    )


def scope(actor: Actor, company_id: int | None = None) -> frozenset[int] | None:
    """The companies whose errors the actor may triage (None: all), refusing a company outside them."""
    if allowed(actor, Permission.TRIAGE_ERRORS):
        return None
    if actor.company_id is None or not allowed(actor, Permission.TRIAGE_ERRORS, actor.company_id):
        raise PermissionDenied(
            f"You don't have permission to {Permission.TRIAGE_ERRORS.value}. Ask a hub admin if you need this access."
        )
    if company_id is not None and company_id != actor.company_id:
        raise PermissionDenied("You can only see your own company's sync errors. Ask support about other companies.")
    return frozenset({actor.company_id})


def where(actor: Actor, flt: ErrorFilter) -> list[ColumnElement[bool]]:
    """The filter as WHERE clauses, confined to the actor's companies."""
    e = SyncError
    allowed_ids = scope(actor, flt.company_id)
    clauses: list[ColumnElement[bool]] = []
    if flt.statuses:
        clauses.append(e.status.in_(flt.statuses))
    if flt.company_id is not None:
        clauses.append(e.company_id == flt.company_id)
    elif allowed_ids is not None:
        clauses.append(e.company_id.in_(allowed_ids))
    if flt.cause:
        clauses.append(e.cause == flt.cause)
    if flt.who:
        clauses.append(e.cause.in_([c.code for c in CAUSES.values() if c.who.value == flt.who]))
    if flt.entity_type:
        clauses.append(e.entity_type == flt.entity_type)
    if flt.age:
        clauses.append(e.first_seen_at <= clock.now() - AGES[flt.age])
    needle = flt.text.strip().lower()
    if needle:
        names = select(Company.id).where(func.lower(Company.name).contains(needle, autoescape=True))
        clauses.append(
            or_(
                func.lower(e.entity_number).contains(needle, autoescape=True),
                func.lower(e.detail).contains(needle, autoescape=True),
                e.entity_id == flt.text.strip(),
                e.company_id.in_(names),
            )
        )
    return clauses


@dataclass(frozen=True)
class GroupRow:
    company_id: int
    company: str
    cause: str
    title: str
    who: str
    errors: int
    occurrences: int
    oldest: datetime
    newest: datetime


@dataclass(frozen=True)
class ErrorRow:
    id: int
    company_id: int
    company: str
    cause: str
    title: str
    who: str
    entity_type: str | None
    entity_id: str | None
    entity_number: str | None
    detail: str | None
    status: str
    occurrences: int
    first_seen_at: datetime
    last_seen_at: datetime
    note: str | None = None


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(Company.id, Company.name).where(Company.id.in_(ids))).all())


def status_counts(session: Session, actor: Actor, flt: ErrorFilter) -> dict[str, int]:
    """How many errors of each status the filter holds when it ignores status (for the page's summary line)."""
    clauses = where(actor, replace(flt, statuses=()))
    query = select(SyncError.status, func.count()).where(*clauses).group_by(SyncError.status)
    return {status.value: n for status, n in session.execute(query)}


def groups(session: Session, actor: Actor, flt: ErrorFilter, *, page: int = 1, page_size: int = 50) -> Page[GroupRow]:
    """One page of cause by company groups, biggest first (oldest first among equals), and how many groups."""
    e = SyncError
    grouped = select(e.company_id, e.cause).where(*where(actor, flt)).group_by(e.company_id, e.cause)
    total = session.scalar(select(func.count()).select_from(grouped.subquery())) or 0
    page, page_size = clamp(total, page, page_size)
    n, oldest = func.count().label("n"), func.min(e.first_seen_at).label("oldest")
    query: Select = (
        select(e.company_id, e.cause, n, func.sum(e.occurrences), oldest, func.max(e.last_seen_at))
        .where(*where(actor, flt))
        .group_by(e.company_id, e.cause)
        .order_by(n.desc(), oldest, e.company_id, e.cause)
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    found = session.execute(query).all()
    names = _names(session, {r[0] for r in found})
    rows = [
        GroupRow(
            company_id=cid,
            company=names.get(cid, f"Company {cid}"),
            cause=code,
            title=cause(code).title,
            who=WHO[cause(code).who.value],
            errors=count,
            occurrences=int(occurrences or 0),
            oldest=first,
            newest=last,
        )
        for cid, code, count, occurrences, first, last in found
    ]
    return Page(rows=rows, total=total, page=page, page_size=page_size)


COLUMNS = (SyncError.id, SyncError.company_id, SyncError.cause, SyncError.entity_type, SyncError.entity_id)
COLUMNS += (SyncError.entity_number, SyncError.detail, SyncError.status, SyncError.occurrences)
COLUMNS += (SyncError.first_seen_at, SyncError.last_seen_at, SyncError.note)


def rows_of(session: Session, found: list[Any]) -> list[ErrorRow]:
    """Page rows for errors selected as COLUMNS, with their company names."""
    names = _names(session, {r.company_id for r in found})
    return [
        ErrorRow(
            id=r.id,
            company_id=r.company_id,
            company=names.get(r.company_id, f"Company {r.company_id}"),
            cause=r.cause,
            title=cause(r.cause).title,
            who=WHO[cause(r.cause).who.value],
            entity_type=r.entity_type,
            entity_id=r.entity_id,
            entity_number=r.entity_number,
            detail=r.detail,
            status=r.status.value,
            occurrences=r.occurrences,
            first_seen_at=r.first_seen_at,
            last_seen_at=r.last_seen_at,
            note=r.note,
        )
        for r in found
    ]


def errors(session: Session, actor: Actor, flt: ErrorFilter, *, page: int = 1, page_size: int = 50) -> Page[ErrorRow]:
    """One page of single errors, most recently seen first, and how many match."""
    clauses = where(actor, flt)
    total = session.scalar(select(func.count()).select_from(SyncError).where(*clauses)) or 0
    page, page_size = clamp(total, page, page_size)
    found = session.execute(
        select(*COLUMNS)
        .where(*clauses)
        .order_by(SyncError.last_seen_at.desc(), SyncError.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    return Page(rows=rows_of(session, list(found)), total=total, page=page, page_size=page_size)


def matching_ids(session: Session, actor: Actor, flt: ErrorFilter, *, limit: int) -> list[int]:
    """The ids of errors matching the filter, oldest first (what a "retry all" acts on), at most `limit`."""
    query = select(SyncError.id).where(*where(actor, flt)).order_by(SyncError.id).limit(limit)
    return list(session.scalars(query))
