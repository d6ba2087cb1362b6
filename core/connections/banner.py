"""The banner every page of a company shows while its Xero connection is not syncing: what happened and when, who
did it, what waits for a reconnection (or, after a remove, that nothing is sent), and whether the person reading it
may reconnect.

The words are plain text (pages escape them); the facts come in a fixed number of queries, for one company or for
every company the overview lists."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.auth import Actor, Permission, allowed, require
from core.connections.inactivity import AUTO_DISCONNECT_REASON, DISCONNECT_AT_DAYS
from core.connections.views import ConnectionView
from core.models.base import AuditEvent, Company, StaffUser
from core.models.sync import Connection, ConnectionState, OutboxEntry, OutboxState

# Changes kept to send once the connection is back (the Connections page counts the same ones).
WAITING = (OutboxState.PENDING, OutboxState.LEASED, OutboxState.HELD)
CANNOT_RECONNECT = "Only this company's admins (and hub admins) can reconnect it."


class Kind(enum.StrEnum):
    NEEDS_RECONNECT = "needs_reconnect"
    DISCONNECTED = "disconnected"
    AUTO_DISCONNECTED = "auto_disconnected"
    REMOVED = "removed"


def kind_of(state: ConnectionState | None, reason: str | None) -> Kind | None:
    """Which banner a connection in this state gets (None: it syncs, or was never connected)."""
    if state is ConnectionState.NEEDS_RECONNECT:
        return Kind.NEEDS_RECONNECT
    if state is ConnectionState.REMOVED:
        return Kind.REMOVED
    if state is ConnectionState.DISCONNECTED:
        return Kind.AUTO_DISCONNECTED if reason == AUTO_DISCONNECT_REASON else Kind.DISCONNECTED
    return None


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _day(moment: datetime) -> str:
    return f"{moment.day} {moment:%B %Y}"


def _moment(moment: datetime) -> str:
    return f"{_day(moment)} at {moment:%H:%M} UTC"


@dataclass(frozen=True)
class Banner:
    """A company's connection that stopped syncing, as its pages announce it."""

    company_id: int
    company: str
    kind: Kind
    since: datetime  # when it stopped syncing
    by: str | None  # the person who disconnected or removed it (None: the hub itself, or nobody known)
    reason: str | None  # why Xero stopped accepting it (needs reconnect)
    waiting: int  # changes kept, sent once it is reconnected
    discarded: int  # after a remove: changes discarded since, never sent
    can_reconnect: bool  # whether the reader may connect Xero for this company

    @property
    def headline(self) -> str:
        return {
            Kind.NEEDS_RECONNECT: f"{self.company} needs reconnecting to Xero.",
            Kind.DISCONNECTED: f"{self.company} is disconnected from Xero.",
            Kind.AUTO_DISCONNECTED: f"{self.company} was disconnected from Xero automatically.",
            Kind.REMOVED: f"{self.company}'s Xero connection was removed.",
        }[self.kind]

    @property
    def detail(self) -> str:
        """What happened and when, what waits (or what a remove means), and who may reconnect."""
        parts = [self._happened(), self._removed() if self.kind is Kind.REMOVED else self._waits()]
        if not self.can_reconnect:
            parts.append(CANNOT_RECONNECT)
        return " ".join(parts)

    @property
    def summary(self) -> str:
        """One line for the overview's list of companies needing a person."""
        by = f" by {self.by}" if self.by else ""
        if self.kind is Kind.NEEDS_RECONNECT:
            return f"Needs reconnecting to Xero since {_day(self.since)}" + (f": {self.reason}" if self.reason else "")
        if self.kind is Kind.AUTO_DISCONNECTED:
            return f"Disconnected automatically on {_day(self.since)} after {DISCONNECT_AT_DAYS} days without activity"
        if self.kind is Kind.REMOVED:
            return f"Xero connection removed{by} on {_day(self.since)}: nothing is sent to Xero"
        return f"Disconnected from Xero{by} on {_day(self.since)}"

    def _happened(self) -> str:
        when = _moment(self.since)
        if self.kind is Kind.NEEDS_RECONNECT:
            return f"Xero stopped accepting the connection on {when}." + (f" {self.reason}" if self.reason else "")
        if self.kind is Kind.AUTO_DISCONNECTED:
            return (
                f"No change reached Xero and nobody worked on the company in the hub for {DISCONNECT_AT_DAYS} days, "
                f"so the hub disconnected it on {when}."
            )
        if self.kind is Kind.REMOVED:
            return f"{self.by} removed it on {when}." if self.by else f"It was removed on {when}."
        who = f"{self.by} disconnected it" if self.by else "It was disconnected"
        return f"{who} on {when}, so nothing syncs until it is reconnected."

    def _waits(self) -> str:
        if not self.waiting:
            return "No change is waiting yet; changes made meanwhile are kept and sent once it is reconnected."
        waits = _count(self.waiting, "change waits", "changes wait")
        return f"{waits} to be sent once it is reconnected, with every change made meanwhile."

    def _removed(self) -> str:
        so_far = (
            _count(self.discarded, "change discarded so far is", "changes discarded so far are")
            + " listed on the Xero connections page."
            if self.discarded
            else "Nothing has been discarded so far."
        )
        return (
            "Nothing is sent to Xero: the changes not yet sent when it was removed, and every change made until a "
            f"reconnection, are discarded; reconnecting does not send them. {so_far}"
        )


