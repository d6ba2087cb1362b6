"""Connections: which organisations each grant reaches, in the shape of Xero's /connections."""

from __future__ import annotations

from sandbox.store import Store
from sandbox.wire import identity_time


def rows(store: Store, grant_id: str, auth_event_id: str | None = None) -> list[dict]:
    """The grant's live connections in Xero's /connections shape."""
    sql = (
        "SELECT c.*, o.name FROM connections c JOIN orgs o ON o.tenant_id = c.tenant_id"
        " WHERE c.grant_id = ? AND c.deleted_ms IS NULL AND o.active = 1"
    )
    params: tuple = (grant_id,)
    if auth_event_id:
        sql, params = sql + " AND c.auth_event_id = ?", (grant_id, auth_event_id)
    return [
        {
            "id": r["id"],
            "authEventId": r["auth_event_id"],
            "tenantId": r["tenant_id"],
            "tenantType": "ORGANISATION",
            "tenantName": r["name"],
            "createdDateUtc": identity_time(r["created_ms"]),
            "updatedDateUtc": identity_time(r["updated_ms"]),
        }
        for r in store.rows(sql + " ORDER BY c.created_ms", params)
    ]


def delete(store: Store, grant_id: str, connection_id: str) -> bool:
    with store.tx() as db:
        done = db.execute(
            "UPDATE connections SET deleted_ms = ? WHERE id = ? AND grant_id = ? AND deleted_ms IS NULL",
            (store.now_ms(), connection_id, grant_id),
        )
        return done.rowcount == 1


def reaches(store: Store, grant_id: str, tenant_id: str) -> bool:
    return (
        store.row(
            "SELECT 1 FROM connections c JOIN orgs o ON o.tenant_id = c.tenant_id WHERE c.grant_id = ?"
            " AND c.tenant_id = ? AND c.deleted_ms IS NULL AND o.active = 1",
            (grant_id, tenant_id),
        )
        is not None
    )
