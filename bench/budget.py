"""What the shared Xero call budget costs each call, on SQLite and PostgreSQL, with one caller and with several.

    .venv/bin/python bench/budget.py [--calls 2000] [--threads 4]

Every call to an organisation takes a slot (at most 5 in flight, shared through the database) and gives it back
with Xero's remaining figures: two short write transactions. This measures that overhead per call, sequentially and
with --threads callers on one organisation (as several sidecars would), and checks the 5-in-flight cap held.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core import migrate
from core.db import Database
from core.models.sync import XeroCallSlot
from core.xero.client import Budget
from core.xero_access import budget

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TENANT = "bench-organisation"


def one_call(database: Database, holder: str) -> float:
    """Take a slot (waiting while five are out), give it back; return the milliseconds spent on the budget."""
    started = time.perf_counter()
    while not isinstance(slot := budget.acquire(database, TENANT, holder=holder), budget.Slot):
        time.sleep(0.001)
    budget.release(database, slot, Budget(minute=59, day=4999, app_minute=9999))
    return (time.perf_counter() - started) * 1000


def run(label: str, database: Database, calls: int, threads: int) -> list[str]:
    sequential = [one_call(database, "solo") for _ in range(calls)]
    peak = 0
    stop = threading.Event()

    def watch() -> None:
        nonlocal peak
        while not stop.is_set():
            with database.read() as session:
                peak = max(peak, session.scalar(select(func.count()).select_from(XeroCallSlot)) or 0)

    timings: list[float] = []
    lock = threading.Lock()

    def worker(name: str) -> None:
        mine = [one_call(database, name) for _ in range(calls // threads)]
        with lock:
            timings.extend(mine)

    watcher = threading.Thread(target=watch)
    watcher.start()
    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - started
    stop.set()
    watcher.join()
    p95 = statistics.quantiles(sequential, n=20)[18]
    return [
        f"{label:<11} one caller: median {statistics.median(sequential):.2f} ms, p95 {p95:.2f} ms per call",
        f"{'':<11} {threads} callers: {len(timings) / elapsed:,.0f} calls/s through the budget, "
        f"median {statistics.median(timings):.2f} ms, most slots out at once {peak} (cap {budget.IN_FLIGHT})",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--postgres", default=POSTGRES)
    args = parser.parse_args()
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        database = Database(f"sqlite:///{folder}/bench.db")
        migrate.upgrade(database)
        lines += run("SQLite", database, args.calls, args.threads)
        database.dispose()
    admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    name = f"hub_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        database = Database(args.postgres.rsplit("/", 1)[0] + f"/{name}")
        migrate.upgrade(database)
        lines += run("PostgreSQL", database, args.calls, args.threads)
        database.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print(f"Shared Xero call budget ({args.calls:,} calls per run)")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
