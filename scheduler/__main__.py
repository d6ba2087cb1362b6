"""python -m scheduler: run the sidecar until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time

from apscheduler.schedulers.blocking import BlockingScheduler

from core import settings as hub_settings
from core.failures import STARTUP_ERRORS
from core.health import sidecar
from core.hub import open_hub
from core.metrics import serve
from scheduler import counts, registry
from scheduler.context import SidecarContext

log = logging.getLogger("hub.sidecar")

# On a stop, jobs get this long to finish; one still waiting on Xero after it is left to its lease (every change it
# holds is claimed again), so the sidecar stops well within the launcher's 10 s grace.
STOP_WAIT_SECONDS = 3.0


def _jobs_still_running(seconds: float) -> bool:
    """Wait up to `seconds` for the job threads to finish; whether any is still running."""
    deadline = time.monotonic() + seconds
    others = [t for t in threading.enumerate() if t is not threading.current_thread() and not t.daemon]
    for thread in others:
        thread.join(max(0.0, deadline - time.monotonic()))
    return any(t.is_alive() for t in others)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scheduler",
        description="The hub's sidecar: runs every timed sync job against the shared database. "
        "Configured by the same environment variables as the web process (see README).",
    )
    parser.add_argument("--log-level", default="INFO", help="logging level (default INFO)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("apscheduler", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    try:
        hub = open_hub(hub_settings.load())
        hub.ensure_ready()
        serve.start_listener(hub.settings)  # this sidecar's own metrics, on HUB_SIDECAR_METRICS_PORT when set
    except STARTUP_ERRORS as exc:
        print(f"The sidecar cannot start: {exc}", file=sys.stderr)
        return 2

    counts.start(hub.db)
    ctx = SidecarContext(hub=hub)
    scheduler = BlockingScheduler(timezone="UTC")
    jobs = registry.register(scheduler, ctx)

    def stop(signum: int, _frame: object) -> None:
        log.info("received %s, stopping", signal.Signals(signum).name)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("sidecar %s started with jobs: %s", ctx.instance_id, ", ".join(j.id for j in jobs))
    try:
        scheduler.start()
    finally:
        busy = _jobs_still_running(STOP_WAIT_SECONDS)
        with hub.db.write() as session:
            sidecar.stop(session, instance_id=ctx.instance_id, release_leases=not busy)
        log.info("sidecar %s stopped", ctx.instance_id)
    if busy:  # a call to Xero is still in flight: leave it (its changes are claimed again once its lease ends)
        log.warning("a job was still waiting on Xero after %.0f s; it is left to its lease", STOP_WAIT_SECONDS)
        logging.shutdown()
        os._exit(0)
    hub.db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
