"""The sidecar process on both databases: it beats, runs and records its jobs, and stops cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from core.health import sidecar
from core.hub import Hub
from core.settings import PROJECT_ROOT
from scheduler import registry
from scheduler.context import SidecarContext
from tests.conftest import TEST_ENV


def _status(hub: Hub) -> sidecar.SidecarStatus:
    with hub.db.read() as session:
        return sidecar.status(session, heartbeat_seconds=1)


def _outcome(status: sidecar.SidecarStatus, job_id: str) -> str | None:
    return next((job.outcome for job in status.jobs if job.job_id == job_id), None)


def test_sidecar_process_beats_runs_jobs_and_stops(hub: Hub) -> None:
    env = {**os.environ, **TEST_ENV, "DATABASE_URL": hub.db.url, "HUB_HEARTBEAT_SECONDS": "1"}
    hub.ensure_ready()
    process = subprocess.Popen(
        [sys.executable, "-m", "scheduler"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        status = _status(hub)
        while time.monotonic() < deadline and not (status.alive and _outcome(status, "housekeeping") == "ok"):
            time.sleep(0.2)
            status = _status(hub)
        assert status.alive, process.stdout.read() if process.poll() is not None and process.stdout else "no beat"
        (housekeeping,) = [j for j in status.jobs if j.job_id == "housekeeping"]
        assert housekeeping.outcome == "ok"
        assert "old sessions" in (housekeeping.detail or "")
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    assert not _status(hub).alive


def test_a_failing_job_is_recorded_and_does_not_stop_the_sidecar(hub: Hub) -> None:
    def broken(_ctx: SidecarContext) -> str:
        raise RuntimeError("Xero said no")

    spec = registry.JobSpec("broken", broken, 60, 60)
    registry.run_tracked(SidecarContext(hub=hub), spec)
    (job,) = _status(hub).jobs
    assert (job.job_id, job.outcome, job.detail) == ("broken", "failed", "RuntimeError: Xero said no")


def test_jobs_have_explicit_ids_single_instances_and_a_misfire_grace(hub: Hub) -> None:
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = BackgroundScheduler(timezone="UTC")
    registry.register(scheduler, SidecarContext(hub=hub))
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert {"heartbeat", "housekeeping", "send_alerts"} <= set(jobs)
    for job in jobs.values():
        assert job.max_instances == 1 and job.coalesce and job.misfire_grace_time > 0
