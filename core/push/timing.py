"""How long the changes a push turn sent waited for Xero, into the push latency histogram (core.metrics)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select

from core.hub import Hub
from core.metrics import definitions as metrics
from core.models.sync import Connection, OutboxEntry, OutboxState
from core.sync.outbox import Claimed


def observe(hub: Hub, entries: list[Claimed], *, since: datetime) -> None:
    """Each of the turn's changes now done, from when it could first go (recorded, or its company connected if that
    came later, as the overview counts it) to done. One read by primary key, after the turn's own work."""
    e = OutboxEntry
    query = (
        select(e.entity_type, e.created_at, e.done_at, Connection.connected_at)
        .outerjoin(Connection, Connection.company_id == e.company_id)
        .where(e.id.in_([entry.id for entry in entries]), e.state == OutboxState.DONE, e.done_at >= since)
    )
    waited: dict[str, list[float]] = defaultdict(list)
    with hub.db.read() as session:
        for kind, created, done, connected in session.execute(query):
            waited[kind].append((done - max(created, connected or created)).total_seconds())
    for kind, seconds in waited.items():
        metrics.pushed(kind, seconds)
