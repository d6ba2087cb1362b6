"""Bulk inserts (COPY on PostgreSQL) store exactly what a plain INSERT stores: enums, UTC datetimes, JSON, None."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from core.db import bulk_insert
from core.hub import Hub
from core.models.base import Company
from core.models.platform import Origin, PlatformContact


def _row(company_id: int, name: str, **extra: Any) -> dict[str, Any]:
    moment = datetime(2026, 11, 21, 8, 30, 5, 250000, tzinfo=UTC)
    return {
        "company_id": company_id,
        "platform_id": None,
        "origin": Origin.XERO,
        "name": name,
        "first_name": None,
        "last_name": None,
        "email": None,
        "phones": [{"type": "MOBILE", "number": "+64 21 555 0199"}],
        "addresses": [],
        "bank_account": None,
        "tax_number": None,
        "is_supplier": True,
        "is_customer": False,
        "archived": False,
        "version": 1,
        "created_at": moment,
        "changed_at": moment,
        "xero_contact_id": f"id-{name}",
        "groups": ["Trade", 'Quote "and" \\ tab\t'],
        "synced_snapshot": {"name": name, "nested": {"ok": True, "n": 1.5}},
        **extra,
    }


def _stored(hub: Hub, name: str) -> dict[str, Any]:
    with hub.db.read() as session:
        row = session.scalars(select(PlatformContact).where(PlatformContact.name == name)).one()
        return {c.name: getattr(row, c.name) for c in PlatformContact.__table__.columns if c.name != "id"}


def test_bulk_insert_stores_what_insert_stores(seeded: Hub) -> None:
    with seeded.db.read() as session:
        company_id = session.scalars(select(Company.id)).first()
    assert company_id is not None
    names = ["Māori Kai Ltd", "Ōtautahi\nNew line", "Plain"]
    with seeded.db.write() as session:
        bulk_insert(session, PlatformContact.__table__, [_row(company_id, f"bulk {n}") for n in names])
        session.execute(PlatformContact.__table__.insert(), [_row(company_id, f"insert {n}") for n in names])
    for name in names:
        bulk, plain = _stored(seeded, f"bulk {name}"), _stored(seeded, f"insert {name}")
        assert bulk.pop("name") == f"bulk {name}" and plain.pop("name") == f"insert {name}"
        assert bulk.pop("xero_contact_id") == f"id-bulk {name}" and plain.pop("xero_contact_id") == f"id-insert {name}"
        bulk_snapshot, plain_snapshot = bulk.pop("synced_snapshot"), plain.pop("synced_snapshot")
        assert bulk_snapshot["nested"] == plain_snapshot["nested"] == {"ok": True, "n": 1.5}
        assert bulk == plain
        assert bulk["origin"] is Origin.XERO and bulk["created_at"].tzinfo is not None


def test_bulk_insert_of_nothing_does_nothing(seeded: Hub) -> None:
    with seeded.db.write() as session:
        before = session.scalar(select(func.count()).select_from(PlatformContact))
        bulk_insert(session, PlatformContact.__table__, [])
        assert session.scalar(select(func.count()).select_from(PlatformContact)) == before
