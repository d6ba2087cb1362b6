"""Xero's call budget, shared through the database by every process: 5 in flight per organisation, the minute
and day figures Xero reports in its headers, the app-wide minute once it runs low, and the pauses its 429 answers ask
for (per organisation, or for the whole app on the "*" row)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core import clock
from core.db import Database, insert_if_missing
from core.models.sync import XeroBudget, XeroCallSlot
from core.xero.client import Budget

IN_FLIGHT = 5
SLOT_LIFETIME = timedelta(minutes=2)  # a caller that died mid-call frees its slot after this
MINUTE = timedelta(seconds=60)
WINDOW_MARGIN = timedelta(seconds=1)
APP = "*"  # the budget row of the whole app: Xero's 10,000 calls a minute across every organisation
# Far from the app-wide minute limit no process writes the app row (it would be one hot row under every call). Once
# Xero reports fewer calls left than this, every process keeps the figure there and counts every call in flight
# against it, so the last calls of the app's minute go one by one and none is refused.
APP_WATCH = 200
# Xero's day window resets at a time only a 429's Retry-After tells; after a success reported 0 calls left today,
# one probe this long after finds it out (its 429 then pauses the organisation for exactly that long).
DAY_PROBE = timedelta(minutes=15)


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


def _window_ends(row: XeroBudget) -> datetime:
    return (row.minute_started_at or row.updated_at) + MINUTE + WINDOW_MARGIN


def _app_watched(app: XeroBudget | None, now: datetime) -> bool:
    """The app-wide minute is running low: its figure is kept, and its window has not ended."""
    return app is not None and app.minute_remaining is not None and _window_ends(app) > now


def _held(session: Session, row: XeroBudget | None, now: datetime) -> Wait | None:
    """Why no call may start now (an app-wide pause or spent minute, the organisation's pause, a spent minute or
    day), or None."""
    app = session.get(XeroBudget, APP)  # read, not locked: the app row must not serialise every organisation
    if app is not None and app.paused_until is not None and app.paused_until > now:
        return Wait(_seconds(app.paused_until, now), app.pause_reason or "appminute")
    if _app_watched(app, now) and app is not None and app.minute_remaining == 0:
        return Wait(_seconds(_window_ends(app), now), "appminute")
    if row is None:
        return None
    if row.paused_until is not None and row.paused_until > now:
        return Wait(_seconds(row.paused_until, now), row.pause_reason or "paused")
    # Never earlier than Xero's own window: ours starts at (or after) its first call, so waiting from it is safe.
    if row.minute_remaining == 0 and _window_ends(row) > now:
        return Wait(_seconds(_window_ends(row), now), "minute")
    # A pause newer than the figures already waited out the day (the 429 that set it knew when it resets).
    paused_since = row.paused_until is not None and row.paused_until > row.updated_at
    if row.day_remaining == 0 and row.updated_at + DAY_PROBE > now and not paused_since:
        return Wait(_seconds(row.updated_at + DAY_PROBE, now), "day")
    return None


def held(db: Database, tenant_id: str) -> Wait | None:
    """Without taking a slot: how long before any call to this organisation may start (None: now)."""
    with db.read() as session:
        return _held(session, session.get(XeroBudget, tenant_id), clock.now())


def acquire(db: Database, tenant_id: str, *, holder: str | None = None) -> Slot | Wait:
    """A slot to call Xero for this organisation now, or how long to wait."""
    now = clock.now()
    with db.write() as session:
        row = _row(session, tenant_id)
        wait = _held(session, row, now)
        if wait is not None:
            return wait
        session.execute(delete(XeroCallSlot).where(XeroCallSlot.tenant_id == tenant_id, XeroCallSlot.expires_at < now))
        busy = session.scalar(select(func.count()).where(XeroCallSlot.tenant_id == tenant_id)) or 0
        if busy >= IN_FLIGHT:
            return Wait(1, "concurrent")
        # What Xero said is left this minute was said before the calls now in flight: they count against it too,
        # or the last few calls of a busy minute would all start and the one past the limit be refused (a 429).
        if row.minute_remaining is not None and _window_ends(row) > now and busy >= row.minute_remaining:
            return Wait(1, "concurrent")
        if _app_watched(session.get(XeroBudget, APP), now) and _app_full(session, now):
            return Wait(1, "appminute")
        slot = XeroCallSlot(tenant_id=tenant_id, holder=holder or uuid.uuid4().hex[:12], expires_at=now + SLOT_LIFETIME)
        session.add(slot)
        session.flush()
        return Slot(slot.id, tenant_id)


def _app_full(session: Session, now: datetime) -> bool:
    """Near the app-wide limit: every call in flight, to any organisation, counts against what Xero said is left.
    The app row is locked for this (PostgreSQL), so two processes cannot both take the app's last call."""
    app = _row(session, APP)
    if not _app_watched(app, now):
        return False
    flying = session.scalar(select(func.count()).where(XeroCallSlot.expires_at >= now)) or 0
    return flying >= (app.minute_remaining or 0)


