"""Noticing what happened in Xero without a sync: a grant revoked there, or an organisation disconnected from the
app in Xero's Connected apps. One GET /connections per grant (the identity API, not an organisation's budget)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.hub import Hub
from core.models.sync import Connection, ConnectionState, Grant
from core.xero import oauth
from core.xero.outcomes import ReconnectNeeded, XeroProblem
from core.xero_access import grants

GONE = "The organisation was disconnected from the hub in Xero (Settings → Connected apps); reconnect to Xero."


def check_all(hub: Hub, *, worker: str) -> str:
    """Look at every grant with connected companies; move those Xero no longer honours to "needs reconnect"."""
    with hub.db.read() as session:
        grant_ids = list(
            session.scalars(
                select(Connection.grant_id)
                .join(Grant, Grant.id == Connection.grant_id)
                .where(Connection.state == ConnectionState.CONNECTED, Grant.revoked_at.is_(None))
                .distinct()
            )
        )
    moved = unreachable = 0
    for grant_id in grant_ids:
        try:
            token = grants.access_token(hub.db, hub.settings, grant_id, worker=worker)
            live = {c["id"] for c in oauth.connections(hub.settings, token)}
        except ReconnectNeeded as problem:
            with hub.db.write() as session:  # a refused refresh already did this; an access token refused did not
                grant = session.get(Grant, grant_id)
                before = _connected(session, grant_id)
                if grant is not None and grant.revoked_at is None:
                    grants.end_grant(session, grant_id, reason=problem.message)
                moved += before
            continue
        except XeroProblem:
            unreachable += 1  # Xero unavailable: nothing is concluded from silence
            continue
        with hub.db.write() as session:
            for row in session.scalars(
                select(Connection).where(Connection.grant_id == grant_id, Connection.state == ConnectionState.CONNECTED)
            ):
                if row.xero_connection_id not in live:
                    moved += grants.needs_reconnect(session, row, reason=GONE, code="access_revoked")
    return f"{len(grant_ids)} grants checked, {moved} connections need reconnecting, {unreachable} unreachable"


def _connected(session: Session, grant_id: int) -> int:
    return len(
        session.scalars(
            select(Connection.id).where(Connection.grant_id == grant_id, Connection.state == ConnectionState.CONNECTED)
        ).all()
    )
