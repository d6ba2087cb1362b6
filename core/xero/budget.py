"""Xero's call budget, shared through the database by every process: 5 in flight per organisation, the minute
and day figures Xero reports in its headers, and the pauses its 429 answers ask for."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core import clock
from core.db import Database, insert_if_missing
from core.models_sync import XeroBudget, XeroCallSlot
from core.xero.client import Budget

IN_FLIGHT = 5
SLOT_LIFETIME = timedelta(minutes=2)  # a caller that died mid-call frees its slot after this
MINUTE = timedelta(seconds=60)


@dataclass(frozen=True)
class Wait:
    """Not now: try again in `seconds` (why: concurrent, minute, day, or Xero's own pause)."""

    seconds: int
    reason: str


@dataclass(frozen=True)
class Slot:
    id: int
    tenant_id: str


def _row(session: Session, tenant_id: str) -> XeroBudget:
    insert_if_missing(session, XeroBudget.__table__, {"tenant_id": tenant_id, "updated_at": clock.now()})
    query = select(XeroBudget).where(XeroBudget.tenant_id == tenant_id).execution_options(populate_existing=True)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()  # one caller at a time decides about this organisation's slots
    return session.scalars(query).one()


def _seconds(until: datetime, now: datetime) -> int:
    return max(1, int((until - now).total_seconds() + 0.999))


def acquire(db: Database, tenant_id: str, *, holder: str | None = None) -> Slot | Wait:
    """A slot to call Xero for this organisation now, or how long to wait."""
    now = clock.now()
    with db.write() as session:
        row = _row(session, tenant_id)
        if row.paused_until is not None and row.paused_until > now:
            return Wait(_seconds(row.paused_until, now), row.pause_reason or "paused")
        if row.minute_remaining == 0 and row.updated_at + MINUTE > now:
            return Wait(_seconds(row.updated_at + MINUTE, now), "minute")
        session.execute(delete(XeroCallSlot).where(XeroCallSlot.tenant_id == tenant_id, XeroCallSlot.expires_at < now))
        busy = session.scalar(select(func.count()).where(XeroCallSlot.tenant_id == tenant_id)) or 0
        if busy >= IN_FLIGHT:
            return Wait(1, "concurrent")
        slot = XeroCallSlot(tenant_id=tenant_id, holder=holder or uuid.uuid4().hex[:12], expires_at=now + SLOT_LIFETIME)
        session.add(slot)
        session.flush()
        return Slot(slot.id, tenant_id)


def release(db: Database, slot: Slot, budget: Budget | None = None) -> None:
    """The call is over: free its slot and keep what Xero said is left."""
    with db.write() as session:
        session.execute(delete(XeroCallSlot).where(XeroCallSlot.id == slot.id))
        if budget is not None:
            row = _row(session, slot.tenant_id)
            row.minute_remaining, row.day_remaining = budget.minute, budget.day
            row.app_minute_remaining, row.updated_at = budget.app_minute, clock.now()


def pause(db: Database, tenant_id: str, seconds: int, reason: str) -> None:
    """Xero answered 429 (or asked to wait): no calls to this organisation until then, from any process."""
    until = clock.now() + timedelta(seconds=seconds)
    with db.write() as session:
        row = _row(session, tenant_id)
        if row.paused_until is None or row.paused_until < until:
            row.paused_until, row.pause_reason = until, reason
        if reason == "day":
            row.day_remaining = 0


@dataclass(frozen=True)
class View:
    """For the pages: what is left this minute and today, and any pause."""

    minute_remaining: int | None
    day_remaining: int | None
    paused_until: datetime | None
    pause_reason: str | None


def view(session: Session, tenant_id: str) -> View:
    row = session.get(XeroBudget, tenant_id)
    if row is None:
        return View(None, None, None, None)
    paused = row.paused_until if row.paused_until and row.paused_until > clock.now() else None
    return View(row.minute_remaining, row.day_remaining, paused, row.pause_reason if paused else None)
