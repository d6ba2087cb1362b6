"""Contacts pull: the initial import, the 10-minute poll, webhook-targeted pulls and the nightly reconcile.

Gather (a page from Xero) → plan (core.contacts.pull_plan, pure) → apply (core.contacts.pull_apply), one page per
transaction with the run's cursor and progress, so a crash or restart resumes at the page it stopped on. A turn
does at most a few pages, then the run goes back in the queue, so one big import never starves other companies.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select

from core import clock
from core.companies import settings_of
from core.contacts.pull_apply import Unlinked, apply
from core.contacts.pull_plan import plan
from core.contacts.xero_contact import from_xero
from core.hub import Hub
from core.models.base import Company
from core.models.sync import Connection, ConnectionState, RunState, SyncRun
from core.sync import errors, runs
from core.sync.errors import EntityRef
from core.xero import resources
from core.xero.ahead import ReadAhead
from core.xero.outcomes import DailyBudgetSpent, ReconnectNeeded, RetryAfter, XeroProblem
from core.xero_access import gate

JOBS = ("contacts_import", "contacts_poll", "contacts_webhook", "contacts_reconcile")
PAGES_PER_TURN = 10
POLL_EVERY = timedelta(minutes=10)
RECONCILE_EVERY = timedelta(hours=24)
# If-Modified-Since goes back a little past the newest change seen: Xero's timestamps are per second and a change
# written while the last poll ran could carry an earlier one.
OVERLAP = timedelta(minutes=2)
IDS_PER_CALL = 50  # a targeted pull names the contacts in the URL (?IDs=…), so keep it well under URL limits


class LeaseLost(Exception):
    """The run's lease ran out and another worker claimed it: this turn's last page is rolled back."""


def run_once(hub: Hub, *, worker: str) -> str:
    """Claim one due contacts run and do one turn of it; say what happened (for the sidecar's job record)."""
    run = runs.claim(hub.db, worker=worker, jobs=JOBS)
    if run is None:
        return "nothing to pull"
    try:
        outcome, finished = _turn(hub, run, worker)
    except LeaseLost:  # another sidecar took the run over after this one's lease ran out: it carries on
        return f"{run.job} for company {run.company_id}: taken over by another worker"
    except ReconnectNeeded as problem:  # the connection's own error was recorded when Xero refused it
        return _settle(hub, run, worker, RunState.FAILED, f"Stopped: {problem.message}")
    except DailyBudgetSpent as problem:
        return _settle(hub, run, worker, RunState.QUEUED, problem.message, seconds=problem.seconds, problem=problem)
    except RetryAfter as wait:  # the minute's limit: routine, the budget waits it out
        return _settle(hub, run, worker, RunState.QUEUED, wait.message, seconds=wait.seconds)
    except XeroProblem as problem:  # an outage: resume from the cursor in a minute
        return _settle(hub, run, worker, RunState.QUEUED, f"Will retry: {problem.message}", seconds=60, problem=problem)
    except Exception as bug:  # a fault of the hub's own: recorded, retried in 5 minutes from the cursor, and logged
        problem = XeroProblem(f"{type(bug).__name__} in the hub while pulling contacts")
        _settle(hub, run, worker, RunState.QUEUED, f"Will retry: {problem.message}", seconds=300, problem=problem)
        raise
    return _settle(hub, run, worker, RunState.DONE if finished else RunState.QUEUED, outcome, problem=None)


def _settle(
    hub: Hub,
    run: SyncRun,
    worker: str,
    state: RunState,
    outcome: str,
    seconds: int = 0,
    problem: XeroProblem | None = None,
) -> str:
    """Settle the run; a failed turn is a sync error on the pull itself, and a turn that worked resolves it."""
    with hub.db.write() as session:
        due = clock.now() + timedelta(seconds=seconds) if seconds else None
        runs.settle(session, run.id, worker=worker, state=state, outcome=outcome, not_before=due)
        pull = EntityRef("sync_job", run.job, runs.JOBS[run.job])
        if problem is not None:
            errors.record(
                session,
                company_id=run.company_id,
                code=problem.cause,
                entity=pull,
                detail=f"{runs.JOBS[run.job]}: {problem.message}",
                request=problem.request,
                response=problem.response,
            )
        elif state is not RunState.FAILED:
            errors.resolve_for_entity(session, company_id=run.company_id, entity_type=pull.type, entity_id=pull.id)
    return f"{run.job} for company {run.company_id}: {outcome}"


def _source(run: SyncRun, connection: Connection) -> dict[str, Any]:
    """What to ask Xero for: every page (import, reconcile), changes since (poll), or named contacts (webhook)."""
    cursor = run.cursor or {}
    if run.job == "contacts_poll":
        since = connection.contacts_since - OVERLAP if connection.contacts_since else None
        return {"since": since, "params": {"includeArchived": "true"}, "start": int(cursor.get("page", 1))}
    if run.job == "contacts_webhook":
        return {"ids": list(cursor.get("ids", []))}
    return {"params": {"includeArchived": "true"}, "start": int(cursor.get("page", 1))}


def _turn(hub: Hub, run: SyncRun, worker: str) -> tuple[str, bool]:
    with hub.db.read() as session:
        connection = session.scalar(select(Connection).where(Connection.company_id == run.company_id))
        company = session.get(Company, run.company_id)
        if connection is None or connection.state is not ConnectionState.CONNECTED or company is None:
            raise ReconnectNeeded("the company is not connected to Xero")
        settings = settings_of(company)
        unlinked = Unlinked(session, run.company_id)
        session.expunge(connection)
    policy, groups = settings.contact_import_policy, settings.import_groups
    phone_types = tuple(settings.phone_types)
    source = _source(run, connection)
    totals: Counter[str] = Counter(run.progress.get("done", {}) if run.progress else {})
    newest = connection.contacts_since
    finished = True
    with gate.organisation(hub, connection.id, worker=worker) as xero:
        # Each page comes with Xero's pagination as it stood after that page (the reader is a page or two ahead).
        pages = ((records, dict(xero.pagination or {})) for records in _pages(xero, source))
        page_no = int(source.get("start", 1))
        with ReadAhead(pages, limit=PAGES_PER_TURN) as ahead:
            for turn, (records, pagination) in enumerate(ahead):
                contacts = [from_xero(c, phone_types) for c in records]
                with hub.db.write() as session:
                    known = unlinked.known(session, run.company_id, contacts)
                    actions = plan(contacts, known, policy=policy, groups=groups, ownership=settings.contact_ownership)
                    totals.update(apply(session, run.company_id, actions, unlinked))
                    stored = session.get(SyncRun, run.id)
                    if stored is None or stored.lease_owner != worker:
                        raise LeaseLost(run.id)
                    page_no += 1
                    seen = sum(totals.values())
                    stored.cursor = {**(stored.cursor or {}), "page": page_no}
                    stored.progress = {"pages": page_no - 1, "contacts": seen, "done": dict(totals)}
                    if pagination.get("itemCount"):
                        stored.progress["estimate"] = int(pagination["itemCount"])
                    stored.records, stored.api_calls = seen, stored.api_calls + 1
                    stamps = [c.updated_at for c in contacts if c.updated_at] + ([newest] if newest else [])
                    newest = max(stamps, default=None)
                known_last = int(pagination.get("pageCount") or 0)
                more = len(records) >= resources.PAGE_SIZE and not (known_last and page_no - 1 >= known_last)
                if turn + 1 >= PAGES_PER_TURN and more:
                    finished = False  # let other companies have a turn; this run resumes at its cursor
                    break
    if finished and run.job != "contacts_webhook":  # a targeted pull says nothing about other contacts
        with hub.db.write() as session:
            row = session.get(Connection, connection.id)
            if row is not None:
                row.contacts_since = newest
                row.contacts_polled_at = clock.now()
                if run.job in ("contacts_import", "contacts_reconcile"):
                    row.contacts_reconciled_at = clock.now()
    summary = ", ".join(f"{count} {kind}" for kind, count in sorted(totals.items())) or "no contacts"
    return summary, finished


def _pages(xero: Any, source: dict[str, Any]) -> Any:
    if "ids" in source:
        ids = source["ids"]
        for start in range(0, len(ids), IDS_PER_CALL):
            chunk = ids[start : start + IDS_PER_CALL]
            yield xero.request("GET", "/Contacts", params={"IDs": ",".join(chunk), "includeArchived": "true"})[
                "Contacts"
            ]
        return
    yield from xero.pages(
        resources.CONTACTS, since=source.get("since"), params=source.get("params"), start=source.get("start", 1)
    )


def schedule(hub: Hub) -> str:
    """Ask for the 10-minute poll and the nightly reconcile of every connected company that is due (found in one
    query, the longest unpolled first; a company whose initial import has not finished is not due: it was asked for
    on connect)."""
    now = clock.now()
    c = Connection
    reconcile = c.contacts_reconciled_at <= now - RECONCILE_EVERY
    due = (
        select(c.company_id, reconcile)
        .where(
            c.state == ConnectionState.CONNECTED,
            c.contacts_reconciled_at.is_not(None),
            or_(reconcile, c.contacts_polled_at.is_(None), c.contacts_polled_at <= now - POLL_EVERY),
        )
        .order_by(c.contacts_polled_at.is_not(None), c.contacts_polled_at, c.id)
    )
    if hub.db.dialect == "postgresql":
        due = due.with_for_update(skip_locked=True)  # two sidecars: each company asked for by one of them
    with hub.db.write() as session:
        rows = session.execute(due).all()
        for company_id, nightly in rows:
            runs.request(session, company_id=company_id, job="contacts_reconcile" if nightly else "contacts_poll")
    return f"{len(rows)} contact pulls asked for"
