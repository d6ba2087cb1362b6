"""Sync errors page queries against 100,000 errors, on SQLite and PostgreSQL, with their query plans.

    .venv/bin/python bench/errors_page.py [--errors 100000] [--postgres postgresql+psycopg://postgres@127.0.0.1/postgres]

Fills the table with a realistic mix (a fifth open, most resolved, three companies, several causes), then times the
page's grouped view, the flat list with filters and search, the last page, the counts and the CSV of one group, and
prints the plan of the grouped and filtered queries so the use of ix_sync_errors_open is visible.
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

from sqlalchemy import insert, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import table
from core import clock
from core.auth import Actor
from core.db import Database
from core.demo import seed as demo
from core.error_triage.detail import export_csv
from core.error_triage.query import ErrorFilter, errors, groups
from core.models.base import Role
from core.models.sync import SyncError
from tests.beside import fresh_database

SUPPORT = Actor(user_id=None, email="bench", name="Bench", role=Role.SUPPORT)
CAUSES = ("contact_archived", "duplicate_name", "validation", "missing_account_mapping", "xero_outage", "hub_bug")
STATUSES = ("open",) * 15 + ("retrying",) * 5 + ("resolved",) * 75 + ("ignored",) * 5


def fill(database: Database, count: int, *, companies: tuple[int, ...] = (1, 2, 3), seed: int = 7) -> None:
    """Bulk-insert `count` errors (multi-row inserts, a batch at a time)."""
    rng = random.Random(seed)
    now = clock.now()
    batch: list[dict[str, Any]] = []
    with database.engine.begin() as connection:
        for n in range(count):
            seen = now - timedelta(minutes=rng.randrange(60 * 24 * 60))
            batch.append(
                {
                    "company_id": rng.choice(companies),
                    "entity_type": "contact",
                    "entity_id": str(n),
                    "entity_number": f"Supplier {n} Ltd",
                    "cause": rng.choice(CAUSES),
                    "detail": f"Xero said no to record {n}: reason {rng.randrange(1000)}",
                    "fingerprint": f"bench-{seed}-{n}",
                    "status": rng.choice(STATUSES),
                    "occurrences": rng.randrange(1, 5),
                    "first_seen_at": seen,
                    "last_seen_at": seen + timedelta(minutes=rng.randrange(600)),
                }
            )
            if len(batch) == 5000:
                connection.execute(insert(SyncError.__table__), batch)
                batch = []
        if batch:
            connection.execute(insert(SyncError.__table__), batch)
        if database.dialect == "postgresql":
            connection.execute(text("ANALYZE sync_errors"))
        else:
            connection.execute(text("ANALYZE"))


QUERIES: dict[str, Callable[[Any], object]] = {
    "grouped, open (all companies)": lambda s: groups(s, SUPPORT, ErrorFilter()),
    "grouped, one company": lambda s: groups(s, SUPPORT, ErrorFilter(company_id=2)),
    "flat, open, first page": lambda s: errors(s, SUPPORT, ErrorFilter()),
    "flat, open, page 300": lambda s: errors(s, SUPPORT, ErrorFilter(), page=300),
    "flat, company + cause + age": lambda s: errors(
        s, SUPPORT, ErrorFilter(company_id=1, cause="contact_archived", age="7d")
    ),
    "flat, who acts = support": lambda s: errors(s, SUPPORT, ErrorFilter(who="support")),
    "flat, search 'supplier 4242'": lambda s: errors(s, SUPPORT, ErrorFilter(text="supplier 4242")),
    "flat, every status": lambda s: errors(s, SUPPORT, ErrorFilter(statuses=())),
    "CSV of one group": lambda s: export_csv(s, SUPPORT, ErrorFilter(company_id=1, cause="validation")),
}


def timings(database: Database, repeat: int = 3) -> list[tuple[str, float]]:
    out = []
    for label, query in QUERIES.items():
        best = float("inf")
        for _ in range(repeat):
            with database.read() as session:
                started = time.perf_counter()
                query(session)
                best = min(best, time.perf_counter() - started)
        out.append((label, best * 1000))
    return out


def plans(database: Database) -> list[str]:
    """The plans of the grouped and the filtered query, as the database explains them."""
    grouped = (
        "SELECT company_id, cause, count(*) FROM sync_errors WHERE status IN ('open', 'retrying') "
        "GROUP BY company_id, cause"
    )
    flat = (
        "SELECT id FROM sync_errors WHERE status IN ('open', 'retrying') AND company_id = 1 "
        "AND cause = 'contact_archived' ORDER BY last_seen_at DESC LIMIT 50"
    )
    prefix = "EXPLAIN QUERY PLAN " if database.dialect == "sqlite" else "EXPLAIN "
    lines = []
    with database.engine.connect() as connection:
        for label, sql in (("grouped", grouped), ("filtered", flat)):
            rows = connection.execute(text(prefix + sql)).all()
            lines.append(f"  {label}: " + " | ".join(str(r[-1]) for r in rows))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", type=int, default=100_000)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    results: dict[str, list[tuple[str, float]]] = {}
    for label, server in (("SQLite", None), ("PostgreSQL", args.postgres)):
        with tempfile.TemporaryDirectory() as folder, fresh_database(server, Path(folder)) as url:
            database = Database(url)
            with database.write() as session:
                demo.seed(session)
            started = time.perf_counter()
            fill(database, args.errors)
            print(f"{label}: {args.errors:,} errors inserted in {time.perf_counter() - started:.1f} s")
            print("\n".join(plans(database)))
            results[label] = timings(database)
            database.dispose()
    rows = [
        [name, f"{ms:.0f} ms", f"{results['PostgreSQL'][i][1]:.0f} ms"]
        for i, (name, ms) in enumerate(results["SQLite"])
    ]
    print(table(["query (best of 3)", "SQLite", "PostgreSQL"], rows))


if __name__ == "__main__":
    main()
