"""Document push, the executor: claim waiting invoice, bill and credit-note changes per organisation, check them
(core.documents.preflight), plan them (core.documents.plan), send them in batches of up to 50 per endpoint, and
settle every entry with what Xero said (core.documents.settle). The sidecar runs it every 2 seconds.

A document whose contact is not in Xero yet has the contact created first, in the same tick, through the supplier
push's own create path (core.contacts.push); a timed-out write is looked up in Xero before it is sent again
(core.documents.lookup). Organisations are pushed side by side (a few threads), each through its own budget gate.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import distinct, select, update
from sqlalchemy.orm import Session

from core import clock
from core.contacts import push as contact_push
from core.documents import lookup as document_lookup
from core.documents import settle as document_settle
from core.documents.gather import gather, need_contacts
from core.documents.plan import Plan, Write, batch_key, plan
from core.documents.settle import Tally
from core.hub import Hub
from core.models.platform import PlatformDocument
from core.models.sync import Connection, ConnectionState, OutboxEntry, OutboxState
from core.sync import outbox, run_history
from core.sync.outbox import Claimed
from core.xero.answers import items_of
from core.xero.client import AccountingClient
from core.xero.outcomes import (
    ItemResult,
    ReconnectNeeded,
    RetryAfter,
    Transient,
    UncertainOutcome,
    ValidationFailed,
    XeroProblem,
)
from core.xero.resources import BATCH_SIZE
from core.xero_access import gate

ENTITY = "document"
WAIT_FOR_REFERENCE = 10  # seconds: the reference data is read within seconds of connecting
# Changes claimed per organisation at once: up to four calls of 50 through one client and one read of the mappings.
PER_TURN = 4 * BATCH_SIZE
PARALLEL = 8  # organisations pushed at once: each waits on its own budget, so one slow organisation holds none up


@dataclass
class _Batch:
    """One company's push, recorded as one sync run (job "push")."""

    company_id: int
    started_at: datetime
    tally: Tally
    calls: int = 0
    quiet: int = 0  # entries settled without a call

    def record(self, session: Session, note: str = "") -> None:
        t = self.tally
        run_history.record_finished(
            session,
            company_id=self.company_id,
            job="push",
            started_at=self.started_at,
            records=t.sent + t.failed + self.quiet,
            api_calls=self.calls,
            outcome=f"{t}" + (f"; {self.quiet} needed no call" if self.quiet else "") + note,
            failed=t.sent == 0 and t.failed + t.waiting > 0,
        )


def due_companies(hub: Hub) -> list[int]:
    """Companies with document changes due now."""
    with hub.db.read() as session:
        return list(
            session.scalars(
                select(distinct(OutboxEntry.company_id)).where(
                    OutboxEntry.entity_type == ENTITY,
                    OutboxEntry.state.in_((OutboxState.PENDING, OutboxState.LEASED)),
                    OutboxEntry.not_before <= clock.now(),
                )
            )
        )


def push_due(hub: Hub, *, worker: str, limit: int = PER_TURN, parallel: int = PARALLEL) -> Tally:
    """One batch (up to `limit` changes) for every organisation with changes due, organisations side by side."""
    companies = due_companies(hub)
    total = Tally()
    if len(companies) <= 1 or parallel <= 1:
        for company_id in companies:
            total.add(push_company(hub, company_id, worker=worker, limit=limit))
        return total
    with ThreadPoolExecutor(max_workers=min(parallel, len(companies))) as pool:
        for tally in pool.map(lambda c: push_company(hub, c, worker=worker, limit=limit), companies):
            total.add(tally)
    return total


def push_for(hub: Hub, *, worker: str, seconds: float = 1.8, limit: int = PER_TURN) -> Tally:
    """Batches until nothing is due or `seconds` pass: a backlog keeps every organisation's budget in use."""
    deadline = time.monotonic() + seconds
    total = Tally()
    while True:
        tally = push_due(hub, worker=worker, limit=limit)
        total.add(tally)
        if tally.sent + tally.failed == 0 or time.monotonic() > deadline:
            return total