def _enders(session: Session, ids: list[int]) -> dict[int, str | None]:
    """Per company: the name of the person behind its latest disconnect or remove (None: the hub itself)."""
    if not ids:
        return {}
    latest = (
        select(func.max(AuditEvent.id))
        .where(AuditEvent.company_id.in_(ids), AuditEvent.action.in_(("disconnect", "remove")))
        .group_by(AuditEvent.company_id)
    )
    rows = session.execute(
        select(AuditEvent.company_id, StaffUser.name)
        .outerjoin(StaffUser, StaffUser.id == AuditEvent.actor_user_id)
        .where(AuditEvent.id.in_(latest))
    )
    return {company_id: name for company_id, name in rows}


def _discarded(session: Session, ids: list[int]) -> dict[int, int]:
    """Per removed company: the changes discarded since it was removed (those pending then, and those made since)."""
    if not ids:
        return {}
    rows = session.execute(
        select(OutboxEntry.company_id, func.count())
        .join(Connection, Connection.company_id == OutboxEntry.company_id)
        .where(
            OutboxEntry.company_id.in_(ids),
            OutboxEntry.state == OutboxState.DISCARDED,
            OutboxEntry.updated_at >= Connection.state_changed_at,
        )
        .group_by(OutboxEntry.company_id)
    )
    return {company_id: count for company_id, count in rows}


@dataclass(frozen=True)
class _Facts:
    company_id: int
    company: str
    kind: Kind
    since: datetime
    reason: str | None
    waiting: int


def _banners(session: Session, actor: Actor, facts: Iterable[_Facts]) -> dict[int, Banner]:
    facts = list(facts)
    enders = _enders(session, [f.company_id for f in facts if f.kind is not Kind.NEEDS_RECONNECT])
    discarded = _discarded(session, [f.company_id for f in facts if f.kind is Kind.REMOVED])
    return {
        f.company_id: Banner(
            company_id=f.company_id,
            company=f.company,
            kind=f.kind,
            since=f.since,
            by=enders.get(f.company_id),
            reason=f.reason if f.kind is Kind.NEEDS_RECONNECT else None,
            waiting=0 if f.kind is Kind.REMOVED else f.waiting,
            discarded=discarded.get(f.company_id, 0),
            can_reconnect=allowed(actor, Permission.MANAGE_CONNECTION, f.company_id),
        )
        for f in facts
    }


def of_company(session: Session, actor: Actor, company_id: int) -> Banner | None:
    """The banner the company's pages show, or None while it syncs (or was never connected)."""
    require(actor, Permission.VIEW_COMPANY, company_id)
    row = session.scalar(select(Connection).where(Connection.company_id == company_id))
    kind = kind_of(row.state, row.state_reason) if row else None
    if row is None or kind is None:
        return None
    company = session.get(Company, company_id)
    waiting = (
        session.scalar(select(func.count()).where(OutboxEntry.company_id == company_id, OutboxEntry.state.in_(WAITING)))
        or 0
    )
    facts = _Facts(company_id, company.name if company else "", kind, row.state_changed_at, row.state_reason, waiting)
    return _banners(session, actor, [facts]).get(company_id)


def for_views(session: Session, actor: Actor, views: Iterable[ConnectionView]) -> dict[int, Banner]:
    """The banners of the companies listed (core.connections.views), by company: two queries whatever their number."""
    facts = []
    for view in views:
        kind = kind_of(view.state, view.reason)
        if kind is not None and view.state_changed_at is not None:
            since = view.state_changed_at
            facts.append(_Facts(view.company_id, view.company, kind, since, view.reason, view.waiting + view.held))
    return _banners(session, actor, facts)