def _keep_app_minute(session: Session, left: int, now: datetime) -> None:
    """What Xero said is left of the app's minute, kept once it runs low. Within our window it only goes down (an
    answer that comes back late says more than is left); a figure from a window of Xero's that has begun since is
    taken once ours is over, which is never before Xero's."""
    app = session.get(XeroBudget, APP)
    if left >= APP_WATCH and (app is None or app.minute_remaining is None):
        return  # far from the limit: nothing to keep, nothing written
    app = _row(session, APP)
    if app.minute_remaining is not None and app.minute_started_at is not None and app.minute_started_at + MINUTE > now:
        app.minute_remaining = min(app.minute_remaining, left)
    elif left >= APP_WATCH:
        app.minute_remaining = app.minute_started_at = None
    else:
        app.minute_remaining, app.minute_started_at = left, now
    app.updated_at = now


def release(db: Database, slot: Slot, budget: Budget | None = None) -> None:
    """The call is over: free its slot and keep what Xero said is left."""
    with db.write() as session:
        session.execute(delete(XeroCallSlot).where(XeroCallSlot.id == slot.id))
        if budget is not None:
            row = _row(session, slot.tenant_id)
            fresh_window = budget.minute is not None and (
                row.minute_remaining is None
                or budget.minute > row.minute_remaining
                or row.minute_started_at is None
                or row.minute_started_at + MINUTE <= clock.now()
            )
            if fresh_window:  # Xero's counter went back up: a new window began with (about) this call
                row.minute_started_at = clock.now()
            row.minute_remaining, row.day_remaining = budget.minute, budget.day
            row.app_minute_remaining, row.updated_at = budget.app_minute, clock.now()
            if budget.app_minute is not None:
                _keep_app_minute(session, budget.app_minute, clock.now())


def pause(db: Database, tenant_id: str, seconds: int, reason: str) -> None:
    """Xero answered 429 (or asked to wait): no calls to this organisation (APP: to any) until then, from any
    process."""
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


def view(session: Session, tenant_id: str, loaded: dict[str, XeroBudget] | None = None) -> View:
    """The organisation's figures; its own pause, or else a pause of the whole app. `loaded`: rows already read
    (a page listing many organisations reads them in one query; a missing row then costs no query either)."""
    now = clock.now()

    def get(key: str) -> XeroBudget | None:
        return loaded.get(key) if loaded is not None else session.get(XeroBudget, key)

    for key in (tenant_id, APP):
        row = get(key)
        if row is not None and row.paused_until is not None and row.paused_until > now:
            own = get(tenant_id)
            minute, day = (own.minute_remaining, own.day_remaining) if own else (None, None)
            return View(minute, day, row.paused_until, row.pause_reason)
    row = get(tenant_id)
    return View(row.minute_remaining, row.day_remaining, None, None) if row else View(None, None, None, None)