def push_company(hub: Hub, company_id: int, *, worker: str, limit: int = PER_TURN) -> Tally:
    """Claim up to `limit` of the company's due document changes and push them."""
    entries = outbox.claim(hub.db, worker=worker, limit=limit, company_id=company_id, entity_type=ENTITY)
    batch = _Batch(company_id, clock.now(), Tally())
    if entries:
        _push(hub, company_id, entries, worker, batch)
    return batch.tally


def _push(hub: Hub, company_id: int, entries: list[Claimed], worker: str, batch: _Batch) -> None:
    with hub.db.read() as session:
        connection = session.scalar(select(Connection).where(Connection.company_id == company_id))
        facts, lookups = gather(session, company_id, entries)
    if connection is None or connection.state is not ConnectionState.CONNECTED:
        removed = connection is not None and connection.state is ConnectionState.REMOVED
        with hub.db.write() as session:
            for entry in entries:
                (outbox.discard if removed else outbox.hold)(session, entry.id, worker=worker)
            batch.record(session, f"; {len(entries)} changes {'discarded' if removed else 'held until reconnected'}")
        return
    if not lookups.ready:  # just connected: judging mappings before Xero's accounts are read would refuse all
        with hub.db.write() as session:
            document_settle.later(session, entries, worker=worker, tally=batch.tally, seconds=WAIT_FOR_REFERENCE)
            batch.record(session, "; waiting for Xero's accounts and tax rates to be read")
        return
    decided = plan(entries, facts, lookups)
    writes = list(decided.writes)
    if decided.waits:
        writes += _with_contacts(hub, company_id, decided, worker, batch)
    with hub.db.write() as session:
        for settle in decided.settles:
            outbox.complete(session, settle.entry.id, worker=worker)
        document_settle.refuse_all(session, decided.refusals, worker=worker, tally=batch.tally)
        batch.quiet = len(decided.settles)
        if not writes:
            batch.record(session)
    if writes:
        _send(hub, connection.id, writes, worker, batch)


def _with_contacts(hub: Hub, company_id: int, decided: Plan, worker: str, batch: _Batch) -> list[Write]:
    """Create the missing contacts in Xero now (the supplier push's create path), then plan their documents again;
    a document whose contact could not be created yet waits a few seconds."""
    waiting = [w.entry for w in decided.waits]
    with hub.db.write() as session:
        need_contacts(session, company_id, [w.contact_id for w in decided.waits])
    contact_push.push_due(hub, worker=worker)
    with hub.db.read() as session:
        facts, lookups = gather(session, company_id, waiting)
    again = plan(waiting, facts, lookups)
    with hub.db.write() as session:
        for settle in again.settles:
            outbox.complete(session, settle.entry.id, worker=worker)
        document_settle.refuse_all(session, again.refusals, worker=worker, tally=batch.tally)
        document_settle.later(session, [w.entry for w in again.waits], worker=worker, tally=batch.tally)
    return list(again.writes)


def _groups(writes: Sequence[Write]) -> list[list[Write]]:
    """Up to 50 per call, per endpoint and method (PUT creates, POST updates and voids)."""
    keyed: dict[tuple[str, bool], list[Write]] = {}
    for write in writes:
        keyed.setdefault((write.resource.collection, write.create), []).append(write)
    return [group[i : i + BATCH_SIZE] for group in keyed.values() for i in range(0, len(group), BATCH_SIZE)]


