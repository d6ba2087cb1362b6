"""Xero's cap on the organisations an app not yet certified may be connected to at once (XERO_CONNECTION_CAP, 25 by
default): how many places the hub's app holds, and the words that say what to do when it runs short."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import text
from core.auth import Actor, company_scope
from core.models.sync import Connection, ConnectionState

# Connections that hold a place in Xero (a disconnected or removed one gave its place back).
HOLDING = (ConnectionState.CONNECTED, ConnectionState.NEEDS_RECONNECT, ConnectionState.PENDING_CONFIRMATION)
NEAR = 0.8  # warn from this share of the cap


@dataclass(frozen=True)
class Usage:
    used: int
    cap: int

    @property
    def full(self) -> bool:
        return self.used >= self.cap

    @property
    def near(self) -> bool:
        return self.used >= self.cap * NEAR

    @property
    def words(self) -> str:
        return f"{self.used} of {self.cap} Xero connections in use"

    @property
    def advice(self) -> str:
        """What to do when the cap is near or reached."""
        left = self.cap - self.used
        head = (
            f"The hub's Xero app is connected to {text.plural(self.used, 'organisation', 'organisations')}, the most "
            "Xero allows an app that has not completed its certification, so no other company can connect."
            if self.full
            else f"The hub's Xero app has {text.plural(left, 'connection', 'connections')} left of the {self.cap} "
            "Xero allows an app that has not completed its certification."
        )
        return (
            f"{head} Disconnect companies that no longer use Xero (that gives their place back), or ask the "
            "engineering team to certify the app with Xero and then raise XERO_CONNECTION_CAP."
        )


def usage(session: Session, cap: int) -> Usage:
    used = session.scalar(select(func.count()).select_from(Connection).where(Connection.state.in_(HOLDING)))
    return Usage(int(used or 0), cap)


def warning(session: Session, actor: Actor, company_id: int | None, cap: int) -> Usage | None:
    """The places to warn about on the Xero connections page, or None: support and admins hear as they run short;
    a finance manager only when the cap stops their company connecting."""
    found = usage(session, cap)
    if found.near and company_scope(actor) is None:
        return found
    if found.full and not (company_id is not None and holds_place(session, company_id)):
        return found
    return None


def holds_place(session: Session, company_id: int) -> bool:
    """Whether the company's connection already holds a place (reconnecting it takes no new one)."""
    held = session.scalar(
        select(func.count()).where(Connection.company_id == company_id, Connection.state.in_(HOLDING))
    )
    return bool(held)
