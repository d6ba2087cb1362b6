"""The job definitions, in code (never in a shared job store), and how each run is recorded."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.interval import IntervalTrigger

from core import clock
from core.health import sidecar
from core.metrics import definitions as metrics
from scheduler import counts, jobs
from scheduler.context import SidecarContext

log = logging.getLogger("hub.sidecar")


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: Callable[[SidecarContext], str]
    every_seconds: int
    # A run that starts this late is skipped (the next one is due soon anyway); see README.
    misfire_grace_seconds: int
    # Whether each run is recorded in scheduler_jobs (the heartbeat is its own record).
    tracked: bool = True


def specs(heartbeat_seconds: int, connection_check_seconds: int = 300) -> tuple[JobSpec, ...]:
    return (
        JobSpec("heartbeat", jobs.heartbeat, heartbeat_seconds, heartbeat_seconds, tracked=False),
        JobSpec("housekeeping", jobs.housekeeping, 3600, 600),
        JobSpec("send_alerts", jobs.send_alerts, 10, 10),
        JobSpec("xero_cleanups", jobs.xero_cleanups, 5, 5),
        JobSpec("push_contacts", jobs.push_contacts, 2, 2),
        JobSpec("push_documents", jobs.push_documents, 2, 2),
        JobSpec("push_payments", jobs.push_payments, 2, 2),
        # Cheap when nothing is due: each company is polled every HUB_DOCUMENTS_POLL_SECONDS (core decides).
        JobSpec("poll_documents", jobs.poll_documents, 5, 5),
        JobSpec("pull_contacts", jobs.pull_contacts, 2, 2),
        JobSpec("schedule_pulls", jobs.schedule_pulls, 60, 60),
        JobSpec("reference_data", jobs.reference_data, 5, 5),
        # Every second: a payment recorded in Xero shows in the hub within seconds (bench/status_latency.py).
        JobSpec("webhook_inbox", jobs.webhook_inbox, 1, 1),
        JobSpec("inactivity", jobs.inactivity_check, 60, 60),
        JobSpec("connection_check", jobs.check_connections, connection_check_seconds, connection_check_seconds),
    )


# Jobs whose last run failed: a failure streak is logged when it starts and when it ends, not every run.
_failing: set[str] = set()


def summary(exc: BaseException) -> str:
    """One line about a failure, safe to store and show (no SQL, no bound values, no traceback)."""
    first = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first[:300]}".rstrip(": ")


def run_tracked(ctx: SidecarContext, spec: JobSpec) -> None:
    """Run one job, recording its start and outcome; a failure never stops the sidecar."""
    with counts.job(spec.id):
        _run_tracked(ctx, spec)


def _run_tracked(ctx: SidecarContext, spec: JobSpec) -> None:
    started = time.perf_counter()
    try:
        if spec.tracked:
            with ctx.hub.db.write() as session:
                sidecar.job_started(session, job_id=spec.id, instance_id=ctx.instance_id)
        detail, ok = spec.func(ctx), True
    except Exception as exc:  # recorded for the pages; the next run tries again
        detail, ok = summary(exc), False
        if spec.id not in _failing:
            _failing.add(spec.id)
            log.exception("job %s started failing", spec.id)
    else:
        if spec.id in _failing:
            _failing.discard(spec.id)
            log.info("job %s recovered", spec.id)
    metrics.job_ran(spec.id, time.perf_counter() - started, ok=ok)
    if spec.tracked:
        try:
            with ctx.hub.db.write() as session:
                sidecar.job_finished(session, job_id=spec.id, ok=ok, detail=detail)
        except Exception as exc:  # noqa: BLE001 - the database is down; the streak is already logged
            log.debug("could not record job %s: %s", spec.id, summary(exc))


def register(scheduler: BaseScheduler, ctx: SidecarContext) -> list[JobSpec]:
    """Add every job to the scheduler with an explicit id, one instance at a time, coalescing missed runs."""
    registered = list(specs(ctx.hub.settings.heartbeat_seconds, ctx.hub.settings.connection_check_seconds))
    for spec in registered:
        scheduler.add_job(
            run_tracked,
            trigger=IntervalTrigger(seconds=spec.every_seconds),
            args=(ctx, spec),
            id=spec.id,
            name=spec.id,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=spec.misfire_grace_seconds,
            next_run_time=clock.wall(),  # first run at once, in real time
            replace_existing=True,
        )
    return registered
