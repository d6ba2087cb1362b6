"""Outbox throughput on SQLite and PostgreSQL, side by side, and claim time against a million done entries.

    .venv/bin/python bench/outbox.py [--entries 4000] [--history 1000000]

Enqueue: one transaction per change (as the platform's entry points do). Claim/complete: workers claim batches of
50 and complete each batch in one transaction. History: claim time for the next batch with 0 and with --history
done entries in the table (it must not grow).
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

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core import clock, migrate
from core.db import Database
from core.demo import seed as demo
from core.sync import outbox

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def fresh(url: str) -> Database:
    database = Database(url)
    migrate.upgrade(database)
    with database.write() as session:
        demo.seed(session)
    return database


def enqueue_one(database: Database, entity_id: str, payload: dict[str, object]) -> None:
    """One change in its own transaction, as the platform's entry points record them."""
    with database.write() as session:
        outbox.enqueue(
            session,
            company_id=1,
            entity_type="contact",
            entity_id=entity_id,
            version=1,
            operation="update",
            payload=payload,
        )


def enqueue_rate(database: Database, entries: int) -> float:
    started = time.perf_counter()
    for i in range(entries):
        enqueue_one(database, f"e{i}", {"Name": f"Contact {i}"})
    return entries / (time.perf_counter() - started)


def drain_rate(database: Database, workers: int) -> tuple[float, int]:
    done = [0]
    lock = threading.Lock()

    def work(name: str) -> None:
        while batch := outbox.claim(database, worker=name, limit=50):
            with database.write() as session:
                for entry in batch:
                    outbox.complete(session, entry.id, worker=name)
            with lock:
                done[0] += len(batch)

    started = time.perf_counter()
    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done[0] / (time.perf_counter() - started), done[0]


def add_history(database: Database, rows: int) -> None:
    """Bulk-insert done entries straight in SQL (the benchmark is about claiming, not about inserting them)."""
    now = clock.now().replace(tzinfo=None).isoformat(sep=" ")
    series = (
        "generate_series(1, :n) AS i"
        if database.dialect == "postgresql"
        else "(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < :n) SELECT i FROM s)"
    )
    source = f"FROM {series}" if database.dialect == "postgresql" else f"FROM {series} AS t"
    with database.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO outbox_entries (company_id, entity_type, entity_id, entity_version, operation, payload,"
                " idempotency_key, state, attempts, not_before, created_at, updated_at, done_at)"
                rf" SELECT 1, 'contact', 'h' || i, 1, 'update', '{{}}', 'contact:h' || i || ':' || 'v1', 'done', 1,"
                f" '{now}', '{now}', '{now}', '{now}' {source}"
            ),
            {"n": rows},
        )


def claim_time(database: Database, samples: int = 20) -> float:
    timings = []
    for i in range(samples):
        enqueue_one(database, f"probe{uuid.uuid4()}", {"i": i})
        started = time.perf_counter()
        batch = outbox.claim(database, worker="probe", limit=50)
        timings.append((time.perf_counter() - started) * 1000)
        with database.write() as session:
            for entry in batch:
                outbox.complete(session, entry.id, worker="probe")
    return statistics.median(timings)


def run(label: str, fresh_database, entries: int, history: int) -> list[str]:  # type: ignore[no-untyped-def]
    """Both worker counts and the history probe, each on a fresh database."""
    rows = []
    for workers in (1, 4):
        database = fresh_database()
        enq = enqueue_rate(database, entries)
        drained, count = drain_rate(database, workers)
        assert count == entries, (count, entries)
        rows.append(
            f"  {label:<11} {workers} worker{'s' if workers > 1 else ' '}  enqueue {enq:8.0f}/s"
            f"   claim+complete {drained:8.0f}/s"
        )
        database.dispose()
    database = fresh_database()
    empty = claim_time(database)
    add_history(database, history)
    if database.dialect == "postgresql":
        with database.engine.begin() as connection:
            connection.execute(text("ANALYZE outbox_entries"))
    full = claim_time(database)
    rows.append(
        f"  {label:<11} claim the next batch: {empty:6.2f} ms with no history, {full:6.2f} ms with "
        f"{history:,} done entries"
    )
    database.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=4000)
    parser.add_argument("--history", type=int, default=1_000_000)
    parser.add_argument("--postgres", default=POSTGRES)
    args = parser.parse_args()
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        files = iter(range(100))
        lines += run("SQLite", lambda: fresh(f"sqlite:///{folder}/bench{next(files)}.db"), args.entries, args.history)
    admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    name = f"hub_bench_{uuid.uuid4().hex[:8]}"
    url = args.postgres.rsplit("/", 1)[0] + f"/{name}"

    def fresh_postgres() -> Database:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        return fresh(url)

    try:
        lines += run("PostgreSQL", fresh_postgres, args.entries, args.history)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print(f"Outbox ({args.entries:,} changes per run)")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
