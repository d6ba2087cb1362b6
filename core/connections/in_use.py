"""Who still needs a Xero connection or grant: the checks the clean-ups make before undoing anything in Xero."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.models.sync import (
    Connection,
    ConnectionState,
    ConsentRequest,
    Grant,
    XeroCleanup,
)

# A company that still uses a grant: syncing through it, or waiting for its second pick.
LIVE_STATES = (ConnectionState.CONNECTED, ConnectionState.PENDING_CONFIRMATION)


def connection_in_use(session: Session, xero_connection_id: str, *, except_company: int | None = None) -> bool:
    """Whether a company in the hub still syncs through this Xero connection."""
    query = select(Connection.id).where(
        Connection.xero_connection_id == xero_connection_id, Connection.state.in_(LIVE_STATES)
    )
    if except_company is not None:
        query = query.where(Connection.company_id != except_company)
    return session.scalar(query.limit(1)) is not None


def awaiting_pick(session: Session, xero_connection_id: str, *, except_consent: int | None) -> bool:
    """Whether a consent (another one than `except_consent`), still waiting for its second pick, offers it."""
    waiting = session.scalars(
        select(ConsentRequest).where(
            ConsentRequest.id != (except_consent or 0),
            ConsentRequest.grant_id.is_not(None),
            ConsentRequest.confirmed_at.is_(None),
            ConsentRequest.abandoned_at.is_(None),
            ConsentRequest.expires_at >= clock.now(),
        )
    )
    return any(o["id"] == xero_connection_id for consent in waiting for o in consent.offered or [])


def same_user(session: Session, grant: Grant) -> list[int]:
    if grant.xero_user_id is None:
        return [grant.id]
    return list(session.scalars(select(Grant.id).where(Grant.xero_user_id == grant.xero_user_id)))


def grant_in_use(session: Session, grant: Grant) -> bool:
    """Whether revoking this grant would cut off a company (revocation ends all of its Xero user's connections)."""
    ids = same_user(session, grant)
    connected = session.scalar(
        select(Connection.id).where(Connection.grant_id.in_(ids), Connection.state.in_(LIVE_STATES)).limit(1)
    )
    picking = session.scalar(
        select(ConsentRequest.id)
        .where(
            ConsentRequest.grant_id.in_(ids),
            ConsentRequest.confirmed_at.is_(None),
            ConsentRequest.abandoned_at.is_(None),
            ConsentRequest.expires_at >= clock.now(),
        )
        .limit(1)
    )
    return connected is not None or picking is not None


def deleting(session: Session, xero_connection_id: str) -> bool:
    """Whether a sidecar is deleting this connection in Xero right now (a reconnect must wait a moment)."""
    return (
        session.scalar(
            select(XeroCleanup.id)
            .where(
                XeroCleanup.xero_connection_id == xero_connection_id,
                XeroCleanup.done_at.is_(None),
                XeroCleanup.lease_until >= clock.now(),
            )
            .limit(1)
        )
        is not None
    )
