"""Accounting records (contacts, groups, accounts, tax rates …) kept as JSON, indexed for Xero's common reads."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sandbox.query import field_value
from sandbox.store import Store, dumps, loads


@dataclass
class Record:
    id: str
    updated_ms: int
    status: str
    data: dict[str, Any]


def save(
    db: sqlite3.Connection,
    tenant_id: str,
    kind: str,
    record: Record,
    *,
    name: str = "",
    number: str = "",
    doc: str | None = None,
) -> None:
    """Insert or replace one record inside the caller's transaction (doc: its API JSON, ready to serve)."""
    db.execute(
        "INSERT INTO records (tenant_id, kind, id, updated_ms, status, name, number, data, doc)"
        " VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT (tenant_id, kind, id) DO UPDATE SET updated_ms = excluded.updated_ms,"
        " status = excluded.status, name = excluded.name, number = excluded.number, data = excluded.data,"
        " doc = excluded.doc",
        (tenant_id, kind, record.id, record.updated_ms, record.status, name.lower(), number, dumps(record.data), doc),
    )


def save_many(db: sqlite3.Connection, rows: Iterable[tuple[str, str, Record, str, str, str | None]]) -> None:
    """Bulk insert (seeding): (tenant_id, kind, record, name, number, doc) tuples."""
    db.executemany(
        "INSERT OR REPLACE INTO records (tenant_id, kind, id, updated_ms, status, name, number, data, doc)"
        " VALUES (?,?,?,?,?,?,?,?,?)",
        ((t, k, r.id, r.updated_ms, r.status, n.lower(), num, dumps(r.data), doc) for t, k, r, n, num, doc in rows),
    )


def _record(row: sqlite3.Row) -> Record:
    return Record(row["id"], row["updated_ms"], row["status"], loads(row["data"]))


def get(store: Store | sqlite3.Connection, tenant_id: str, kind: str, record_id: str) -> Record | None:
    sql = "SELECT id, updated_ms, status, data FROM records WHERE tenant_id = ? AND kind = ? AND id = ?"
    params = (tenant_id, kind, record_id.lower())
    row = store.execute(sql, params).fetchone() if isinstance(store, sqlite3.Connection) else store.row(sql, params)
    return None if row is None else _record(row)


def find(
    db: sqlite3.Connection,
    tenant_id: str,
    kind: str,
    *,
    name: str | None = None,
    number: str | None = None,
    statuses: tuple[str, ...] = (),
) -> list[Record]:
    """Records with this (case-insensitive) name or this number, optionally only in some statuses."""
    sql = "SELECT id, updated_ms, status, data FROM records WHERE tenant_id = ? AND kind = ?"
    params: list[Any] = [tenant_id, kind]
    if name is not None:
        sql, params = sql + " AND name = ?", [*params, name.lower()]
    if number is not None:
        sql, params = sql + " AND number = ?", [*params, number]
    if statuses:
        sql += f" AND status IN ({','.join('?' * len(statuses))})"
        params.extend(statuses)
    return [_record(row) for row in db.execute(sql, params).fetchall()]


def fields(
    db: sqlite3.Connection,
    tenant_id: str,
    kinds: tuple[str, ...],
    paths: tuple[str, ...],
    *,
    name: str,
    statuses: tuple[str, ...],
) -> list[tuple[Any, ...]]:
    """(status, *the top-level fields named) of the records of these kinds with this name and status, read by SQLite
    from the stored JSON: for derived figures over many records, where parsing each whole record would dominate."""
    picked = ", ".join(f"json_extract(data, '$.{path}')" for path in paths)
    sql = (
        f"SELECT status, {picked} FROM records WHERE tenant_id = ? AND kind IN ({','.join('?' * len(kinds))})"
        f" AND name = ? AND status IN ({','.join('?' * len(statuses))})"
    )
    return [tuple(row) for row in db.execute(sql, (tenant_id, *kinds, name.lower(), *statuses))]


# Fields whose order SQL can do (the rest is sorted in Python, like Xero's "unoptimised" orderings).
SQL_ORDER = {"UpdatedDateUTC": "updated_ms", "Name": "name", "ContactID": "id", "Code": "number"}


@dataclass(frozen=True)
class Listing:
    """One page of records and how many matched in all."""

    records: list[Record]
    total: int
    # The records' ready-made API JSON, when the caller asked for docs and every record has one.
    docs: list[str] | None = None


def listing(
    store: Store,
    tenant_id: str,
    kind: str,
    *,
    since_ms: int | None = None,
    statuses: tuple[str, ...] = (),
    ids: tuple[str, ...] = (),
    numbers: tuple[str, ...] = (),
    predicate: Callable[[Record], bool] | None = None,
    order: list[tuple[list[str], bool]] | None = None,
    page: int | None = None,
    page_size: int = 100,
    docs: bool = False,
) -> Listing:
    """Filter, order and page records; SQL does the work when the filters allow, Python otherwise."""
    where = ["tenant_id = ?", "kind = ?"]
    params: list[Any] = [tenant_id, kind]
    if since_ms is not None:
        where.append("updated_ms >= ?")
        params.append(since_ms)
    for column, values in (("status", statuses), ("id", tuple(i.lower() for i in ids)), ("number", numbers)):
        if values:
            where.append(f"{column} IN ({','.join('?' * len(values))})")
            params.extend(values)
    order = order or []
    in_sql = all(len(path) == 1 and path[0] in SQL_ORDER for path, _ in order)
    order_sql = ", ".join(f"{SQL_ORDER[path[0]]} {'DESC' if desc else 'ASC'}" for path, desc in order) if in_sql else ""
    order_sql = (order_sql + ", id ASC").lstrip(", ")
    base = f"SELECT id, updated_ms, status, data FROM records WHERE {' AND '.join(where)}"
    if predicate is None and in_sql:
        total = store.row(f"SELECT count(*) AS n FROM records WHERE {' AND '.join(where)}", tuple(params))["n"]
        limit = f" LIMIT {int(page_size)} OFFSET {int((page - 1) * page_size)}" if page is not None else ""
        if docs:
            # The fast path for big reads: serve stored JSON without parsing or re-encoding it.
            found = store.rows(
                f"SELECT doc FROM records WHERE {' AND '.join(where)} ORDER BY {order_sql}{limit}", tuple(params)
            )
            if all(row["doc"] is not None for row in found):
                return Listing([], int(total), [row["doc"] for row in found])
        sql = f"{base} ORDER BY {order_sql}{limit}"
        return Listing([_record(r) for r in store.rows(sql, tuple(params))], int(total))
    found = [_record(r) for r in store.rows(f"{base} ORDER BY {order_sql}", tuple(params))]
    if predicate is not None:
        found = [r for r in found if predicate(r)]
    if not in_sql:
        for path, desc in reversed(order):
            found.sort(key=lambda r, p=path: _sort_key(field_value(r.data, p)), reverse=desc)
    total = len(found)
    if page is not None:
        found = found[(page - 1) * page_size : page * page_size]
    return Listing(found, total)


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, bool | int | float):
        return (1, value)
    return (2, str(value).lower())
