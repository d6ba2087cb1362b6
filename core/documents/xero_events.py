"""Document status in real time: Xero's INVOICE and CREDITNOTE webhook events (kept in the inbox by
core.contacts.webhooks.receive) become, per organisation, one read of the documents they name, applied as the poll
applies its own (core.documents.status.apply, then the customers' balances and off_balance.flag).

A payment recorded in Xero changes its invoice (amount paid and due, status PAID), which fires an INVOICE UPDATE;
so does a void (facts §7). Events are thin, so the documents are read: every invoice of one organisation in one
`GET Invoices?IDs=…` (50 a call), credit notes in one `GET CreditNotes?where=CreditNoteID==Guid(…) OR …` (Xero's
credit notes take no IDs filter; 20 a call keeps the URL short), then the affected customers' balances. The reads go
through the same budget gate as the poll, in a `documents_webhook` run per company: claimed by one sidecar at a
time, ids from events that arrive meanwhile merged into the next run, and a read that fails recorded as a failed
run, the status then coming back with the next poll (core.documents.status, the safety net).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.documents import off_balance, status
from core.hub import Hub
from core.models.platform import PlatformDocument
from core.models.sync import Connection, ConnectionState, RunState, SyncRun
from core.sync import inbox, runs
from core.sync.inbox import DOCUMENT_CATEGORIES, NO_COMPANY, Linked, not_connected
from core.text import plural
from core.xero import resources
from core.xero.outcomes import RetryAfter, XeroProblem
from core.xero_access import gate

JOB = "documents_webhook"
NOT_OURS = "not a document the hub sent; nothing to do"
OWN_CREATE = "the hub's own push created it; nothing to read"
IDS_PER_CALL = 50  # InvoiceIDs in the URL, as for contacts
WHERE_PER_CALL = 20  # credit notes named in a where clause, about 55 characters each
# A read does not sleep long on the budget: the run waits in the queue instead, so other organisations go on.
MAX_WAIT_SECONDS = 2.0
RUNS_PER_TICK = 50
PARALLEL = 4  # organisations read side by side: a read mostly waits on Xero, and each has its own budget


@dataclass(frozen=True)
class Waiting:
    """A document event waiting in the inbox."""

    id: int
    tenant_id: str
    category: str
    event_type: str
    resource_id: str


@dataclass(frozen=True)
class Plan:
    """Documents to read per company ("INVOICE:<id>", "CREDITNOTE:<id>"), and each event's outcome."""

    reads: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    outcomes: Mapping[int, str] = field(default_factory=dict)


def plan(waiting: Iterable[Waiting], links: Mapping[str, list[Linked]], ours: set[tuple[int, str]]) -> Plan:
    """Decide, without I/O, what each event becomes; `ours` holds (company, Xero id) of the documents the hub sent."""
    reads: dict[int, list[str]] = defaultdict(list)
    outcomes: dict[int, str] = {}
    for event in waiting:
        linked = links.get(event.tenant_id, [])
        connected = sorted(c.company_id for c in linked if c.state == ConnectionState.CONNECTED)
        owners = [c for c in connected if (c, event.resource_id) in ours]
        if not linked:
            outcomes[event.id] = NO_COMPANY
        elif not connected:
            outcomes[event.id] = (
                f"not read: the company's connection is {not_connected(linked)}; "
                "the status poll picks the change up once it is connected again"
            )
        elif not owners:
            outcomes[event.id] = NOT_OURS
        elif event.event_type == "CREATE":  # the push wrote what Xero holds, and reads its answer already
            outcomes[event.id] = OWN_CREATE
        else:
            wanted = f"{event.category}:{event.resource_id}"
            for company_id in owners:
                if wanted not in reads[company_id]:
                    reads[company_id].append(wanted)
            outcomes[event.id] = f"status read asked for (company {', '.join(str(c) for c in owners)})"
    return Plan(reads={k: tuple(v) for k, v in reads.items() if v}, outcomes=outcomes)


def _ours(session: Session, links: Mapping[str, list[Linked]], ids: set[str]) -> set[tuple[int, str]]:
    companies = {c.company_id for linked in links.values() for c in linked if c.state == ConnectionState.CONNECTED}
    if not companies or not ids:
        return set()
    rows = session.execute(
        select(PlatformDocument.company_id, PlatformDocument.xero_id).where(
            PlatformDocument.company_id.in_(companies), PlatformDocument.xero_id.in_(ids)
        )
    )
    return {(company_id, str(xero_id)) for company_id, xero_id in rows}


