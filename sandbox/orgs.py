"""Organisations and the Xero users who belong to them, with their roles."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from sandbox.store import Store, dumps, loads
from sandbox.wire import new_id


@dataclass(frozen=True)
class Membership:
    tenant_id: str
    name: str
    role: str

    @property
    def can_connect_apps(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class XeroUserRow:
    user_id: str
    email: str
    first_name: str
    last_name: str

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def _hash(password: str) -> str:
    return hashlib.sha256(f"sandbox:{password}".encode()).hexdigest()


def upsert_user(store: Store, *, email: str, first_name: str, last_name: str, password: str) -> str:
    """Add a Xero user (or return the existing one with that email)."""
    email = email.strip().lower()
    found = store.row("SELECT user_id FROM users WHERE email = ?", (email,))
    if found is not None:
        return str(found["user_id"])
    user_id = new_id()
    with store.tx() as db:
        db.execute(
            "INSERT INTO users (user_id, email, first_name, last_name, password) VALUES (?, ?, ?, ?, ?)",
            (user_id, email, first_name, last_name, _hash(password)),
        )
    return user_id


def add_member(store: Store, tenant_id: str, user_id: str, role: str) -> None:
    with store.tx() as db:
        db.execute(
            "INSERT INTO org_users (tenant_id, user_id, role) VALUES (?, ?, ?)"
            " ON CONFLICT (tenant_id, user_id) DO UPDATE SET role = ?",
            (tenant_id, user_id, role, role),
        )


def remove_member(store: Store, tenant_id: str, user_id: str) -> None:
    """A Xero user loses access to an organisation: their connections to it stop working."""
    with store.tx() as db:
        db.execute("DELETE FROM org_users WHERE tenant_id = ? AND user_id = ?", (tenant_id, user_id))
        db.execute(
            "UPDATE connections SET deleted_ms = ? WHERE tenant_id = ? AND user_id = ? AND deleted_ms IS NULL",
            (store.now_ms(), tenant_id, user_id),
        )


def check_password(store: Store, email: str, password: str) -> XeroUserRow | None:
    row = store.row("SELECT * FROM users WHERE email = ?", (email.strip().lower(),))
    if row is None or not hmac.compare_digest(row["password"], _hash(password)):
        return None
    return XeroUserRow(row["user_id"], row["email"], row["first_name"], row["last_name"])


def get_user(store: Store, user_id: str) -> XeroUserRow | None:
    row = store.row("SELECT * FROM users WHERE user_id = ?", (user_id,))
    return None if row is None else XeroUserRow(row["user_id"], row["email"], row["first_name"], row["last_name"])


def memberships(store: Store, user_id: str) -> list[Membership]:
    return [
        Membership(r["tenant_id"], r["name"], r["role"])
        for r in store.rows(
            "SELECT m.tenant_id, o.name, m.role FROM org_users m JOIN orgs o ON o.tenant_id = m.tenant_id"
            " WHERE m.user_id = ? AND o.active = 1 ORDER BY o.name",
            (user_id,),
        )
    ]


def create_org(store: Store, *, tenant_id: str, name: str, organisation: dict) -> None:
    with store.tx() as db:
        db.execute(
            "INSERT INTO orgs (tenant_id, name, data, created_ms) VALUES (?, ?, ?, ?)",
            (tenant_id, name, dumps(organisation), store.now_ms()),
        )


def get_org(store: Store, tenant_id: str) -> dict | None:
    row = store.row("SELECT data, created_ms FROM orgs WHERE tenant_id = ? AND active = 1", (tenant_id,))
    if row is None:
        return None
    data = loads(row["data"])
    data["_created_ms"] = row["created_ms"]
    return data


def list_orgs(store: Store) -> list[tuple[str, str]]:
    return [
        (r["tenant_id"], r["name"])
        for r in store.rows("SELECT tenant_id, name FROM orgs WHERE active = 1 ORDER BY name")
    ]
