"""What one redraw of each self-refreshing part of a page costs (web/ui/live.py): the queries it sends and its time,
against a busy hub (bench/dashboard.py's fill: 100,000 outbox entries, 100,000 sync errors, 30 days of sync runs,
plus 20,000 alert emails and 50,000 documents), on SQLite and PostgreSQL, and what a page left open all day costs at
HUB_LIVE_SECONDS.

    .venv/bin/python bench/live_pages.py [--rows 100000] [--companies 30] [--every 10] [--postgres postgresql+psycopg://…]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import command_line, table
from bench.dashboard import SUPPORT, fill, measure
from core import clock, companies
from core.alerts import emails
from core.connections import views as connection_views
from core.contacts import actions as contact_actions
from core.db import Database
from core.documents import views as document_views
from core.documents.query import DocumentFilter
from core.error_triage import query as error_query
from core.error_triage.query import ErrorFilter
from core.health import overview as dashboard
from core.health import sidecar
from core.models.alerts import EmailMessage
from core.models.base import Role, StaffUser
from core.models.platform import PlatformContact, PlatformDocument
from core.settings import Settings
from core.staff import sessions
from tests.beside import fresh_database
from tests.conftest import make_settings

FIRST = 1  # the company a finance manager's pages show


def _more(database: Database, rows: int, companies_: int) -> None:
    """Alert emails, documents and a signed-in staff member on top of the dashboard's fill."""
    rng, now = random.Random(7), clock.now()
    with database.engine.begin() as connection:
        for start in range(0, rows // 5, 5000):
            connection.execute(
                insert(EmailMessage),
                [
                    {
                        "company_id": rng.randrange(1, companies_ + 1),
                        "recipients": ["finance@example.com"],
                        "subject": f"Sync errors {n}",
                        "body": "Something did not reach Xero.\n" * 20,
                        "state": "sent",
                        "attempts": 1,
                        "next_attempt_at": now,
                        "created_at": now - timedelta(minutes=n),
                        "sent_at": now - timedelta(minutes=n),
                    }
                    for n in range(start, min(start + 5000, rows // 5))
                ],
            )
        contacts = [
            {
                "company_id": c,
                "origin": "platform",
                "name": f"Customer {c}-{n}",
                "phones": [],
                "addresses": [],
                "version": 1,
                "created_at": now,
                "changed_at": now,
            }
            for c in range(1, companies_ + 1)
            for n in range(20)
        ]
        connection.execute(insert(PlatformContact), contacts)
        documents = []
        for n in range(rows // 2):
            company = rng.randrange(1, companies_ + 1)
            documents.append(
                {
                    "company_id": company,
                    "contact_id": (company - 1) * 20 + rng.randrange(20) + 1,
                    "platform_id": f"doc-{n}",
                    "kind": "sales_invoice",
                    "number": f"INV-{n:06d}",
                    "issue_date": (now - timedelta(days=n % 300)).date(),
                    "currency": "GBP",
                    "lines": [{"description": "Work", "quantity": 1, "unit_amount": 100, "account": "200"}],
                    "total": Decimal("120.00"),
                    "version": 1,
                    "created_at": now - timedelta(minutes=n),
                    "changed_at": now - timedelta(minutes=n),
                }
            )
        for start in range(0, len(documents), 5000):
            connection.execute(insert(PlatformDocument), documents[start : start + 5000])
        connection.execute(text("ANALYZE"))


def _staff(database: Database, settings: Settings) -> Any:
    """A finance manager of the first company, signed in."""
    with database.write() as session:
        user = StaffUser(email="fm@example.com", name="FM", role=Role.FINANCE_MANAGER, company_id=FIRST,
                         is_company_admin=True, password_hash="x", created_at=clock.now())  # fmt: skip
        session.add(user)
        session.flush()
        cookie = sessions.start(session, settings, user)
        found = sessions.lookup(session, settings, cookie)
        assert found is not None
        return found.actor


def parts(settings: Settings, manager: Any) -> dict[str, Callable[[Session], Any]]:
    """Each live part's reads, as its page calls them (web/pages/*, web/ui/chrome.py)."""
    return {
        "session check (every part)": lambda s: sessions.still_live(s, settings, manager),
        "background sync pulse (every page)": lambda s: sidecar.status(s, heartbeat_seconds=10),
        "overview, support (every company)": lambda s: (
            dashboard.build(s, SUPPORT, heartbeat_seconds=10, connection_cap=25),
            companies.list_visible(s, SUPPORT),
        ),
        "overview, finance manager": lambda s: (
            dashboard.build(s, manager, heartbeat_seconds=10, connection_cap=25),
            companies.list_visible(s, manager),
        ),
        "Xero connections (table + import)": lambda s: (
            connection_views.list_views(s, SUPPORT),
            contact_actions.import_status(s, SUPPORT, FIRST),
        ),
        "contacts import panel": lambda s: contact_actions.import_status(s, manager, FIRST),
        "documents list + off balance": lambda s: (
            document_views.list_documents(s, manager, FIRST, DocumentFilter(), xero_api_url="https://x"),
            document_views.off_balance(s, manager, FIRST),
        ),
        "sync errors (grouped)": lambda s: (
            error_query.status_counts(s, SUPPORT, ErrorFilter()),
            error_query.groups(s, SUPPORT, ErrorFilter()),
        ),
        "sync errors (every error)": lambda s: (
            error_query.status_counts(s, SUPPORT, ErrorFilter()),
            error_query.errors(s, SUPPORT, ErrorFilter()),
        ),
        "email outbox (newest 200)": lambda s: emails.list_emails(s, SUPPORT, limit=200),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--companies", type=int, default=30)
    parser.add_argument("--every", type=float, default=10, help="HUB_LIVE_SECONDS: seconds between redraws")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    print(command_line())
    results: dict[str, dict[str, tuple[float, int]]] = {}
    for label, server in (("SQLite", None), ("PostgreSQL", args.postgres)):
        with tempfile.TemporaryDirectory() as folder, fresh_database(server, Path(folder)) as url:
            database = Database(url)
            fill(database, args.rows, args.companies)
            _more(database, args.rows, args.companies)
            settings = make_settings(url, Path(folder))
            manager = _staff(database, settings)
            results[label] = {name: measure(database, read) for name, read in parts(settings, manager).items()}
            database.dispose()
    per_day = 86_400 / args.every
    check = results["PostgreSQL"]["session check (every part)"][1]
    rows = []
    for name in results["SQLite"]:
        (lite_ms, lite_q), (pg_ms, pg_q) = results["SQLite"][name], results["PostgreSQL"][name]
        rows.append([name, lite_q, f"{lite_ms:.1f} ms", f"{pg_ms:.1f} ms", f"{per_day * (pg_q + check):,.0f}"])
    print(
        f"{args.rows:,} outbox entries and sync errors, {args.rows // 5:,} emails, {args.rows // 2:,} documents, "
        f"{args.companies} companies; one redraw every {args.every:g} s"
    )
    print(table(["part", "queries", "SQLite (best of 5)", "PostgreSQL (best of 5)", "queries a day, open page"], rows))
    print("(queries a day count the part's session check too)")


if __name__ == "__main__":
    main()