def process(hub: Hub, *, limit: int = 200) -> str:
    """Turn waiting invoice and credit-note events into documents_webhook runs (one per company, ids merged); mark
    each event once (SKIP LOCKED keeps two sidecars apart, as for contact events)."""
    with hub.db.write() as session:
        rows = inbox.claim(session, dialect=hub.db.dialect, limit=limit, only=DOCUMENT_CATEGORIES)
        if not rows:
            return "no document events waiting"
        links = inbox.links(session, {r.tenant_id for r in rows})
        ours = _ours(session, links, {r.resource_id for r in rows})
        waiting = (Waiting(r.id, r.tenant_id, r.category, r.event_type, r.resource_id) for r in rows)
        decided = plan(waiting, links, ours)
        for company_id, ids in sorted(decided.reads.items()):
            inbox.lock_waiting_run(session, company_id, JOB)
            runs.request(session, company_id=company_id, job=JOB, ids=list(ids))
        inbox.mark(rows, decided.outcomes)
    wanted = sum(len(ids) for ids in decided.reads.values())
    return (
        f"{plural(len(rows), 'document event', 'document events')} processed: "
        f"{plural(wanted, 'document', 'documents')} to read for {plural(len(decided.reads), 'company', 'companies')}"
    )


def handle(hub: Hub, *, worker: str) -> str:
    """The sidecar's tick: new events become runs, then the due runs are read at once (seconds, not a poll away),
    a few organisations side by side (runs.claim gives each company's run to one worker only)."""
    asked = process(hub)
    claimed = list(_due(hub, worker))
    if len(claimed) <= 1:
        done = [read(hub, run, worker=worker) for run in claimed]
    else:
        with ThreadPoolExecutor(max_workers=min(PARALLEL, len(claimed))) as pool:
            done = list(pool.map(lambda run: read(hub, run, worker=worker), claimed))
    return f"{asked}; " + ("; ".join(done) if done else "no document status to read")


def _due(hub: Hub, worker: str) -> Iterable[SyncRun]:
    for _ in range(RUNS_PER_TICK):
        run = runs.claim(hub.db, worker=worker, jobs=(JOB,))
        if run is None:
            return
        yield run


def _where(ids: list[str]) -> str:
    return " OR ".join(f'CreditNoteID==Guid("{i}")' for i in ids)


def _chunks(ids: list[str], size: int) -> Iterable[list[str]]:
    return (ids[start : start + size] for start in range(0, len(ids), size))


def read(hub: Hub, run: SyncRun, *, worker: str) -> str:
    """One claimed run: read the named documents and their customers' balances, apply, settle the run."""
    wanted = [str(i) for i in (run.cursor or {}).get("ids", [])]
    invoices = [i.split(":", 1)[1] for i in wanted if i.startswith("INVOICE:")]
    credits = [i.split(":", 1)[1] for i in wanted if i.startswith("CREDITNOTE:")]
    with hub.db.read() as session:
        connection = session.scalar(select(Connection).where(Connection.company_id == run.company_id))
    if connection is None or connection.state is not ConnectionState.CONNECTED:
        note = "Not read: the company is no longer connected to Xero; the status poll brings it back once it is."
        return _settle(hub, run, worker, RunState.FAILED, note)
    changed: list[dict[str, Any]] = []
    xero, updated = None, None
    try:
        with gate.organisation(hub, connection.id, worker=worker, max_wait_seconds=MAX_WAIT_SECONDS) as xero:
            for chunk in _chunks(invoices, IDS_PER_CALL):
                changed += xero.list(resources.INVOICES, params={"IDs": ",".join(chunk)})
            for chunk in _chunks(credits, WHERE_PER_CALL):
                changed += xero.list(resources.CREDIT_NOTES, where=_where(chunk))
            with hub.db.write() as session:  # the status shows at once; the customers' balances follow
                updated = status.apply(session, run.company_id, changed)
                customers = status.customers_of(session, run.company_id, changed)
            balances = status.xero_balances(xero, list(customers.values()))
    except RetryAfter as wait:  # Xero's budget: the run waits its turn (events meanwhile join it)
        calls = xero.calls if xero is not None else 0
        return _settle(hub, run, worker, RunState.QUEUED, wait.message, calls=calls, seconds=wait.seconds)
    except XeroProblem as problem:
        note = (
            f"Xero could not be asked for the documents' status: {problem.message} The status poll brings it back."
            if updated is None
            else f"{updated} of ours updated, but Xero could not be asked for the customers' balances: "
            f"{problem.message} The status poll checks them."
        )
        return _settle(hub, run, worker, RunState.FAILED, note, calls=xero.calls if xero is not None else 0)
    with hub.db.write() as session:
        off = off_balance.flag(session, run.company_id, customers, balances)
    outcome = (
        f"{plural(len(changed), 'document', 'documents')} read from Xero, {updated} of ours updated; "
        f"{plural(off, 'customer', 'customers')} off balance"
    )
    return _settle(hub, run, worker, RunState.DONE, outcome, calls=xero.calls if xero else 0, records=len(changed))


def _settle(
    hub: Hub,
    run: SyncRun,
    worker: str,
    state: RunState,
    outcome: str,
    *,
    calls: int = 0,
    records: int = 0,
    seconds: int = 0,
) -> str:
    with hub.db.write() as session:
        due = clock.now() + timedelta(seconds=seconds) if seconds else None
        if runs.settle(session, run.id, worker=worker, state=state, outcome=outcome, not_before=due):
            row = session.get(SyncRun, run.id)
            assert row is not None
            row.records, row.api_calls = row.records + records, row.api_calls + calls
    return f"{JOB} for company {run.company_id}: {outcome}"
