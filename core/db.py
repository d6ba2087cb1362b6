"""The shared database: one engine per process, short transactions, SQLite or PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Table, create_engine, event, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from core.settings import redact_url

SQLITE_BUSY_TIMEOUT_MS = 10_000
# Who sends a statement, for Database.count_statements (the sidecar names the job running).
statement_source: ContextVar[str] = ContextVar("statement_source", default="other")


def dump_json(value: Any) -> str:
    """JSON columns' text: orjson is several times faster than the standard library on a big import's rows."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


# Both engines share these: JSON columns written and read the same way on SQLite and PostgreSQL.
JSON_CODECS: dict[str, Any] = {"json_serializer": dump_json, "json_deserializer": orjson.loads}


class DatabaseUnavailable(Exception):
    """The database cannot be reached or opened; the message says where and what to check."""


class SchemaOutOfDate(Exception):
    """The database has not been migrated to the code's schema; the message says how to fix it."""


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN itself, so writes can ask for IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A write transaction takes the write lock up front (BEGIN IMMEDIATE): SQLite then waits
        # on busy_timeout instead of failing with "database is locked" halfway through.
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def insert_if_missing(session: Session, table: Table, values: dict[str, Any]) -> None:
    """INSERT … ON CONFLICT DO NOTHING on either database: two processes racing to create a row both succeed."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(table).values(**values).on_conflict_do_nothing())


def upsert(session: Session, table: Table, rows: list[dict[str, Any]], *, keys: tuple[str, ...]) -> None:
    """INSERT … ON CONFLICT (keys) DO UPDATE for many rows at once, on either database."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
    updates = {c: statement.excluded[c] for c in rows[0] if c not in keys}
    session.execute(statement.on_conflict_do_update(index_elements=list(keys), set_=updates), rows)


def bulk_insert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Many new rows at once (every row names the same columns): one COPY stream on PostgreSQL, where an
    executemany still makes the server parse and run a statement per row; a plain executemany on SQLite."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "postgresql":
        session.execute(table.insert(), rows)
        return
    names = list(rows[0])
    # The columns' own bind processing (enums, UTC datetimes, JSON), so COPY stores exactly what INSERT would.
    processors = [(name, table.c[name].type._cached_bind_processor(dialect)) for name in names]
    quote = dialect.identifier_preparer
    sql = f"COPY {quote.format_table(table)} ({', '.join(quote.quote(n) for n in names)}) FROM STDIN"
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row([process(row[name]) if process else row[name] for name, process in processors])


class Database:
    """Engine plus read and write session factories for one database URL."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.label = redact_url(url)
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        if self.dialect == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                folder = Path(parsed.database).parent
                try:
                    folder.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise DatabaseUnavailable(
                        f"Cannot create {folder} for the database file ({exc.strerror}). Set HUB_DATA_DIR "
                        "or DATABASE_URL to a place this user can write to."
                    ) from None
            self.engine = create_engine(
                url,
                echo=echo,
                hide_parameters=True,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
                **JSON_CODECS,
            )
            _configure_sqlite(self.engine)
        else:
            # hide_parameters: bound values (which can hold personal data) never reach logs or error text.
            self.engine = create_engine(
                url,
                echo=echo,
                hide_parameters=True,
                pool_pre_ping=True,
                connect_args={"connect_timeout": 5},
                **JSON_CODECS,
            )
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = sessionmaker(self.engine.execution_options(sqlite_begin="IMMEDIATE"), expire_on_commit=False)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed when the block ends, rolled back if it raises."""
        with self._writer.begin() as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work; anything it changes is rolled back."""
        with self._reader() as session:
            yield session

    def check(self) -> None:
        """Raise DatabaseUnavailable with a helpful message if the database cannot be used."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except (OperationalError, DBAPIError) as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            raise DatabaseUnavailable(
                f"Cannot open the database at {self.label} ({reason}). Check DATABASE_URL and that "
                "the database server is running and reachable."
            ) from None

    def checkpoint(self) -> None:
        """Fold SQLite's write-ahead log into the database file after a bulk load (nothing to do on PostgreSQL), so
        the file holds the data even if a process later exits without closing its connections."""
        if self.dialect == "sqlite":
            with self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def count_statements(self) -> Callable[[], Counter[tuple[str, str]]]:
        """Count from now on every statement and transaction this process sends, by (statement_source, "statements"
        or "transactions"): what the fleet benchmark reads from the sidecar. Returns how to read the counts."""
        counts: Counter[tuple[str, str]] = Counter()
        lock = threading.Lock()

        def tick(kind: str) -> None:
            with lock:
                counts[(statement_source.get(), kind)] += 1

        event.listen(self.engine, "before_cursor_execute", lambda *_: tick("statements"))
        event.listen(self.engine, "begin", lambda *_: tick("transactions"))

        def snapshot() -> Counter[tuple[str, str]]:
            with lock:
                return counts.copy()

        return snapshot

    def dispose(self) -> None:
        """Close every pooled connection (tests and process shutdown)."""
        self.engine.dispose()
