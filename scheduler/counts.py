"""Statement counts for the fleet benchmark: with HUB_STATEMENT_COUNTS_FILE set, the sidecar counts every statement
and transaction it sends to the database, by job, and rewrites that file with the totals every second."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from core.db import Database, statement_source

ENV = "HUB_STATEMENT_COUNTS_FILE"


def start(db: Database) -> None:
    """Count and report when the benchmark asked for it (ENV); otherwise do nothing."""
    target = os.environ.get(ENV)
    if not target:
        return
    counts = db.count_statements()

    def report() -> None:
        while True:
            snapshot = {f"{job} {kind}": n for (job, kind), n in sorted(counts().items())}
            partial = Path(f"{target}.part")
            partial.write_text(json.dumps({"at": time.time(), "counts": snapshot}))
            partial.replace(target)
            time.sleep(1)

    threading.Thread(target=report, name="statement-counts", daemon=True).start()


@contextmanager
def job(name: str) -> Iterator[None]:
    """Statements sent inside this block count for the job `name`."""
    token = statement_source.set(name)
    try:
        yield
    finally:
        statement_source.reset(token)
