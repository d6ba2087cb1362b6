"""The simulator's storage: one SQLite file under --data, so a restart keeps every organisation and grant."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS apps (client_id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orgs (tenant_id TEXT PRIMARY KEY, name TEXT NOT NULL, data TEXT NOT NULL,
    created_ms INTEGER NOT NULL, active INTEGER NOT NULL DEFAULT 1);
CREATE TABLE IF NOT EXISTS users (user_id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, first_name TEXT NOT NULL,
    last_name TEXT NOT NULL, password TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS org_users (tenant_id TEXT NOT NULL, user_id TEXT NOT NULL, role TEXT NOT NULL,
    PRIMARY KEY (tenant_id, user_id));
CREATE TABLE IF NOT EXISTS auth_codes (code TEXT PRIMARY KEY, client_id TEXT NOT NULL, user_id TEXT NOT NULL,
    redirect_uri TEXT NOT NULL, scope TEXT NOT NULL, tenant_ids TEXT NOT NULL, code_challenge TEXT,
    expires_ms INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS grants (grant_id TEXT PRIMARY KEY, client_id TEXT NOT NULL, user_id TEXT,
    scope TEXT NOT NULL, auth_event_id TEXT NOT NULL, created_ms INTEGER NOT NULL, revoked_ms INTEGER);
CREATE TABLE IF NOT EXISTS connections (id TEXT PRIMARY KEY, grant_id TEXT NOT NULL, tenant_id TEXT NOT NULL,
    client_id TEXT NOT NULL, user_id TEXT, auth_event_id TEXT NOT NULL, created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL, deleted_ms INTEGER);
CREATE INDEX IF NOT EXISTS ix_connections_grant ON connections (grant_id);
CREATE TABLE IF NOT EXISTS access_tokens (jti TEXT PRIMARY KEY, grant_id TEXT NOT NULL, expires_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS refresh_tokens (token TEXT PRIMARY KEY, grant_id TEXT NOT NULL, issued_ms INTEGER NOT NULL,
    first_used_ms INTEGER, revoked INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS ix_refresh_grant ON refresh_tokens (grant_id);
CREATE TABLE IF NOT EXISTS records (tenant_id TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL,
    updated_ms INTEGER NOT NULL, status TEXT NOT NULL, name TEXT NOT NULL DEFAULT '', number TEXT NOT NULL DEFAULT '',
    data TEXT NOT NULL, doc TEXT, PRIMARY KEY (tenant_id, kind, id));
CREATE INDEX IF NOT EXISTS ix_records_updated ON records (tenant_id, kind, updated_ms, id);
CREATE INDEX IF NOT EXISTS ix_records_name ON records (tenant_id, kind, name, id);
CREATE INDEX IF NOT EXISTS ix_records_number ON records (tenant_id, kind, number);
CREATE TABLE IF NOT EXISTS attachments (tenant_id TEXT NOT NULL, parent_kind TEXT NOT NULL, parent_id TEXT NOT NULL,
    id TEXT NOT NULL, file_name TEXT NOT NULL, mime TEXT NOT NULL, size INTEGER NOT NULL, content BLOB NOT NULL,
    include_online INTEGER NOT NULL DEFAULT 0, created_ms INTEGER NOT NULL, PRIMARY KEY (tenant_id, id));
CREATE INDEX IF NOT EXISTS ix_attachments_parent ON attachments (tenant_id, parent_kind, parent_id, created_ms);
CREATE TABLE IF NOT EXISTS idempotency (client_id TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL, body BLOB NOT NULL, created_ms INTEGER NOT NULL, PRIMARY KEY (client_id, key));
CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, tenant_id TEXT NOT NULL,
    category TEXT NOT NULL, resource_id TEXT NOT NULL, event_type TEXT NOT NULL, at_ms INTEGER NOT NULL,
    delivered_ms INTEGER);
CREATE TABLE IF NOT EXISTS webhook_deliveries (id INTEGER PRIMARY KEY AUTOINCREMENT, at_ms INTEGER NOT NULL,
    client_id TEXT NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, events INTEGER NOT NULL,
    ok INTEGER NOT NULL, outcome TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS request_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, at_ms INTEGER NOT NULL,
    method TEXT NOT NULL, path TEXT NOT NULL, query TEXT NOT NULL, tenant_id TEXT, client_id TEXT,
    status INTEGER NOT NULL, duration_ms REAL NOT NULL, detail TEXT, idempotency_key TEXT);
"""


class Store:
    """One SQLite connection guarded by a lock: simple, and fast enough to never be a benchmark's bottleneck."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / "sandbox.db"
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self._add_missing_columns()
        self._offset_ms = int(self.get_meta("clock_offset_ms") or 0)
        self.generation = 0  # one more at every wipe: a request begun before it belongs to the old world
        self._depth = 0

    def _add_missing_columns(self) -> None:
        """A data folder written by an older simulator gains the columns added since."""
        logged = {row["name"] for row in self._db.execute("PRAGMA table_info(request_log)")}
        if "idempotency_key" not in logged:
            self._db.execute("ALTER TABLE request_log ADD COLUMN idempotency_key TEXT")

    # -- transactions -------------------------------------------------------------------------------------------

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (nested calls join the outer one)."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self._db
                finally:
                    self._depth -= 1
                return
            self._db.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")
            finally:
                self._depth = 0

    def rows(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def row(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> sqlite3.Row | None:
        with self._lock:
            return self._db.execute(sql, params).fetchone()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- small facts --------------------------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        found = self.row("SELECT value FROM meta WHERE key = ?", (key,))
        return None if found is None else str(found["value"])

    def set_meta(self, key: str, value: str) -> None:
        with self.tx() as db:
            db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = ?",
                (key, value, value),
            )

    # -- the simulated clock ------------------------------------------------------------------------------------

    def now_ms(self) -> int:
        """Simulated now: real time plus the offset the control API has added (kept across restarts)."""
        return int(time.time() * 1000) + self._offset_ms

    def advance(self, seconds: float) -> int:
        """Move the simulated clock forward; return the new offset in milliseconds."""
        self._offset_ms += int(seconds * 1000)
        self.set_meta("clock_offset_ms", str(self._offset_ms))
        return self._offset_ms

    def reset_clock(self) -> None:
        self._offset_ms = 0
        self.set_meta("clock_offset_ms", "0")

    # -- wiping -------------------------------------------------------------------------------------------------

    def wipe(self, *, keep_apps: bool = True) -> None:
        """Delete every organisation, user, grant and record (the control API's reset)."""
        tables = [
            "orgs",
            "users",
            "org_users",
            "auth_codes",
            "grants",
            "connections",
            "access_tokens",
            "refresh_tokens",
            "records",
            "attachments",
            "idempotency",
            "request_log",
            "events",
            "webhook_deliveries",
        ]
        if not keep_apps:
            tables.append("apps")
        with self.tx() as db:
            for table in tables:
                db.execute(f"DELETE FROM {table}")  # fixed table names, no user input
            self.generation += 1


def loads(text: str | bytes) -> Any:
    return json.loads(text)


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
