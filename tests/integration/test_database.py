"""The database layer on SQLite and PostgreSQL: schema, pragmas, write locking, clear failures."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from core import migrate
from core.db import Database, DatabaseUnavailable, SchemaOutOfDate
from core.models.base import HubMeta
from core.models.schema import Base


def test_migrations_produce_exactly_the_models_schema(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    migrate.require_current(db)


def test_downgrade_to_nothing_and_back(db: Database) -> None:
    migrate.downgrade(db, "base")
    assert migrate.current_revision(db) is None
    with pytest.raises(SchemaOutOfDate, match="no tables yet"):
        migrate.require_current(db)
    migrate.upgrade(db)
    assert migrate.current_revision(db) == migrate.head_revision()


def test_datetimes_come_back_aware_utc(db: Database) -> None:
    from core.models.base import SidecarHeartbeat

    moment = datetime(2026, 11, 20, 9, 30, 15, 123456, tzinfo=UTC)
    with db.write() as session:
        session.add(SidecarHeartbeat(instance_id="a", hostname="h", pid=1, started_at=moment, beat_at=moment))
    with db.read() as session:
        row = session.get(SidecarHeartbeat, "a")
        assert row is not None and row.beat_at == moment and row.beat_at.tzinfo is not None


def test_write_rolls_back_on_error(db: Database) -> None:
    with pytest.raises(RuntimeError), db.write() as session:
        session.add(HubMeta(key="k", value="v"))
        session.flush()
        raise RuntimeError("boom")
    with db.read() as session:
        assert session.get(HubMeta, "k") is None


def test_sqlite_pragmas(sqlite_db: Database) -> None:
    with sqlite_db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 10_000


def test_sqlite_writers_queue_instead_of_failing(sqlite_db: Database) -> None:
    """Two write transactions on SQLite: the second waits for the first (BEGIN IMMEDIATE)."""
    order: list[str] = []
    first_has_lock = threading.Event()

    def first() -> None:
        with sqlite_db.write() as session:
            session.add(HubMeta(key="first", value="1"))
            session.flush()
            first_has_lock.set()
            time.sleep(0.3)
            order.append("first-commit")

    thread = threading.Thread(target=first)
    thread.start()
    first_has_lock.wait(5)
    with sqlite_db.read() as session:  # readers are not blocked by a writer (WAL)
        session.execute(text("SELECT count(*) FROM hub_meta")).scalar()
        order.append("read-done")
    with sqlite_db.write() as session:
        session.execute(text("SELECT 1"))  # the first statement issues BEGIN IMMEDIATE and waits
        order.append("second-begun")
        session.add(HubMeta(key="second", value="2"))
    thread.join()
    assert order == ["read-done", "first-commit", "second-begun"]


@pytest.mark.parametrize(
    "url",
    ["postgresql+psycopg://hub:s3cret-pw@127.0.0.1:1/hub", "sqlite:////proc/no-such-dir/hub.db"],
    ids=["postgres-unreachable", "sqlite-unwritable"],
)
def test_unusable_database_is_explained_without_the_password(url: str) -> None:
    with pytest.raises(DatabaseUnavailable) as caught:
        Database(url).check()
    message = str(caught.value)
    assert "s3cret-pw" not in message
    assert "DATABASE_URL" in message
