"""The outbox: every change to push to Xero is a row first, claimed under a lease, retried with backoff.

Enqueue happens in the caller's transaction (the change and its entry commit together). Claiming is a
compare-and-set on both databases: PostgreSQL takes a batch with FOR UPDATE SKIP LOCKED; SQLite's BEGIN IMMEDIATE
already serialises writers. A worker that dies mid-lease loses nothing: the lease expires and the entry is claimed
again, and its Idempotency-Key (see write_key) lets Xero replay the first answer instead of applying it twice.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.orm import Session

from core import clock
from core.db import Database
from core.models.sync import OutboxEntry, OutboxState

LEASE = timedelta(minutes=2)
BACKOFF_BASE_SECONDS = 5
BACKOFF_MAX_SECONDS = 900
# Changes recorded but not yet in Xero: waiting, being sent, or failed and due again (held ones wait for a reconnect).
UNSYNCED = (OutboxState.PENDING, OutboxState.LEASED, OutboxState.FAILED)


def idempotency_key(entity_type: str, entity_id: str, version: int) -> str:
    """The Idempotency-Key Xero gets for this version of this record."""
    return f"{entity_type}:{entity_id}:v{version}"[:128]


def enqueue(
    session: Session,
    *,
    company_id: int,
    entity_type: str,
    entity_id: str,
    version: int,
    operation: str,
    payload: dict[str, Any],
    connection_id: int | None = None,
    state: OutboxState = OutboxState.PENDING,
) -> OutboxEntry:
    """Add a change to push, in the caller's transaction; a waiting change to the same record absorbs it.

    state: PENDING (connected), HELD (disconnected: kept until reconnect) or DISCARDED (removed: kept for the
    record, never pushed).
    """
    now = clock.now()
    waiting = session.scalar(
        select(OutboxEntry)
        .where(
            OutboxEntry.company_id == company_id,
            OutboxEntry.entity_type == entity_type,
            OutboxEntry.entity_id == entity_id,
            OutboxEntry.state.in_((OutboxState.PENDING, OutboxState.HELD, OutboxState.FAILED)),
        )
        .order_by(OutboxEntry.id.desc())
        .limit(1)
    )
    if waiting is not None and waiting.operation == operation and state is not OutboxState.DISCARDED:
        # Coalesce: one push carries the record's changes since it last synced. The caller's payload is that
        # whole difference, so it replaces the waiting one (a field changed back drops out, as it should).
        waiting.payload = dict(payload)
        waiting.entity_version = max(waiting.entity_version, version)
        waiting.idempotency_key = idempotency_key(entity_type, entity_id, waiting.entity_version)
        waiting.state = state
        waiting.not_before, waiting.updated_at = now, now
        return waiting
    entry = OutboxEntry(
        company_id=company_id,
        connection_id=connection_id,
        entity_type=entity_type,
        entity_id=entity_id,
        entity_version=version,
        operation=operation,
        payload=dict(payload),
        idempotency_key=idempotency_key(entity_type, entity_id, version),
        state=state,
        attempts=0,
        failures=0,
        refusals=0,
        not_before=now,
        created_at=now,
        updated_at=now,
    )
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class Claimed:
    id: int
    company_id: int
    connection_id: int | None
    entity_type: str
    entity_id: str
    entity_version: int
    operation: str
    payload: dict[str, Any]
    idempotency_key: str
    attempts: int  # claims so far, this one included
    failures: int = 0  # of those, the tries that failed
    refusals: int = 0  # times Xero refused this entry (a person fixed the cause and sent it again)


def write_key(kind: str, entries: Iterable[Claimed], body: Any) -> str:
    """The Idempotency-Key of one write to Xero.

    The same for every retry of the same versions with the same body, so a write whose answer was lost (a timeout,
    a reply cut off, a sidecar killed) is answered by Xero with its first answer instead of being done twice. New
    when a version or the body changes (Xero refuses a key reused for another request) and once Xero has refused an
    entry (its refusal would be replayed to the retry a person makes after fixing the cause).
    """
    versions = sorted(f"{e.idempotency_key}#{e.refusals}" for e in entries)
    material = json.dumps([kind, versions, body], sort_keys=True, default=str, separators=(",", ":"))
    return f"{kind}:{hashlib.sha256(material.encode()).hexdigest()[:40]}"


def _claimable(now: datetime, *, company_id: int | None, entity_type: str | None) -> Any:
    """Entries that may be claimed now, as a statement (oldest first).

    A record's changes go out in order and one at a time: only the oldest live change of a record (pending, failed
    and waiting for a person, or leased with the lease run out) can go, and only while no other change to it is in
    flight. Worked out with one GROUP BY over the live entries, so the cost stays linear whatever the planner
    believes: a correlated NOT EXISTS could turn quadratic on PostgreSQL before the table has statistics (10,000
    waiting changes right after a backfill took 45 s a claim)."""
    e = OutboxEntry
    live = e.state.in_((OutboxState.PENDING, OutboxState.FAILED, OutboxState.LEASED))
    expired = and_(e.state == OutboxState.LEASED, e.lease_until < now)
    in_flight = and_(e.state == OutboxState.LEASED, e.lease_until >= now)
    records = select(
        func.min(case((or_(e.state.in_((OutboxState.PENDING, OutboxState.FAILED)), expired), e.id))).label("first"),
        func.max(case((in_flight, 1), else_=0)).label("busy"),
    ).where(live)
    if company_id is not None:
        records = records.where(e.company_id == company_id)
    if entity_type is not None:
        records = records.where(e.entity_type == entity_type)
    heads = records.group_by(e.company_id, e.entity_type, e.entity_id).subquery()
    due = and_(e.state == OutboxState.PENDING, e.not_before <= now)
    return select(e).join(heads, e.id == heads.c.first).where(heads.c.busy == 0, or_(due, expired)).order_by(e.id)


def claim(
    db: Database,
    *,
    worker: str,
    limit: int = 50,
    company_id: int | None = None,
    entity_type: str | None = None,
    lease: timedelta = LEASE,
) -> list[Claimed]:
    """Lease up to `limit` due entries (oldest first) to this worker, in one short transaction."""
    now = clock.now()
    with db.write() as session:
        query = _claimable(now, company_id=company_id, entity_type=entity_type).limit(limit)
        if db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True, of=OutboxEntry)
        rows = list(session.scalars(query))
        for row in rows:
            row.state, row.lease_owner, row.lease_until = OutboxState.LEASED, worker, now + lease
            row.attempts += 1
            row.updated_at = now
        return [
            Claimed(
                r.id,
                r.company_id,
                r.connection_id,
                r.entity_type,
                r.entity_id,
                r.entity_version,
                r.operation,
                dict(r.payload),
                r.idempotency_key,
                r.attempts,
                r.failures,
                r.refusals,
            )
            for r in rows
        ]


def _settle(session: Session, entry_id: int, worker: str, **values: Any) -> bool:
    """Compare-and-set: only the worker that holds the lease may settle the entry."""
    return _settle_all(session, [entry_id], worker, **values) == 1


def _settle_all(session: Session, entry_ids: list[int], worker: str, **values: Any) -> int:
    """_settle for several entries in one statement; returns how many this worker still held."""
    if not entry_ids:
        return 0
    result = session.execute(
        update(OutboxEntry)
        .where(
            OutboxEntry.id.in_(entry_ids), OutboxEntry.state == OutboxState.LEASED, OutboxEntry.lease_owner == worker
        )
        .values(lease_owner=None, lease_until=None, updated_at=clock.now(), **values)
    )
    return result.rowcount or 0


def complete(session: Session, entry_id: int, *, worker: str, xero_id: str | None = None) -> bool:
    """The push succeeded; return False if the lease was lost meanwhile (someone else owns the entry now)."""
    return _settle(session, entry_id, worker, state=OutboxState.DONE, xero_id=xero_id, done_at=clock.now())


def backoff(attempts: int, *, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with full jitter, capped at 15 minutes."""
    ceiling = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))
    return timedelta(seconds=(rng or random).uniform(ceiling / 2, ceiling))


