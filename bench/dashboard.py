"""The overview dashboard against 100,000 outbox entries, 100,000 sync errors and 30 days of sync runs (one push
batch a minute per company), on SQLite and PostgreSQL: the time of one dashboard.build and its number of queries.

    .venv/bin/python bench/dashboard.py [--rows 100000] [--companies 30] [--postgres postgresql+psycopg://…]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import table
from core import clock
from core.auth import Actor
from core.db import Database
from core.health import overview as dashboard
from core.models.base import Company, Role
from core.models.sync import Connection, OutboxEntry, SyncError, SyncRun
from tests.beside import fresh_database

SUPPORT = Actor(user_id=None, email="bench", name="Bench", role=Role.SUPPORT)


def _insert(connection: Any, table_: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), 5000):
        connection.execute(insert(table_), rows[start : start + 5000])


def fill(database: Database, rows: int, companies: int, seed: int = 11) -> None:
    """Companies with connections, `rows` outbox entries and errors, and a push run a minute for 30 days."""
    rng, now = random.Random(seed), clock.now()
    with database.engine.begin() as connection:
        _insert(
            connection,
            Company.__table__,
            [
                {
                    "id": c,
                    "name": f"Bench Company {c} Ltd",
                    "country": "GB",
                    "base_currency": "GBP",
                    "settings": {},
                    "created_at": now,
                }
                for c in range(1, companies + 1)
            ],
        )
        _insert(
            connection,
            Connection.__table__,
            [
                {
                    "company_id": c,
                    "state": "connected" if c % 7 else "needs_reconnect",
                    "tenant_id": f"t-{c}",
                    "tenant_name": f"Org {c}",
                    "state_changed_at": now,
                    "connected_at": now - timedelta(days=9),
                    "last_activity_at": now - timedelta(days=c % 50),
                    "contacts_polled_at": now - timedelta(minutes=c),
                }
                for c in range(1, companies + 1)
            ],
        )
        entries = []
        for n in range(rows):
            created = now - timedelta(minutes=rng.randrange(60 * 24 * 30))
            done = rng.random() < 0.97
            entries.append(
                {
                    "company_id": rng.randrange(1, companies + 1),
                    "entity_type": "contact",
                    "entity_id": str(n),
                    "entity_version": 1,
                    "operation": "update",
                    "payload": {},
                    "idempotency_key": f"b-{n}",
                    "state": "done" if done else rng.choice(("pending", "failed", "held")),
                    "attempts": 1,
                    "not_before": created,
                    "created_at": created,
                    "updated_at": created,
                    "done_at": created + timedelta(seconds=rng.expovariate(1 / 4)) if done else None,
                }
            )
        _insert(connection, OutboxEntry.__table__, entries)
        errors = []
        for n in range(rows):
            seen = now - timedelta(minutes=rng.randrange(60 * 24 * 60))
            errors.append(
                {
                    "company_id": rng.randrange(1, companies + 1),
                    "cause": "validation",
                    "fingerprint": f"b-{n}",
                    "status": rng.choice(("open", "resolved", "resolved", "resolved")),
                    "occurrences": 1,
                    "first_seen_at": seen,
                    "last_seen_at": seen,
                    "entity_type": "contact",
                    "entity_id": str(n),
                }
            )
        _insert(connection, SyncError.__table__, errors)
        runs = []
        for minute in range(0, 60 * 24 * 30, max(1, companies // 30)):
            at = now - timedelta(minutes=minute)
            runs.append(
                {
                    "company_id": minute % companies + 1,
                    "job": "push",
                    "state": "done",
                    "requested_at": at,
                    "not_before": at,
                    "started_at": at,
                    "finished_at": at,
                    "records": rng.randrange(1, 50),
                    "api_calls": 1,
                }
            )
        _insert(connection, SyncRun.__table__, runs)
        connection.execute(text("ANALYZE"))


def build(session: Session) -> None:
    dashboard.build(session, SUPPORT, heartbeat_seconds=10, connection_cap=25)


def measure(database: Database, read: Callable[[Session], Any] = build, repeat: int = 5) -> tuple[float, int]:
    """Best time of `repeat` runs of `read` (one dashboard.build unless told), and the statements one run sends."""
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    best = float("inf")
    for _ in range(repeat):
        statements.clear()
        event.listen(database.engine, "before_cursor_execute", count)
        with database.read() as session:
            started = time.perf_counter()
            read(session)
            best = min(best, time.perf_counter() - started)
        event.remove(database.engine, "before_cursor_execute", count)
    return best * 1000, len(statements)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--companies", type=int, default=30)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    rows = []
    for label, server in (("SQLite", None), ("PostgreSQL", args.postgres)):
        with tempfile.TemporaryDirectory() as folder, fresh_database(server, Path(folder)) as url:
            database = Database(url)
            started = time.perf_counter()
            fill(database, args.rows, args.companies)
            filled = time.perf_counter() - started
            ms, queries = measure(database)
            rows.append([label, f"{filled:.0f} s", f"{ms:.0f} ms", queries])
            database.dispose()
    print(f"{args.rows:,} outbox entries, {args.rows:,} sync errors, 30 days of push runs, {args.companies} companies")
    print(table(["database", "fill", "dashboard.build (best of 5)", "queries"], rows))


if __name__ == "__main__":
    main()
