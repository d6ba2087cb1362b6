"""python -m scheduler: run the sidecar until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import logging
import signal
import sys

from apscheduler.schedulers.blocking import BlockingScheduler

from core import settings as hub_settings
from core.failures import STARTUP_ERRORS
from core.health import sidecar
from core.hub import open_hub
from scheduler import registry
from scheduler.context import SidecarContext

log = logging.getLogger("hub.sidecar")


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
    except STARTUP_ERRORS as exc:
        print(f"The sidecar cannot start: {exc}", file=sys.stderr)
        return 2

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
        with hub.db.write() as session:
            sidecar.stop(session, instance_id=ctx.instance_id)
        hub.db.dispose()
        log.info("sidecar %s stopped", ctx.instance_id)
    return 0


if __name__ == "__main__":
    sys.exit(main())
