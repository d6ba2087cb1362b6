"""Foundation figures: demo launcher start-up to a served page, and the per-request cost of staff sessions.

.venv/bin/python bench/startup.py [--runs 3] [--postgres postgresql+psycopg://postgres@127.0.0.1/postgres]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core import migrate
from core.db import Database
from core.demo import seed as demo
from core.settings import load
from core.staff import sessions, signin
from tests.stack import Stack

KEYS = {
    "HUB_SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789",
    "HUB_ENCRYPTION_KEY": "4iyrxcbNtyjsUdADnMuRT61S0oGJ9Ozckmgk_zsVGlE=",
}


def launcher_runs(runs: int) -> list[tuple[str, float, float]]:
    """(kind, seconds to the ready banner, seconds to GET / answering 200) per run."""
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(runs):
            stack = Stack(Path(folder) / "data")
            started = time.monotonic()
            stack.start()
            ready = time.monotonic() - started
            while httpx.get(stack.url + "/", timeout=5).status_code != 200:
                time.sleep(0.05)
            served = time.monotonic() - started
            stack.stop()
            results.append(
                ("first run (create, migrate, seed)" if run == 0 else "later run (reuse data)", ready, served)
            )
    return results


def session_costs(url: str, label: str, lookups: int = 2000) -> list[tuple[str, str, float]]:
    database = Database(url)
    migrate.upgrade(database)
    settings = load({**KEYS, "DATABASE_URL": url})
    with database.write() as session:
        demo.seed(session)
    started = time.perf_counter()
    result = signin.sign_in(database, settings, demo.ACCOUNTS[0].email, demo.DEMO_PASSWORD)
    sign_in_ms = (time.perf_counter() - started) * 1000
    timings = []
    for _ in range(lookups):
        started = time.perf_counter()
        with database.read() as session:
            sessions.lookup(session, settings, result.cookie)
        timings.append((time.perf_counter() - started) * 1000)
    database.dispose()
    timings.sort()
    return [
        (label, "sign-in (argon2id verify + session row), ms", sign_in_ms),
        (label, "session lookup per page run, median ms", statistics.median(timings)),
        (label, "session lookup per page run, p95 ms", timings[int(len(timings) * 0.95)]),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()

    print("Demo launcher start-up")
    print(f"  {'run':<36} {'ready banner s':>15} {'GET / 200 s':>12}")
    for kind, ready, served in launcher_runs(args.runs):
        print(f"  {kind:<36} {ready:>15.2f} {served:>12.2f}")

    rows: list[tuple[str, str, float]] = []
    with tempfile.TemporaryDirectory() as folder:
        rows += session_costs(f"sqlite:///{folder}/bench.db", "SQLite")
    admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    name = f"hub_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        rows += session_costs(args.postgres.rsplit("/", 1)[0] + f"/{name}", "PostgreSQL")
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    print("\nStaff sessions (production argon2id parameters)")
    for database, what, value in rows:
        print(f"  {database:<11} {what:<48} {value:>8.2f}")


if __name__ == "__main__":
    main()