def _send(hub: Hub, connection_id: int, writes: list[Write], worker: str, batch: _Batch) -> None:
    remaining = list(writes)
    client: AccountingClient | None = None
    try:
        with gate.organisation(hub, connection_id, worker=worker) as xero:
            client = xero
            remaining = _adopt_found(hub, xero, remaining, worker, batch)
            for group in _groups(remaining):
                _call(hub, xero, group, worker, batch)
                sent = {w.entry.id for w in group}
                remaining = [w for w in remaining if w.entry.id not in sent]
    except ReconnectNeeded:
        with hub.db.write() as session:
            for write in remaining:
                outbox.hold(session, write.entry.id, worker=worker)
            batch.tally.waiting += len(remaining)
            batch.calls = client.calls if client else batch.calls
            batch.record(session, "; held until Xero is reconnected")
        return
    except RetryAfter as wait:
        _later(
            hub, remaining, worker, batch, client, seconds=wait.seconds, note=f"; Xero asked to wait {wait.seconds} s"
        )
        return
    except XeroProblem as problem:  # reading (the lookup) failed, or an outage between calls
        _later(hub, remaining, worker, batch, client, problem=problem, note=f"; {problem.message}")
        return
    with hub.db.write() as session:
        batch.calls = client.calls if client else 0
        batch.record(session)


def _later(
    hub: Hub,
    writes: list[Write],
    worker: str,
    batch: _Batch,
    client: AccountingClient | None,
    *,
    seconds: int = 0,
    problem: XeroProblem | None = None,
    note: str = "",
) -> None:
    with hub.db.write() as session:
        entries = [w.entry for w in writes]
        document_settle.later(session, entries, worker=worker, tally=batch.tally, seconds=seconds, problem=problem)
        batch.calls = client.calls if client else batch.calls
        batch.record(session, note)


def _adopt_found(hub: Hub, xero: AccountingClient, writes: list[Write], worker: str, batch: _Batch) -> list[Write]:
    """Creates whose earlier write went unanswered: adopt those Xero already holds; send only the others."""
    unsure = [w for w in writes if w.lookup]
    if not unsure:
        return writes
    found = document_lookup.find(xero, unsure)
    with hub.db.write() as session:
        adopted = [(w, found[w.entry.id]) for w in unsure if w.entry.id in found]
        document_settle.succeeded(session, adopted, worker=worker, tally=batch.tally)
    return [w for w in writes if w.entry.id not in found]


def _call(hub: Hub, xero: AccountingClient, group: list[Write], worker: str, batch: _Batch) -> None:
    """One batch write; its answer settled at once (a later batch's trouble never loses this one's outcome).

    The creates are marked uncertain before the call (write-ahead): if the process dies before the answer is
    settled, the retry looks them up in Xero instead of creating them twice. Any answer clears the mark."""
    resource = group[0].resource
    creates = [w.document_id for w in group if w.create]
    _mark(hub, creates, on=True)
    try:
        data = xero.request(
            "PUT" if group[0].create else "POST",
            f"/{resource.collection}",
            params={"summarizeErrors": "false", "unitdp": "4"},
            json={resource.collection: [w.element for w in group]},
            headers={"Idempotency-Key": batch_key(group)[:128]},
        )
    except (UncertainOutcome, Transient) as problem:
        if problem.status is not None:  # Xero answered (5xx): nothing was saved
            _mark(hub, creates, on=False)
            raise
        # No answer: Xero may have saved the batch. Look the documents up before any retry.
        with hub.db.write() as session:
            document_settle.uncertain(session, group, problem, worker=worker, tally=batch.tally)
        return
    except XeroProblem as problem:
        _mark(hub, creates, on=False)  # Xero answered, or the budget stopped the call before it went out
        if not isinstance(problem, ValidationFailed):
            raise
        items = problem.items or [ItemResult(False, {}, (problem.message,))] * len(group)
        with hub.db.write() as session:
            document_settle.apply(session, group, items, worker=worker, tally=batch.tally, problem=problem)
        return
    with hub.db.write() as session:
        document_settle.apply(session, group, items_of(data, resource.collection), worker=worker, tally=batch.tally)


def _mark(hub: Hub, document_ids: list[int], *, on: bool) -> None:
    if not document_ids:
        return
    with hub.db.write() as session:
        query = update(PlatformDocument).where(PlatformDocument.id.in_(document_ids))
        if on:
            query = query.where(PlatformDocument.uncertain_since.is_(None)).values(uncertain_since=clock.now())
        else:
            query = query.values(uncertain_since=None)
        session.execute(query.execution_options(synchronize_session=False))
