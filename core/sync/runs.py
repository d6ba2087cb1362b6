"""Sync runs: a piece of sync work asked for (an initial import, a poll), claimed by a sidecar, and what happened."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import Session, aliased

from core import clock
from core.auth import Actor, Permission, require
from core.db import Database
from core.models.sync import RunState, SyncRun

# Jobs a person or the lifecycle can ask for, with the words the pages use.
JOBS: dict[str, str] = {
    "contacts_import": "Initial import of contacts and suppliers",
    "contacts_poll": "Contacts and suppliers update",
    "contacts_webhook": "Contacts Xero told the hub about",
    "contacts_reconcile": "Nightly full check of contacts",
    "push": "Sending changes to Xero",
    "reference_refresh": "Accounts, tax rates and currencies from Xero",
    "payments_push": "Sending payments to Xero",
    "attachments_push": "Attaching documents' PDFs in Xero",
    "documents_poll": "Payment status of documents from Xero",
    "documents_webhook": "Document status Xero told the hub about",
}


def request(
    session: Session,
    *,
    company_id: int,
    job: str,
    requested_by: int | None = None,
    ids: list[str] | None = None,
) -> SyncRun:
    """Ask for a run in the caller's transaction; a waiting run of the same job absorbs it (and its record ids:
    a targeted pull of several contacts Xero told the hub about is one run)."""
    if job not in JOBS:
        raise ValueError(f"unknown sync job {job!r}; add it to core.sync.runs.JOBS")
    query = select(SyncRun).where(
        SyncRun.company_id == company_id, SyncRun.job == job, SyncRun.state == RunState.QUEUED
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()  # two sidecars merging ids into one run must not lose any
    waiting = session.scalar(query)
    if waiting is not None:
        if ids:
            known = list((waiting.cursor or {}).get("ids", []))
            waiting.cursor = {**(waiting.cursor or {}), "ids": known + [i for i in ids if i not in known]}
        return waiting
    now = clock.now()
    run = SyncRun(
        company_id=company_id,
        job=job,
        state=RunState.QUEUED,
        requested_by_user_id=requested_by,
        requested_at=now,
        not_before=now,
        records=0,
        api_calls=0,
        cursor={"ids": list(dict.fromkeys(ids))} if ids else None,
    )
    session.add(run)
    session.flush()
    return run


def under_way(session: Session, company_id: int, jobs: tuple[str, ...]) -> bool:
    """Whether a run of one of these jobs is queued or running for the company."""
    found = session.scalar(
        select(SyncRun.id)
        .where(
            SyncRun.company_id == company_id,
            SyncRun.job.in_(jobs),
            SyncRun.state.in_((RunState.QUEUED, RunState.RUNNING)),
        )
        .limit(1)
    )
    return found is not None


def latest(session: Session, actor: Actor, company_id: int, job: str) -> SyncRun | None:
    """The company's most recent run of one job."""
    require(actor, Permission.VIEW_COMPANY, company_id)
    return session.scalar(
        select(SyncRun).where(SyncRun.company_id == company_id, SyncRun.job == job).order_by(SyncRun.id.desc()).limit(1)
    )


RUN_LEASE = timedelta(minutes=10)


def claim(db: Database, *, worker: str, jobs: tuple[str, ...]) -> SyncRun | None:
    """Lease the oldest due run of these jobs (or one whose worker died) to this worker."""
    now = clock.now()
    with db.write() as session:
        other = aliased(SyncRun)
        busy = exists().where(  # one run of these jobs per company at a time: two pulls would both create
            other.company_id == SyncRun.company_id,
            other.id != SyncRun.id,
            other.job.in_(jobs),
            other.state == RunState.RUNNING,
            other.lease_until >= now,
        )
        due = session.scalars(
            select(SyncRun.id)
            .where(
                SyncRun.job.in_(jobs),
                or_(
                    and_(SyncRun.state == RunState.QUEUED, SyncRun.not_before <= now),
                    and_(SyncRun.state == RunState.RUNNING, SyncRun.lease_until < now),
                ),
                ~busy,
            )
            .order_by(SyncRun.not_before, SyncRun.id)
            .limit(5)
        ).all()
        for run_id in due:
            taken = session.execute(
                update(SyncRun)
                .where(
                    SyncRun.id == run_id,
                    or_(
                        SyncRun.state == RunState.QUEUED,
                        and_(SyncRun.state == RunState.RUNNING, SyncRun.lease_until < now),
                    ),
                )
                .values(state=RunState.RUNNING, lease_owner=worker, lease_until=now + RUN_LEASE)
            )
            if taken.rowcount == 1:
                run = session.get(SyncRun, run_id)
                assert run is not None
                run.started_at = run.started_at or now
                session.flush()
                session.expunge(run)
                return run
    return None


def settle(
    session: Session, run_id: int, *, worker: str, state: RunState, outcome: str, not_before: datetime | None = None
) -> bool:
    """End a turn of a run: done, failed, or back in the queue (to resume from its cursor)."""
    run = session.get(SyncRun, run_id)
    if run is None or run.lease_owner != worker:
        return False
    run.state, run.outcome, run.lease_owner, run.lease_until = state, outcome[:2000], None, None
    if state in (RunState.DONE, RunState.FAILED):
        run.finished_at = clock.now()
    else:
        run.not_before = not_before or clock.now()
    return True


def release_leases(session: Session, owners: list[str]) -> int:
    """Sidecars that stopped or died hold these runs: free them now (another sidecar resumes them from their cursor)."""
    if not owners:
        return 0
    result = session.execute(
        update(SyncRun)
        .where(SyncRun.state == RunState.RUNNING, SyncRun.lease_owner.in_(owners))
        .values(lease_until=clock.now())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