def retry_later(
    session: Session,
    entry_id: int,
    *,
    worker: str,
    failures: int,
    error_id: int | None = None,
    not_before: datetime | None = None,
) -> bool:
    """Back to pending: after a back-off that grows with the entry's failures (claims that only waited do not
    count, so one outage after many waits is tried again within seconds), and not before the time given."""
    due = max(not_before or clock.now(), clock.now() + backoff(failures))
    values = {"not_before": due, "failures": failures, "last_error_id": error_id}
    return _settle(session, entry_id, worker, state=OutboxState.PENDING, **values)


def give_back(session: Session, entry_ids: list[int], *, worker: str) -> int:
    """A turn ran out of time before sending these: due again at once, as if never claimed (the claim is not
    counted, so a create is not looked up in Xero as if an earlier try might have reached it)."""
    back = {"state": OutboxState.PENDING, "not_before": clock.now(), "attempts": OutboxEntry.attempts - 1}
    return _settle_all(session, entry_ids, worker, **back)


def fail(session: Session, entry_id: int, *, worker: str, error_id: int) -> bool:
    """A failure that needs a person: the entry waits, failed, until someone retries it (under a new key)."""
    refused = {"last_error_id": error_id, "refusals": OutboxEntry.refusals + 1}
    return _settle(session, entry_id, worker, state=OutboxState.FAILED, **refused)


def hold(session: Session, entry_id: int, *, worker: str) -> bool:
    """The connection is not usable: keep the entry until it is again."""
    return _settle(session, entry_id, worker, state=OutboxState.HELD)


def discard(session: Session, entry_id: int, *, worker: str) -> bool:
    """The company was removed while the entry was in flight: it is never sent (listed as discarded)."""
    return _settle(session, entry_id, worker, state=OutboxState.DISCARDED)


def settle_creates(session: Session, *, company_id: int, entity_id: str, xero_id: str) -> int:
    """The record was linked to an existing Xero record meanwhile: a create still waiting would duplicate it."""
    result = session.execute(
        update(OutboxEntry)
        .where(
            OutboxEntry.company_id == company_id,
            OutboxEntry.entity_id == entity_id,
            OutboxEntry.operation == "create",
            OutboxEntry.state.in_((OutboxState.PENDING, OutboxState.HELD, OutboxState.FAILED)),
        )
        .values(state=OutboxState.DONE, xero_id=xero_id, done_at=clock.now(), updated_at=clock.now())
    )
    return result.rowcount or 0


def retry(session: Session, entry_ids: list[int]) -> int:
    """Put failed entries back in the queue at once (a person fixed the cause)."""
    result = session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.id.in_(entry_ids), OutboxEntry.state == OutboxState.FAILED)
        .values(state=OutboxState.PENDING, not_before=clock.now(), updated_at=clock.now())
    )
    return result.rowcount or 0
