"""The history of sync runs: a finished batch recorded in one insert, a company's runs page by page, and the
housekeeping that keeps the history bounded. Answers "when did this last sync, and what happened?"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core import clock
from core.auth import Actor, Permission, require
from core.models.sync import RunState, SyncRun
from core.redact import redact
from core.sync.runs import JOBS

# Runs older than this are deleted by the sidecar's housekeeping (a push batch every few seconds adds up).
KEEP = timedelta(days=30)
PAGE_SIZE = 50


def record_finished(
    session: Session,
    *,
    company_id: int,
    job: str,
    started_at: datetime,
    records: int,
    api_calls: int,
    outcome: str,
    failed: bool = False,
) -> SyncRun:
    """Add a run that already happened (a push batch) to the caller's transaction: one insert, no lease."""
    if job not in JOBS:
        raise ValueError(f"unknown sync job {job!r}; add it to core.sync.runs.JOBS")
    now = clock.now()
    run = SyncRun(
        company_id=company_id,
        job=job,
        state=RunState.FAILED if failed else RunState.DONE,
        requested_at=started_at,
        not_before=started_at,
        started_at=started_at,
        finished_at=now,
        records=records,
        api_calls=api_calls,
        outcome=redact(outcome)[:2000],  # Xero's messages can quote what was sent
    )
    session.add(run)
    return run


@dataclass(frozen=True)
class RunRow:
    id: int
    job: str
    job_label: str
    state: RunState
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    records: int
    api_calls: int
    outcome: str | None

    @property
    def seconds(self) -> float | None:
        """How long the run took (None while it has not finished)."""
        if self.started_at is None or self.finished_at is None:
            return None
        return max(0.0, (self.finished_at - self.started_at).total_seconds())


@dataclass(frozen=True)
class RunPage:
    rows: tuple[RunRow, ...]
    total: int
    page: int
    pages: int


def _row(run: SyncRun) -> RunRow:
    return RunRow(
        run.id,
        run.job,
        JOBS.get(run.job, run.job),
        run.state,
        run.requested_at,
        run.started_at,
        run.finished_at,
        run.records or 0,
        run.api_calls or 0,
        run.outcome,
    )


def list_runs(
    session: Session, actor: Actor, *, company_id: int, job: str | None = None, page: int = 1, size: int = PAGE_SIZE
) -> RunPage:
    """The company's runs, newest first, one page at a time (optionally of one job)."""
    require(actor, Permission.VIEW_COMPANY, company_id)
    query = select(SyncRun).where(SyncRun.company_id == company_id)
    counted = select(func.count()).select_from(SyncRun).where(SyncRun.company_id == company_id)
    if job:
        query, counted = query.where(SyncRun.job == job), counted.where(SyncRun.job == job)
    total = session.scalar(counted) or 0
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    found = session.scalars(query.order_by(SyncRun.id.desc()).offset((page - 1) * size).limit(size))
    return RunPage(tuple(_row(r) for r in found), total, page, pages)


def recent(session: Session, *, company_id: int, limit: int = 50) -> list[RunRow]:
    """The company's newest runs (the caller has checked permission)."""
    found = session.scalars(
        select(SyncRun).where(SyncRun.company_id == company_id).order_by(SyncRun.id.desc()).limit(limit)
    )
    return [_row(r) for r in found]


def purge(session: Session, *, older_than: timedelta = KEEP) -> int:
    """Delete finished runs older than `older_than`; return how many (waiting and running ones are kept)."""
    result = session.execute(
        delete(SyncRun).where(
            SyncRun.state.in_((RunState.DONE, RunState.FAILED)),
            SyncRun.finished_at < clock.now() - older_than,
        )
    )
    return result.rowcount or 0
