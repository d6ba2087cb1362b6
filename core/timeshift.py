"""Moving time for the whole demo (or a test run): the hub's shared clock offset, and the simulator's in step."""

from __future__ import annotations

import httpx
from sqlalchemy import update

from core.db import Database, insert_if_missing
from core.models.base import HubMeta

KEY = "clock_offset_seconds"


def offset(db: Database) -> float:
    """The shared offset in seconds (0 when nobody moved the clock)."""
    with db.read() as session:
        row = session.get(HubMeta, KEY)
        return float(row.value) if row else 0.0


def advance(
    db: Database, seconds: float, *, simulator_url: str | None = None, simulator_token: str | None = None
) -> float:
    """Move every process's clock forward (and the simulator's, when it is local: its control API needs the run's
    token); return the new offset."""
    if seconds < 0:
        raise ValueError("The clock only moves forward.")
    with db.write() as session:
        insert_if_missing(session, HubMeta.__table__, {"key": KEY, "value": "0"})
        row = session.get(HubMeta, KEY)
        assert row is not None
        new = float(row.value) + seconds
        session.execute(update(HubMeta).where(HubMeta.key == KEY).values(value=repr(new)))
    if simulator_url:
        httpx.post(
            f"{simulator_url}/_sandbox/clock/advance",
            json={"seconds": seconds},
            headers={"Authorization": f"Bearer {simulator_token or ''}"},
            timeout=10,
        ).raise_for_status()
    return new
