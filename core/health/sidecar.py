"""The sidecar's heartbeat and the last run of each job, shared through the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from core import clock
from core.db import insert_if_missing
from core.models.alerts import EmailMessage
from core.models.base import SchedulerJob, SidecarHeartbeat
from core.models.sync import Grant, XeroCallSlot, XeroCleanup
from core.sync import backlog, runs

# The background jobs in words a finance manager or support person reads; the job id stays in a tooltip.
JOB_LABELS = {
    "heartbeat": "Heartbeat",
    "housekeeping": "Clearing out old records",
    "send_alerts": "Sending alert emails",
    "xero_cleanups": "Ending connections in Xero",
    "push_contacts": "Sending supplier changes to Xero",
    "push_documents": "Sending invoices, bills and credit notes to Xero",
    "push_payments": "Sending payments to Xero",
    "poll_documents": "Reading payment status from Xero",
    "pull_contacts": "Reading contacts from Xero",
    "schedule_pulls": "Planning contact reads",
    "reference_data": "Reading accounts and tax rates from Xero",
    "webhook_inbox": "Acting on Xero's change notices",
    "inactivity": "Checking for inactive connections",
    "connection_check": "Checking connections with Xero",
}


def job_label(job_id: str) -> str:
    """A job in words; a job this list does not know yet shows its id."""
    return JOB_LABELS.get(job_id, job_id.replace("_", " ").capitalize())


# A sidecar whose last beat is older than this many heartbeat intervals counts as stopped.
MISSED_BEATS = 3
# A sidecar silent this long (and six heartbeats at least) was killed: its leases are freed, well inside the 2-minute
# lease and well past any pause a live sidecar's heartbeat has.
DEAD_AFTER = timedelta(seconds=60)
LONGEST_LEASE = runs.RUN_LEASE


def beat(
    session: Session,
    *,
    instance_id: str,
    hostname: str,
    pid: int,
    started_at: datetime,
    heartbeat_seconds: float = 10,
) -> None:
    """Record that this sidecar instance is alive now, and free the leases of instances long silent (killed)."""
    row = session.get(SidecarHeartbeat, instance_id)
    now = clock.now()
    dead_after = max(DEAD_AFTER, timedelta(seconds=6 * heartbeat_seconds))
    dead = list(
        session.scalars(
            select(SidecarHeartbeat.instance_id).where(
                SidecarHeartbeat.beat_at < now - dead_after,
                # past the longest lease, everything it held has run out anyway: no need to look again
                SidecarHeartbeat.beat_at >= now - dead_after - LONGEST_LEASE,
                SidecarHeartbeat.instance_id != instance_id,
            )
        )
    )
    free_leases(session, dead)
    if row is None:
        session.add(
            SidecarHeartbeat(instance_id=instance_id, hostname=hostname, pid=pid, started_at=started_at, beat_at=now)
        )
    else:
        row.beat_at = now


def stop(session: Session, *, instance_id: str, release_leases: bool = True) -> None:
    """Record that a sidecar instance shut down (pages then say so at once). When no job of it is still running,
    its leases are freed at once; otherwise they are freed once it has been silent a while (see beat)."""
    row = session.get(SidecarHeartbeat, instance_id)
    if row is not None:
        row.stopped_at = clock.now()
    if release_leases:
        free_leases(session, [instance_id], stopped=True)


def free_leases(session: Session, owners: list[str], *, stopped: bool = False) -> None:
    """Free at once what these sidecars hold (they stopped, or were killed and are silent): changes to push, sync
    runs, clean-ups in Xero, emails and their slots for calls to Xero, so another sidecar takes them up now rather
    than when each lease runs out. A token refresh lease is freed only after a clean stop (one killed mid-refresh
    may have spent the refresh token; its lease running out is the safe wait)."""
    if not owners:
        return
    now = clock.now()
    backlog.release_leases(session, owners)
    runs.release_leases(session, owners)
    for model in (XeroCleanup, EmailMessage, *((Grant,) if stopped else ())):
        session.execute(
            update(model)
            .where(model.lease_owner.in_(owners), model.lease_until > now)
            .values(lease_until=now)
            .execution_options(synchronize_session=False)
        )
    session.execute(delete(XeroCallSlot).where(XeroCallSlot.holder.in_(owners)))


def forget_stopped(session: Session, *, older_than: timedelta = timedelta(days=7)) -> int:
    """Delete heartbeat rows of instances silent for longer than older_than; return how many."""
    result = session.execute(delete(SidecarHeartbeat).where(SidecarHeartbeat.beat_at < clock.now() - older_than))
    return result.rowcount or 0


def job_started(session: Session, *, job_id: str, instance_id: str) -> None:
    """Mark a job as running on this instance (its row made on the first run only: one statement a run after)."""
    marked = update(SchedulerJob).where(SchedulerJob.job_id == job_id)
    marked = marked.values(instance_id=instance_id, last_started_at=clock.now(), last_outcome="running")
    marked = marked.values(last_detail=None)
    if session.execute(marked).rowcount == 0:
        insert_if_missing(session, SchedulerJob.__table__, {"job_id": job_id, "run_count": 0})
        session.execute(marked)


def job_finished(session: Session, *, job_id: str, ok: bool, detail: str | None = None) -> None:
    """Record how a job run ended."""
    session.execute(
        update(SchedulerJob)
        .where(SchedulerJob.job_id == job_id)
        .values(
            last_finished_at=clock.now(),
            last_outcome="ok" if ok else "failed",
            last_detail=(detail or "")[:2000] or None,
            run_count=SchedulerJob.run_count + 1,
        )
    )


@dataclass(frozen=True)
class JobStatus:
    job_id: str
    last_started_at: datetime | None
    last_finished_at: datetime | None
    outcome: str | None
    detail: str | None
    runs: int

    @property
    def label(self) -> str:
        return job_label(self.job_id)


@dataclass(frozen=True)
class SidecarStatus:
    alive: bool
    last_beat_at: datetime | None
    instances: int
    jobs: tuple[JobStatus, ...]


def status(session: Session, *, heartbeat_seconds: int) -> SidecarStatus:
    """Whether any sidecar is alive, and the last run of every job."""
    cutoff = clock.now() - timedelta(seconds=heartbeat_seconds * MISSED_BEATS)
    beats = list(session.scalars(select(SidecarHeartbeat).order_by(SidecarHeartbeat.beat_at.desc())))
    live = [b for b in beats if b.beat_at >= cutoff and b.stopped_at is None]
    jobs = tuple(
        JobStatus(j.job_id, j.last_started_at, j.last_finished_at, j.last_outcome, j.last_detail, j.run_count)
        for j in session.scalars(select(SchedulerJob).order_by(SchedulerJob.job_id))
    )
    return SidecarStatus(
        alive=bool(live),
        last_beat_at=beats[0].beat_at if beats else None,
        instances=len(live),
        jobs=jobs,
    )
