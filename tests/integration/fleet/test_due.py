"""Due-queries on both databases: what is due is found in one query, the company served longest ago first, and a
status poll taken by one sidecar is not taken again by another."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from core import clock
from core.documents import status
from core.hub import Hub
from core.models.base import Company
from core.models.sync import Connection, ConnectionState
from core.push import turns
from core.sync import outbox

MINUTE = timedelta(minutes=1)


def companies(hub: Hub) -> list[int]:
    with hub.db.read() as session:
        return list(session.scalars(select(Company.id).order_by(Company.id)))


def link(hub: Hub, company_id: int, **values: datetime | None) -> None:
    with hub.db.write() as session:
        row = Connection(company_id=company_id, state=ConnectionState.CONNECTED, state_changed_at=clock.now())
        for name, value in values.items():
            setattr(row, name, value)
        session.add(row)


def test_status_polls_are_taken_oldest_first_once_and_never_for_nothing_pushed(seeded: Hub) -> None:
    recent, oldest, unpushed = companies(seeded)[:3]
    now = clock.now()
    link(seeded, recent, documents_polled_at=now - 10 * MINUTE, documents_since=now - 60 * MINUTE)
    link(seeded, oldest, documents_polled_at=now - 20 * MINUTE, documents_since=now - 60 * MINUTE)
    link(seeded, unpushed, documents_polled_at=now - 30 * MINUTE)  # nothing pushed: polled only when asked
    every = 300
    with seeded.db.write() as session:
        assert status.claim_due(session, every_seconds=every, limit=1) == [oldest]
    with seeded.db.write() as session:  # another sidecar's turn: what the first took is not due again
        assert status.claim_due(session, every_seconds=every) == [recent]
    with seeded.db.write() as session:
        assert status.claim_due(session, every_seconds=every) == []
        session.execute(update(Connection).where(Connection.company_id == unpushed).values(documents_polled_at=None))
    with seeded.db.write() as session:  # "Check Xero now"
        assert status.claim_due(session, every_seconds=every) == [unpushed]


def test_pushes_go_to_the_company_served_longest_ago_first(seeded: Hub) -> None:
    busy, quiet, new = companies(seeded)[:3]
    now = clock.now()
    link(seeded, busy, last_sync_at=now - MINUTE)
    link(seeded, quiet, last_sync_at=now - 60 * MINUTE)
    link(seeded, new, last_sync_at=None)
    with seeded.db.write() as session:
        for n, company_id in enumerate((busy, busy, quiet, busy, new)):  # the busy one's changes: older, more
            entry = outbox.enqueue(
                session,
                company_id=company_id,
                entity_type="contact",
                entity_id=str(n),
                version=1,
                operation="update",
                payload={},
            )
            entry.not_before = now - 5 * MINUTE
    assert turns.due_companies(seeded, "contact") == [new, quiet, busy]
