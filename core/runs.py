"""Sync runs: a piece of sync work asked for (an initial import, a poll), claimed by a sidecar, and what happened."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.auth import Actor, Permission, require
from core.models_sync import RunState, SyncRun

# Jobs a person or the lifecycle can ask for, with the words the pages use.
JOBS: dict[str, str] = {
    "contacts_import": "Initial import of contacts and suppliers",
    "contacts_poll": "Contacts and suppliers update",
    "push": "Sending changes to Xero",
}


def request(session: Session, *, company_id: int, job: str, requested_by: int | None = None) -> SyncRun:
    """Ask for a run in the caller's transaction; a run of the same job already waiting or running absorbs it."""
    if job not in JOBS:
        raise ValueError(f"unknown sync job {job!r}; add it to core.runs.JOBS")
    waiting = session.scalar(
        select(SyncRun).where(
            SyncRun.company_id == company_id,
            SyncRun.job == job,
            SyncRun.state.in_((RunState.QUEUED, RunState.RUNNING)),
        )
    )
    if waiting is not None:
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
    )
    session.add(run)
    session.flush()
    return run


def latest(session: Session, actor: Actor, company_id: int, job: str) -> SyncRun | None:
    """The company's most recent run of one job."""
    require(actor, Permission.VIEW_COMPANY, company_id)
    return session.scalar(
        select(SyncRun).where(SyncRun.company_id == company_id, SyncRun.job == job).order_by(SyncRun.id.desc()).limit(1)
    )
