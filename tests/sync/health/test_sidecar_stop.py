"""A sidecar told to stop while a job waits on Xero stops within the launcher's grace (its work is safe to leave:
every change is under a lease and is claimed again)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from core.health import sidecar
from core.hub import Hub
from core.settings import PROJECT_ROOT
from launcher import STOP_GRACE_SECONDS
from tests import control
from tests.conftest import TEST_ENV
from tests.sandbox.conftest import Simulator
from tests.sync.connections.test_lifecycle import connect
from tests.sync.connections.test_lifecycle import hub as hub  # the simulator-backed hub fixture


def running(hub: Hub, job_id: str) -> bool:
    with hub.db.read() as session:
        status = sidecar.status(session, heartbeat_seconds=1)
    return any(job.job_id == job_id and job.outcome == "running" for job in status.jobs)


def test_a_sidecar_told_to_stop_mid_call_stops_within_the_launchers_grace(hub: Hub, sim: Simulator) -> None:
    connect(hub)  # queues the initial import: the sidecar's contacts pull calls Xero at once
    slow = {"kind": "latency", "seconds": 15, "path": "/api.xro/2.0/Contacts", "method": "GET"}
    control.post(f"{sim.url}/_sandbox/faults", json=slow).raise_for_status()
    env = {
        **os.environ,
        **TEST_ENV,
        "DATABASE_URL": hub.db.url,
        "HUB_DATA_DIR": str(hub.settings.data_dir),
        "XERO_IDENTITY_URL": sim.url,
        "XERO_API_URL": sim.url,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "scheduler"], cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 30
        while not running(hub, "pull_contacts") and time.monotonic() < deadline:
            time.sleep(0.2)
        assert running(hub, "pull_contacts"), "the contacts pull never started"
        time.sleep(1)  # its call to Xero is in flight, and Xero takes 15 s to answer
        told = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        took = time.monotonic() - told
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert took < STOP_GRACE_SECONDS - 2, f"the sidecar took {took:.1f} s to stop"
    with hub.db.read() as session:
        assert not sidecar.status(session, heartbeat_seconds=1).alive
