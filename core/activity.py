"""Activity on a company's Xero connection: a synced change or a staff action restarts the inactivity count."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from core import clock
from core.models.sync import Connection, ConnectionState


def record(session: Session, company_id: int, *, synced: bool = False) -> None:
    """Note activity now (and a successful sync when `synced`): the 60-day inactivity disconnect starts over."""

    values = {"last_activity_at": clock.now(), "inactivity_warned_days": None}
    if synced:
        values["last_sync_at"] = clock.now()
    session.execute(
        update(Connection)
        .where(Connection.company_id == company_id, Connection.state == ConnectionState.CONNECTED)
        .values(**values)
    )
